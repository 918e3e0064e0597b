"""`seed_demo`: a realistic demo population, staff, citizens, demo cases and the demo PKI, idempotently."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from citizens.models import Dwelling, Ownership, Person, Registration
from deregistration import eds
from deregistration.constants import Role
from deregistration.models import Application, DepartureSlip
from deregistration.roles import role_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """One demo PKI for the module: its keys are made once (the slow part) and reused, as on a developer's disk."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def seeded(settings, var_dir):
    settings.VAR_DIR = var_dir
    settings.EDS_TRUST_ROOTS = str(settings.VAR_DIR / "pki" / "ca.pem")
    settings.EDS_CRL = str(settings.VAR_DIR / "pki" / "ca.crl")
    settings.EDS_DEMO_KEYS_DIR = settings.VAR_DIR / "pki" / "citizens"
    settings.SLIP_SEAL_CERT = str(settings.VAR_DIR / "pki" / "seal.pem")
    settings.SLIP_SEAL_KEY = str(settings.VAR_DIR / "pki" / "seal.key.pem")
    settings.SLIP_SEAL_CHAIN = settings.EDS_TRUST_ROOTS
    settings.DEBUG = settings.EDS_DEMO_SIGNER = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_population_is_realistic(seeded):
    assert Person.objects.count() >= 60
    assert set(Person.objects.values_list("category", flat=True)) == {
        "citizen",
        "foreign_resident",
        "stateless_resident",
        "refugee",
    }
    assert len({d.region for d in Dwelling.objects.all()}) >= 5
    names = " ".join(
        " ".join(row) for row in Person.objects.values_list("last_name", "first_name", "patronymic")
    )
    assert set("әғқңөұүһі") <= set(names.lower())
    today = timezone.localdate()
    assert any(p.age_on(today) < 16 for p in Person.objects.all())
    assert {"permanent", "temporary"} <= set(Registration.objects.values_list("kind", flat=True))
    co_owned = [
        d
        for d in Dwelling.objects.all()
        if Ownership.objects.filter(dwelling=d, until__isnull=True).count() > 1
    ]
    assert co_owned
    assert any(Registration.objects.active().filter(dwelling=d).count() >= 4 for d in Dwelling.objects.all())


def test_staff_citizens_and_demo_cases_are_ready_and_the_logins_printed(seeded):
    User = get_user_model()
    for username, role in [
        ("operator", Role.OPERATOR),
        ("migration", Role.MIGRATION),
        ("supervisor", Role.SUPERVISOR),
    ]:
        assert role_of(User.objects.get(username=username)) == role
        assert username in seeded
    assert role_of(User.objects.get(username="800315300018")) == Role.CITIZEN
    assert "800315300018" in seeded
    assert Application.objects.filter(status="completed", case_type="emigration").exists()
    assert Application.objects.filter(status="submitted", channel="service_provider").exists()
    assert DepartureSlip.objects.count() == 1


def test_each_demo_citizen_can_sign_with_the_demo_pki(seeded):
    owner = Person.objects.get(iin="800315300018")
    xml = eds.build_request_xml(
        applicant_iin=owner.iin,
        address_code="0201400012345678",
        subjects=["850722400028"],
        requested_at=timezone.now(),
        nonce="demo-1",
    )
    signed = eds.verify_signed_request(eds.demo_sign(xml, iin=owner.iin))
    assert signed.signer_iin == owner.iin


def test_a_second_run_changes_nothing(seeded):
    def state():
        return (
            list(Person.objects.order_by("pk").values()),
            list(Registration.objects.order_by("pk").values()),
            list(Ownership.objects.order_by("pk").values()),
            Application.objects.count(),
            get_user_model().objects.count(),
        )

    before = state()
    call_command("seed_demo", stdout=io.StringIO())
    assert state() == before
