"""Departure slips: issued once, stored once, never changed; served only after a permission check.

The PDF (``pdf.py``) is rendered and sealed outside the database transaction; the row that says the slip
exists is written only once the bytes are stored, so a failed render leaves nothing and can be retried.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citizens.audit import audit_log, audit_read
from citizens.constants import IdentityDocumentType, Sex
from citizens.countries import country_names

from . import rules
from .constants import CaseType, Channel, DocumentType, NotificationKind, SlipStatus, SubjectOutcome
from .errors import Conflict, NotFound, Unavailable
from .models import ApplicationSubject, DepartureSlip
from .notifications import notify
from .storage import AtomicFileSystemStorage

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 5 bits each, no 0/O or 1/I to misread
CODE_GROUPS = 5  # 5 groups of 4: 100 bits, printed on the slip and typed by whoever checks it
SLIP_FAILED = "slip_failed"  # a step other than rendering, sealing or storing failed (the case's data)

# The issuing body printed on the slip, in both languages from the catalogues (glossary wording).
ISSUER = gettext_lazy('State Corporation "Government for Citizens"')
MIGRATION_ISSUER = gettext_lazy(
    "Migration service of the Ministry of Internal Affairs of the Republic of Kazakhstan"
)


def slip_storage() -> AtomicFileSystemStorage:
    """Private storage: under MEDIA_ROOT, with no URL; files are read back only through ``slip_pdf``. Each file
    is written whole or not at all, and checked by its SHA-256 after writing (``storage.py``)."""
    return AtomicFileSystemStorage(location=settings.MEDIA_ROOT / "slips", base_url=None)


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * 4))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    """What a person types (any case, spaces, no dashes) to the printed form."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def verify_url(code: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("deregistration:verify", args=[code])


def _slip_data(*, subject: ApplicationSubject, number: str, code: str, issued_at):
    """The slip's content from the case and the register (plain values for ``pdf.py``)."""
    from . import pdf

    application = subject.application
    person = subject.person
    dwelling = application.dwelling
    registration = subject.registration
    documents = {d.type: d for d in application.documents.all()}
    citizenship = country_names(person.citizenship)
    doc_kk, doc_ru = pdf.in_both(IdentityDocumentType(person.document_type).label)
    destination = None
    if application.case_type == CaseType.EMIGRATION:
        cert = documents[DocumentType.POLICE_EMIGRATION_CERTIFICATE]
        country = country_names(cert.country)
        ground = pdf.SlipGround(
            case_type=CaseType.EMIGRATION,
            permit_number=cert.number,
            permit_issued_on=cert.issued_on,
            country_kk=country[0],
            country_ru=country[1],
        )
        destination = pdf.SlipDestination(country_kk=country[0], country_ru=country[1])
    elif application.case_type == CaseType.COURT_DECISION:
        decision = documents[DocumentType.COURT_DECISION]
        ground = pdf.SlipGround(
            case_type=CaseType.COURT_DECISION,
            court_kk=decision.court,
            court_case_number=decision.case_number,
            decision_on=decision.decided_on,
            decision_in_force_on=decision.in_force_on,
        )
    else:
        ground = pdf.SlipGround(
            case_type=CaseType.OWNER_APPLICATION, owner_full_name=application.applicant.full_name
        )
    issuer = pdf.in_both(MIGRATION_ISSUER if application.channel == Channel.SERVICE_PROVIDER else ISSUER)
    channel = pdf.in_both(Channel(application.channel).label)
    return pdf.SlipData(
        slip_number=number,
        issued_at=issued_at,
        issuer_kk=issuer[0],
        issuer_ru=issuer[1],
        channel_kk=channel[0],
        channel_ru=channel[1],
        application_number=application.number,
        person=pdf.SlipPerson(
            iin=person.iin,
            last_name=person.last_name,
            first_name=person.first_name,
            patronymic=person.patronymic,
            birth_date=person.birth_date,
            birth_place=person.birth_place,
            sex="male" if person.sex == Sex.MALE else "female",
            citizenship_kk=citizenship[0],
            citizenship_ru=citizenship[1],
            document=pdf.IdentityDocument(
                type_kk=doc_kk,
                type_ru=doc_ru,
                number=person.document_number,
                issued_on=person.document_issued_on,
                issued_by_kk=person.document_issued_by,
            ),
        ),
        address_left=pdf.SlipAddress(
            region_kk=dwelling.region,
            district_kk=dwelling.district,
            locality_kk=dwelling.locality,
            street_kk=dwelling.street,
            building=dwelling.building,
            kato=dwelling.kato,
            address_code=dwelling.address_code,
            block=dwelling.block,
            apartment=dwelling.apartment,
            postcode=dwelling.postcode,
            region_ru=dwelling.region_ru,
            district_ru=dwelling.district_ru,
            locality_ru=dwelling.locality_ru,
            street_ru=dwelling.street_ru,
        ),
        registered_on=registration.registered_on,
        deregistered_on=registration.ended_on,
        ground=ground,
        verification_code=code,
        verify_url=verify_url(code),
        destination=destination,
    )


