"""The scene of ``bench/run.py``: a throwaway PKI and a population made for the requests it measures.

Built in the runner's own process (Django set up on the benchmark database) with ``bulk_create`` for the
register's rows and the services for the cases, so that the cases are the real thing:

* ``households``: an owner (portal account, API token, certificate) and one resident registered at the owner's
  dwelling; each portal case of the benchmark deregisters one such resident;
* three citizens with 0, 1 and 50 cases of their own (the 1-case one has a departure slip issued);
* a citizen who owns 20 dwellings with 2 residents each (``GET /api/v1/dwellings/``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from lxml import etree
from signxml import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod, XMLSigner

from citizens.iin import make_iin
from citizens.models import Dwelling, Ownership, Person, Registration
from deregistration import eds
from deregistration.eds.signing import NCALAYER_C14N
from deregistration.services import application_submit
from deregistration.tokens import ApiToken, _digest
from devtools import pki

CA_NAME = "Benchmark CA (throwaway)"


@dataclass
class Pki:
    directory: Path
    ca: pki.CertifiedKey
    key: object  # one RSA key shared by every citizen's certificate (key generation is the slow part)
    certificates: dict[str, pki.CertifiedKey] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        d = self.directory
        return {
            "EDS_TRUST_ROOTS": str(d / "ca.pem"),
            "EDS_CRL": str(d / "ca.crl"),
            "SLIP_SEAL_CERT": str(d / "seal.pem"),
            "SLIP_SEAL_KEY": str(d / "seal.key.pem"),
            "SLIP_SEAL_CHAIN": str(d / "ca.pem"),
        }

    def certificate(self, iin: str) -> pki.CertifiedKey:
        if iin not in self.certificates:
            self.certificates[iin] = pki.make_personal_certificate(self.ca, iin=iin, key=self.key)
        return self.certificates[iin]

    def signed_request(self, *, iin: str, address_code: str, subjects: list[str]) -> str:
        signer = self.certificate(iin)
        xml = eds.build_request_xml(
            applicant_iin=iin,
            address_code=address_code,
            subjects=subjects,
            requested_at=timezone.now(),
            nonce=uuid.uuid4().hex,
        )
        # As eds.sign_xml does, with the key object kept: parsing a PEM key costs ~50 ms (cryptography checks it).
        signed = XMLSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=NCALAYER_C14N,
        ).sign(etree.fromstring(xml), key=self.key, cert=[signer.certificate])
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8").decode()


def make_pki(directory: Path) -> Pki:
    """A root CA, its CRL and a seal certificate in ``directory`` (not the demo CA's name)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = pki.make_ca(CA_NAME)
    pki.write_certified_key(directory / "ca.pem", directory / "ca.key.pem", ca)
    pki.write_certified_key(directory / "seal.pem", directory / "seal.key.pem", pki.make_seal_certificate(ca))
    pki.write_crl(directory / "ca.crl", pki.make_crl(ca))
    return Pki(directory=directory, ca=ca, key=pki.generate_key())


@dataclass
class Household:
    token: str
    iin: str
    address_code: str
    subject: str


@dataclass
class Scene:
    households: list[Household]
    list_tokens: dict[int, str]  # rows → token of a citizen with that many cases
    dwellings_token: str
    slip_number: str
    slip_token: str


class _Maker:
    def __init__(self) -> None:
        self.serial = 0
        self.dwellings = 0

    def iin(self) -> str:
        while True:
            self.serial += 1
            day = dt.date(1960, 1, 1) + dt.timedelta(days=self.serial // 500)
            candidate = make_iin(f"{day:%y%m%d}3{self.serial % 500:04d}")
            if candidate:
                return candidate

    def person(self) -> Person:
        return Person(
            iin=self.iin(),
            last_name="Бенчмарков",
            first_name="Нұрлан",
            patronymic="Серікұлы",
            birth_date=dt.date(1980, 1, 1),
            birth_place="Алматы",
            sex="M",
            citizenship="KAZ",
            category="citizen",
            document_type="id_card",
            document_number=f"0{40000000 + self.serial}",
            document_issued_on=dt.date(2020, 5, 4),
            document_issued_by="ҚР ІІМ",
        )

    def dwelling(self) -> Dwelling:
        self.dwellings += 1
        return Dwelling(
            address_code=f"0299{self.dwellings:012d}",
            kato="751110000",
            region="Алматы қаласы",
            district="Алмалы ауданы",
            locality="Алматы",
            street="Абай даңғылы",
            building=str(self.dwellings // 100 + 1),
            apartment=str(self.dwellings % 100 + 1),
        )


def _accounts_and_tokens(persons: list[Person]) -> list[str]:
    """A portal account and an API token (valid a day) for each person; the tokens, in order."""
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=p.iin, first_name=p.first_name, last_name=p.last_name, password=make_password(None))
            for p in persons
        ]
    )
    for person, user in zip(persons, users, strict=True):
        person.account = user
    Person.objects.bulk_update(persons, ["account"])
    tokens = [secrets.token_urlsafe(32) for _ in users]
    expires = timezone.now() + dt.timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, digest=_digest(t), auth_hash=u.get_session_auth_hash(), expires_at=expires)
            for u, t in zip(users, tokens, strict=True)
        ]
    )
    return tokens