@contextmanager
def _step(number: str, code: str, message: str) -> Iterator[None]:
    """One step of issuing a slip outside the database; its failure is Unavailable, with nothing stored."""
    try:
        yield
    except Exception as exc:
        logger.exception("departure slip %s: %s", number, code)
        raise Unavailable(code, f"{message} {_('Try again later.')}") from exc


def slip_issue(
    *, actor: Any, subject: ApplicationSubject, check_role: bool = True, record_failure: bool = True
) -> DepartureSlip:
    """Issue the departure slip of a deregistered person who has none: render, seal, store, record.

    Actor: the service itself on completion (``check_role=False``), or staff whose role serves the case.
    Conflict when the person is not deregistered or already has a slip. The subject's ``slip_status`` becomes
    ``issued``, or ``failed`` (with the step's code in ``slip_error``) when a step fails: Unavailable then,
    and staff issue it again. A task that will try again passes ``record_failure=False`` and records the
    failure itself once it gives up (``slip_mark_failed``).
    """
    from .services import check_can_act

    subject = ApplicationSubject.objects.select_related(
        "application__applicant", "application__dwelling", "person", "registration"
    ).get(pk=subject.pk)
    if check_role:
        check_can_act(actor, subject.application)
    if subject.outcome != SubjectOutcome.DEREGISTERED:
        raise Conflict(
            rules.NOT_DEREGISTERED, _("A slip is issued only to a person who has been deregistered.")
        )
    if DepartureSlip.objects.filter(subject=subject).exists():
        raise Conflict(rules.SLIP_ALREADY_ISSUED, _("This person's departure slip has already been issued."))

    try:
        return _make_slip(actor=actor, subject=subject)
    except Conflict:
        raise  # another call issued it meanwhile: not a failure of this slip
    except Exception as exc:
        if record_failure:
            slip_mark_failed(subject_id=subject.pk, code=failure_code(exc))
        raise


def failure_code(exc: BaseException) -> str:
    """The code ``slip_error`` keeps for a failure: the step's, or ``slip_failed``."""
    return getattr(exc, "code", None) or SLIP_FAILED


def slip_mark_failed(*, subject_id: int, code: str) -> None:
    """Record that the subject's slip could not be made (and why), unless it was issued meanwhile."""
    ApplicationSubject.objects.filter(pk=subject_id).exclude(slip_status=SlipStatus.ISSUED).update(
        slip_status=SlipStatus.FAILED, slip_error=code[:40], slip_attempted_at=timezone.now()
    )


def slips_issue_now(*, actor: Any, subject_ids: Iterable[int]) -> None:
    """Issue the slips of ``subject_ids`` here, one by one; a failure is recorded on its subject, not raised."""
    for subject in ApplicationSubject.objects.filter(pk__in=list(subject_ids)).order_by("pk"):
        try:
            slip_issue(actor=actor, subject=subject, check_role=False)
        except Exception:
            logger.exception(
                "departure slip for subject %s was not issued; it can be issued again", subject.pk
            )


def slips_issue_later(*, actor: Any, subject_ids: Iterable[int]) -> None:
    """Have the slips of ``subject_ids`` made: with a task broker (``CELERY_BROKER_URL``), by a worker process
    once the current transaction commits (deregistration/tasks.py); without one, now, in this process, one
    render at a time (pdf.py's lock). Failures end in the subject's ``slip_status``, never in an exception."""
    subject_ids = list(subject_ids)
    if not subject_ids:
        return
    if not settings.CELERY_BROKER_URL:
        slips_issue_now(actor=actor, subject_ids=subject_ids)
        return
    from .tasks import publish  # Celery loads only where a broker is configured

    transaction.on_commit(lambda: publish(actor=actor, subject_ids=subject_ids))


def _make_slip(*, actor: Any, subject: ApplicationSubject) -> DepartureSlip:
    """Render, seal, store and record the slip (``slip_issue`` has checked that it may be issued)."""
    from . import pdf

    number = f"KP-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"
    code = new_verification_code()
    issued_at = timezone.now()
    with _step(number, SLIP_FAILED, _("The departure slip could not be made; nothing was issued.")):
        data = _slip_data(subject=subject, number=number, code=code, issued_at=issued_at)
    storage = slip_storage()
    with _step(number, "slip_render_failed", _("The departure slip could not be made; nothing was issued.")):
        rendered = pdf.render_slip_pdf(data)
    with _step(number, "slip_seal_failed", _("The departure slip could not be sealed; nothing was issued.")):
        document = pdf.seal_pdf(rendered)
    with _step(
        number, "slip_storage_failed", _("The departure slip could not be stored; nothing was issued.")
    ):
        file_name = storage.save(f"{uuid.uuid4().hex}.pdf", ContentFile(document))
    try:
        with transaction.atomic():
            ApplicationSubject.objects.filter(pk=subject.pk).update(
                slip_status=SlipStatus.ISSUED, slip_error="", slip_attempted_at=issued_at
            )
            slip = DepartureSlip.objects.create(
                number=number,
                subject=subject,
                verification_code=code,
                file_name=file_name,
                sha256=hashlib.sha256(document).hexdigest(),
                size=len(document),
                issued_at=issued_at,
                issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            application = subject.application
            notify(
                recipient=application.applicant.account,
                kind=NotificationKind.SLIP_ISSUED,
                application=application,
                slip=number,
                number=application.number,
            )
            audit_log(actor=actor, action="slip.issue", target=slip, application=application.number)
    except IntegrityError as exc:
        storage.delete(file_name)
        raise Conflict(
            rules.SLIP_ALREADY_ISSUED, _("This person's departure slip has already been issued.")
        ) from exc
    except Exception:
        storage.delete(file_name)
        raise
    return slip


def slip_pdf(*, actor: Any, slip: DepartureSlip) -> bytes:
    """The slip's stored bytes, exactly as issued; the caller has checked the actor may see it. Logged.

    Unavailable when the file cannot be read or its bytes no longer match the SHA-256 recorded at issue.
    """
    try:
        with slip_storage().open(slip.file_name, "rb") as stored:
            document = stored.read()
    except OSError as exc:
        logger.exception("departure slip %s: the stored file cannot be read", slip.number)
        raise Unavailable(
            "slip_unavailable", _("The stored departure slip cannot be read now. Try again later.")
        ) from exc
    if hashlib.sha256(document).hexdigest() != slip.sha256:
        # Never serve bytes other than those issued: this is a fault to investigate, not a slip to hand out.
        logger.error("departure slip %s: stored bytes do not match their SHA-256", slip.number)
        raise Unavailable(
            "slip_unavailable", _("The stored departure slip cannot be read now. Try again later.")
        )
    audit_read(actor=actor, action="slip.download", target=slip)
    return document


def slip_by_code(*, code: str) -> DepartureSlip:
    """The slip a verification code belongs to; NotFound for a code never issued (or malformed)."""
    slip = (
        DepartureSlip.objects.select_related("subject__person")
        .filter(verification_code=normalise_code(code))
        .first()
    )
    if slip is None:
        raise NotFound("not_found", _("No departure slip was issued with this code."))
    return slip