def _homes(maker: _Maker, owner: Person, count: int, residents: int) -> list[tuple[Dwelling, list[Person]]]:
    dwellings = Dwelling.objects.bulk_create([maker.dwelling() for _ in range(count)])
    people = Person.objects.bulk_create([maker.person() for _ in range(count * residents)])
    Ownership.objects.bulk_create(
        [Ownership(dwelling=d, person=owner, since=dt.date(2015, 1, 1)) for d in dwellings]
    )
    homes = [(d, people[i * residents : (i + 1) * residents]) for i, d in enumerate(dwellings)]
    Registration.objects.bulk_create(
        [
            Registration(person=p, dwelling=d, kind="permanent", registered_on=dt.date(2018, 6, 1))
            for d, rs in homes
            for p in rs
        ]
    )
    return homes


def build(*, households: int, keys: Pki) -> Scene:
    maker = _Maker()
    with transaction.atomic():
        owners = Person.objects.bulk_create([maker.person() for _ in range(households + 4)])
        tokens = _accounts_and_tokens(owners)
        # One dwelling and one resident per household, in bulk.
        dwellings = Dwelling.objects.bulk_create([maker.dwelling() for _ in range(households)])
        residents = Person.objects.bulk_create([maker.person() for _ in range(households)])
        Ownership.objects.bulk_create(
            [
                Ownership(dwelling=d, person=o, since=dt.date(2015, 1, 1))
                for d, o in zip(dwellings, owners, strict=False)
            ]
        )
        Registration.objects.bulk_create(
            [
                Registration(person=r, dwelling=d, kind="permanent", registered_on=dt.date(2018, 6, 1))
                for d, r in zip(dwellings, residents, strict=True)
            ]
        )
        _none_owner, one_owner, fifty_owner, dwellings_owner = owners[households:]
        one_homes = _homes(maker, one_owner, 1, 1)
        fifty_homes = _homes(maker, fifty_owner, 50, 1)
        _homes(maker, dwellings_owner, 20, 2)
    User = get_user_model()
    slip_number = ""
    for owner, homes_of in ((one_owner, one_homes), (fifty_owner, fifty_homes)):
        actor = User.objects.get(pk=owner.account_id)
        for dwelling, residents_of in homes_of:
            subjects = [p.iin for p in residents_of]
            result = application_submit(
                actor=actor,
                case_type="owner_application",
                channel="portal",
                address_code=dwelling.address_code,
                applicant_iin=owner.iin,
                subjects=subjects,
                issue_slip=owner is one_owner,
                signed_request=keys.signed_request(
                    iin=owner.iin, address_code=dwelling.address_code, subjects=subjects
                ),
            )
            if owner is one_owner:
                slip = result.application.subjects.get().slip
                slip_number = slip.number
    n = households
    return Scene(
        households=[
            Household(
                token=tokens[i],
                iin=owners[i].iin,
                address_code=dwellings[i].address_code,
                subject=residents[i].iin,
            )
            for i in range(households)
        ],
        list_tokens={0: tokens[n], 1: tokens[n + 1], 50: tokens[n + 2]},
        dwellings_token=tokens[n + 3],
        slip_number=slip_number,
        slip_token=tokens[n + 1],
    )
