"""Submission: a case's request parsed, checked against the rules and the register, and stored whole or not at
all; a portal case without co-owners completes at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens import selectors as register
from citizens.audit import audit_batched, audit_log
from citizens.iin import iin_error
from citizens.models import Dwelling, Person, Registration
from citizens.services import registrations_lock_active

from .. import eds, rules, selectors
from ..constants import (
    CaseType,
    Channel,
    ConsentDecision,
    ConsentGiven,
    NotificationKind,
    Role,
    Status,
)
from ..errors import Conflict, NotAllowed
from ..history import history_batched
from ..models import (
    Application,
    ApplicationDocument,
    ApplicationSubject,
    Consent,
    UsedNonce,
)
from ..notifications import notify
from ..roles import role_of
from .common import SubmitResult, _account_of, _history_user, _invalid, _new_number, _prefetched
from .completion import _issue_slips, case_locked, complete_stored
from .documents import (
    CounterConsent,
    _check_counter_consents,
    _check_documents,
    _counter_consents_expected,
    _parse_counter_consents,
    _parse_documents,
)


def _fingerprint(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _check_input(
    *,
    case_type: str,
    channel: str,
    address_code: Any,
    applicant_iin: Any,
    subjects: Any,
    errors: dict[str, list[ValidationError]],
) -> list[str]:
    """The shape of the input and the rules that need no register data (checked before any look-up, so that
    a refusal here tells nothing about anyone). Returns the subjects' IINs as a list."""
    if case_type not in CaseType.values:
        errors["case_type"] = [ValidationError(_("Unknown kind of case."), code=rules.INVALID_INPUT)]
    elif refusal := rules.portal_case_refusal(case_type=case_type, channel=channel):
        errors["channel"] = [ValidationError(refusal, code=rules.CHANNEL_NOT_ALLOWED)]
    if (problem := iin_error(applicant_iin)) is not None:
        errors["applicant_iin"] = [problem]
    if not isinstance(address_code, str) or not address_code:
        errors["address_code"] = [ValidationError(_("Enter the address registration code."), code="required")]
    if not isinstance(subjects, list | tuple) or not subjects:
        errors["subjects"] = [
            ValidationError(_("Name at least one person to deregister."), code=rules.NO_SUBJECTS)
        ]
        return []
    subjects = list(subjects)
    for index, iin in enumerate(subjects):
        if (problem := iin_error(iin)) is not None:
            errors[f"subjects[{index}]"] = [problem]
        elif iin in subjects[:index]:
            errors[f"subjects[{index}]"] = [
                ValidationError(_("This person is named twice."), code=rules.DUPLICATE_SUBJECT)
            ]
        elif iin == applicant_iin and case_type != CaseType.EMIGRATION:
            errors[f"subjects[{index}]"] = [
                ValidationError(
                    _("The applicant cannot ask to deregister themselves by this procedure."),
                    code=rules.APPLICANT_IS_SUBJECT,
                )
            ]
    if case_type == CaseType.EMIGRATION and "applicant_iin" not in errors and applicant_iin not in subjects:
        errors.setdefault("subjects", []).append(
            ValidationError(
                _(
                    "On leaving the country the applicant is the person leaving: name them among the persons to "
                    "deregister, with their children under 16 who leave with them."
                ),
                code=rules.APPLICANT_NOT_LEAVING,
            )
        )
    return subjects


def _look_up(
    *,
    case_type: str,
    applicant_iin: str,
    address_code: str,
    subjects: list[str],
    masked: bool,
    known_applicant: Person | None = None,
) -> tuple[Person, Dwelling, dict[str, Person], list[Person], dict[str, Registration] | None]:
    """The applicant, the dwelling, the named persons and the dwelling's current owners from the register
    (ValidationError otherwise). ``known_applicant``: the citizen's own person, already loaded with the account.
    Last, for a citizen, the named persons' active registrations at the dwelling (None: not read yet).

    ``masked`` (a citizen): one answer for an address code nobody has and for a dwelling the citizen does not
    own, given before anything about the persons named; an IIN nobody holds is left for ``_check_case`` to
    answer "not registered here", as for anyone registered elsewhere. Staff are told exactly what is unknown.
    """
    if known_applicant is not None and known_applicant.iin == applicant_iin:
        applicant: Person | None = known_applicant
    else:
        applicant = register.person_get(iin=applicant_iin)
    owner_required = case_type in rules.OWNER_CASE_TYPES
    if masked and owner_required and applicant is not None:
        # A citizen applies for a dwelling they own: its current ownerships, read with the dwelling and the
        # owners, answer "which dwelling", "does the applicant own it" and "who must consent" in one query (a
        # dwelling nobody owns gets the same answer as a code nobody has).
        ownerships = register.current_ownerships_at(address_code=address_code)
        dwelling: Dwelling | None = ownerships[0].dwelling if ownerships else None
        owners = [ownership.person for ownership in ownerships]
    else:
        dwelling = register.dwelling_get(address_code=address_code)
        # One read of the current owners answers both "does the applicant own it" and "who must consent".
        owners = (
            register.dwelling_current_owners(dwelling=dwelling)
            if dwelling is not None
            and applicant is not None
            and (owner_required or case_type == CaseType.OWNER_APPLICATION)
            else []
        )
    owns = applicant is not None and any(owner.pk == applicant.pk for owner in owners)
    if masked:
        if applicant is None or dwelling is None or (owner_required and not owns):
            raise _invalid(
                {
                    "address_code": [
                        ValidationError(
                            _("You do not own a dwelling with this address code."), code=rules.NOT_OWNER
                        )
                    ]
                }
            )
        if case_type == CaseType.EMIGRATION:  # not on the portal; its age rules need every person named
            return applicant, dwelling, register.persons_by_iin(iins=subjects), owners, None
        # A citizen is told only "not registered here" of anyone else: the persons registered here are all
        # the rules need, read with their registrations in one query.
        registrations = register.active_registrations_by_iin(
            dwelling=dwelling, iins=subjects, kind=rules.ENDED_REGISTRATION_KIND
        )
        return applicant, dwelling, {iin: r.person for iin, r in registrations.items()}, owners, registrations
    errors: dict[str, list[ValidationError]] = {}
    persons = register.persons_by_iin(iins=subjects)
    if applicant is None:
        errors["applicant_iin"] = [
            ValidationError(_("No person with this IIN in the register."), code=rules.UNKNOWN_PERSON)
        ]
    if dwelling is None:
        errors["address_code"] = [
            ValidationError(_("No dwelling with this address code."), code=rules.UNKNOWN_DWELLING)
        ]
    for index, iin in enumerate(subjects):
        if iin not in persons:
            errors[f"subjects[{index}]"] = [
                ValidationError(
                    _("No person with IIN %(iin)s in the register.") % {"iin": iin}, code=rules.UNKNOWN_PERSON
                )
            ]
    if errors:
        raise _invalid(errors)
    if owner_required and not owns:
        raise _invalid(
            {
                "applicant_iin": [
                    ValidationError(_("The applicant does not own this dwelling."), code=rules.NOT_OWNER)
                ]
            }
        )
    return applicant, dwelling, persons, owners, None


def not_registered_here(iin: str) -> ValidationError:
    """The one answer for a person who cannot be named at this address: registered elsewhere, registered here
    only temporarily, unknown to the register (a citizen is never told which)."""
    return ValidationError(
        _(
            "The person with IIN %(iin)s has no permanent registration (registration at the place of residence) "
            "at this address."
        )
        % {"iin": iin},
        code=rules.NOT_REGISTERED_HERE,
    )


def _check_case(
    *,
    case_type: str,
    applicant: Person,
    dwelling: Dwelling,
    subjects: list[str],
    persons: dict[str, Person],
    today: dt.date,
    errors: dict[str, list[ValidationError]],
    known_registrations: dict[str, Registration] | None = None,
) -> dict[str, Any]:
    """The rules of each kind of case that need the register; returns the active permanent registration of
    each subject registered here (an IIN the register does not hold is "not registered here").
    ``known_registrations``: those registrations, already read with the persons (``_look_up``)."""
    if case_type == CaseType.EMIGRATION and rules.emigration_leaver_problem(
        applicant_age=applicant.age_on(today)
    ):
        errors.setdefault("applicant_iin", []).append(
            ValidationError(
                _(
                    "A child under 16 leaves the country with an adult who is leaving too and is registered at "
                    "the same address; that adult applies for both."
                ),
                code=rules.CHILD_WITHOUT_ADULT,
            )
        )
    registrations = {}
    for index, iin in enumerate(subjects):
        field = f"subjects[{index}]"
        person = persons.get(iin)
        if (
            person is not None
            and case_type == CaseType.EMIGRATION
            and person.pk != applicant.pk
            and person.age_on(today) >= rules.CHILD_AGE_LIMIT
        ):
            errors.setdefault(field, []).append(
                ValidationError(
                    _(
                        "Only the person leaving, and their children under 16, can be deregistered on leaving the country; "
                        "the person with IIN %(iin)s must apply themselves."
                    )
                    % {"iin": person.iin},
                    code=rules.NOT_LEAVING_PERSON,
                )
            )
            continue
        if person is None:
            registration = None
        elif known_registrations is not None:
            registration = known_registrations.get(iin)
        else:
            registration = register.active_registration(
                person=person, dwelling=dwelling, kind=rules.ENDED_REGISTRATION_KIND
            )
        if registration is None:
            errors.setdefault(field, []).append(not_registered_here(iin))
            continue
        registrations[iin] = registration
    return registrations


def _check_portal_subjects(
    *,
    applicant: Person,
    subjects: list[Person],
    registrations: dict[str, Any],
    errors: dict[str, list[ValidationError]],
) -> None:
    """The portal names only the residents ``rules.portal_resident_refusal`` lets it: the form and the list
    of residents ask the same function, so what they offer is what is accepted here."""
    open_cases = selectors.open_cases_by_registration(registration_ids=[r.pk for r in registrations.values()])
    for index, person in enumerate(subjects):
        registration = registrations.get(person.iin)
        if registration is None:
            continue  # already refused above
        refusal = rules.portal_resident_refusal(
            category=person.category,
            is_applicant=person.pk == applicant.pk,
            kind=registration.kind,
            open_case_number=open_cases.get(registration.pk, ""),
        )
        if refusal is not None:
            errors.setdefault(f"subjects[{index}]", []).append(
                ValidationError(refusal.message, code=refusal.code)
            )


def _verified_signature(
    *,
    field: str,
    document: str | bytes | None,
    missing: str,
    verify: Callable[[str | bytes], Any],
    check: Callable[[Any], None],
) -> Any:
    """A signed request or consent, verified (signature, certificate, clock) and matched against what the
    call says; a 400 naming ``field`` with the EDS error's own code otherwise, and a Conflict for a replay
    (the nonce's unique index still decides a race)."""
    if not document:
        raise _invalid({field: [ValidationError(missing, code=rules.SIGNATURE_REQUIRED)]})
    try:
        signed = verify(document)
        check(signed)
    except eds.EDSError as exc:
        raise _invalid({field: [ValidationError(exc.message, code=exc.code)]}) from exc
    if UsedNonce.objects.filter(nonce=signed.nonce).exists():
        raise Conflict(eds.NONCE_REPLAYED, _("This signed document has already been used."), field=field)
    return signed


def application_submit(
    *,
    actor: Any,
    case_type: str,
    channel: str,
    address_code: str,
    applicant_iin: str,
    subjects: Sequence[str],
    documents: Sequence[Mapping[str, Any]] = (),
    signed_request: str | bytes | None = None,
    issue_slip: bool = False,
    consents: Sequence[Mapping[str, Any]] | None = None,
    idempotency_key: str = "",
) -> SubmitResult:
    """Submit a case: check it against every rule of the passport, store it, and start its term.

    Actor: a citizen (the portal: an owner's application signed with their EDS), an operator (citizens'
    walk-in cases) or a migration officer (foreigners, stateless persons, refugees).
    A portal case that passes every check and needs no co-owner's consent is completed at once.
    The same ``idempotency_key`` with the same input returns the first application (``created`` False);
    with other input it is a Conflict.

    ``consents`` (walk-in owner's application on a co-owned dwelling): the co-owners' answers given at the
    counter, each ``{"co_owner_iin", "decision": "approve"|"decline", "identity_document": {"type", "number",
    "issued_on", "issued_by"}, "notarised": {"number", "issued_on", "issued_by"} or None}``. When every
    co-owner approved there, the case is submitted at once (its term starts); co-owners not named answer
    in their cabinets as on the portal. A decline at the counter is a 400 ``co_owner_declined``.
    """
    payload = {
        "case_type": case_type,
        "channel": channel,
        "address_code": address_code,
        "applicant_iin": applicant_iin,
        "subjects": list(subjects) if isinstance(subjects, list | tuple) else subjects,
        "documents": list(documents) if isinstance(documents, list | tuple) else documents,
        "signed_request": signed_request.decode() if isinstance(signed_request, bytes) else signed_request,
        "issue_slip": bool(issue_slip),
    }
    if consents:
        payload["consents"] = list(consents) if isinstance(consents, list | tuple) else consents
    fingerprint = _fingerprint(payload)
    if idempotency_key:
        existing = _idempotent_replay(actor=actor, key=idempotency_key, fingerprint=fingerprint)
        if existing is not None:
            return SubmitResult(existing, created=False)

    if channel not in Channel.values:
        raise _invalid({"channel": [ValidationError(_("Unknown channel."), code=rules.INVALID_INPUT)]})
    role = role_of(actor)
    if role is None or channel not in {c.value for c in rules.ROLE_SUBMIT_CHANNELS[role]}:
        if role == Role.CITIZEN:
            raise _invalid(
                {
                    "channel": [
                        ValidationError(
                            _("On the portal a citizen applies only through the portal's own channel."),
                            code=rules.CHANNEL_NOT_ALLOWED,
                        )
                    ]
                }
            )
        raise NotAllowed(
            rules.ROLE_NOT_ALLOWED,
            _("Your role does not allow you to submit cases in this channel."),
            field="channel",
        )

    # 1. The input itself, and every rule that needs no register data.
    errors: dict[str, list[ValidationError]] = {}
    subjects = _check_input(
        case_type=case_type,
        channel=channel,
        address_code=address_code,
        applicant_iin=applicant_iin,
        subjects=subjects,
        errors=errors,
    )
    if not isinstance(documents, list | tuple):
        errors["documents"] = [ValidationError(_("Expected a list of documents."), code=rules.INVALID_INPUT)]
        documents = []
    parsed_documents = _parse_documents(documents, errors) if channel != Channel.PORTAL else []
    counter_consents = (
        _parse_counter_consents(consents, errors)
        if _counter_consents_expected(consents=consents, case_type=case_type, channel=channel, errors=errors)
        else []
    )
    if errors:
        raise _invalid(errors)
    if role == Role.CITIZEN and actor.person.iin != applicant_iin:
        raise NotAllowed(
            rules.NOT_YOUR_APPLICATION, _("You can apply only in your own name."), field="applicant_iin"
        )

    # 2. The signature, before the register is read: an unsigned or forged request learns nothing about anyone.
    signed = None
    if channel == Channel.PORTAL:
        signed = _verified_signature(
            field="signed_request",
            document=signed_request,
            missing=_("Sign the request with your EDS."),
            verify=eds.verify_signed_request,
            check=lambda signed: eds.check_request_matches(
                signed, applicant_iin=applicant_iin, address_code=address_code, subjects=subjects
            ),
        )

    # 3. The register: who and where. A citizen learns only what concerns a dwelling they own.
    masked = role == Role.CITIZEN
    applicant, dwelling, persons, owners, known_registrations = _look_up(
        case_type=case_type,
        applicant_iin=applicant_iin,
        address_code=address_code,
        subjects=subjects,
        masked=masked,
        known_applicant=actor.person if role == Role.CITIZEN else None,
    )

    # 4. The rules of the case: who is registered here, the channel for these people, (walk-in) the documents.
    today = timezone.localdate()
    registrations = _check_case(
        case_type=case_type,
        applicant=applicant,
        dwelling=dwelling,
        subjects=subjects,
        persons=persons,
        today=today,
        errors=errors,
        known_registrations=known_registrations,
    )
    # A citizen's channel is judged on the people registered at their own dwelling only: the category of
    # someone registered elsewhere is none of their business (they are "not registered here").
    known = [persons[iin] for iin in subjects if iin in persons and (iin in registrations or not masked)]
    refusal = rules.channel_refusal(
        case_type=case_type, channel=channel, categories=[applicant.category, *(p.category for p in known)]
    )
    if refusal:
        raise _invalid({"channel": [ValidationError(refusal, code=rules.CHANNEL_NOT_ALLOWED)]})
    if errors:
        raise _invalid(errors)
    subject_persons = [persons[iin] for iin in subjects]
    if channel == Channel.PORTAL:
        _check_portal_subjects(
            applicant=applicant, subjects=subject_persons, registrations=registrations, errors=errors
        )
    else:
        _check_documents(
            case_type=case_type,
            documents=parsed_documents,
            subjects=subject_persons,
            today=today,
            errors=errors,
        )
    co_owners = []
    if case_type == CaseType.OWNER_APPLICATION:
        co_owners = [p for p in owners if p.pk != applicant.pk]
    _check_counter_consents(consents=counter_consents, co_owners=co_owners, errors=errors)
    if errors:
        raise _invalid(errors)

    stored = False
    try:
        with transaction.atomic(), history_batched(), audit_batched():
            application, subject_rows, locked = _store_application(
                actor=actor,
                case_type=case_type,
                channel=channel,
                applicant=applicant,
                dwelling=dwelling,
                subjects=subject_persons,
                registrations=registrations,
                documents=parsed_documents,
                co_owners=co_owners,
                counter_consents=counter_consents,
                signed=signed,
                signed_request=payload["signed_request"] or "",
                issue_slip=issue_slip,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
            stored = True
            if locked is not None:
                # A portal case that needs no consent is completed at once, in the transaction that stores it:
                # one commit, the case never seen half done, and a crash leaves no trace (nor its nonce).
                application = complete_stored(application=application, subjects=subject_rows, locked=locked)
    except IntegrityError as exc:
        if stored:
            # The register's unique index caught a race the row locks could not (SQLite has none): nothing of
            # the case was kept, so the same signed request can be sent again.
            raise Conflict(
                rules.ALREADY_DEREGISTERED, _("A person of this case has already been deregistered.")
            ) from exc
        # Two submissions raced: the same idempotency key (the first one wins and is returned) or the same nonce.
        if idempotency_key:
            existing = _idempotent_replay(actor=actor, key=idempotency_key, fingerprint=fingerprint)
            if existing is not None:
                return SubmitResult(existing, created=False)
        raise Conflict(
            eds.NONCE_REPLAYED, _("This signed request has already been used."), field="signed_request"
        ) from exc
    _issue_slips(actor=None, application=application)
    # A case completed here carries in memory all that its answer shows (its subjects with their persons and
    # register records, no consents, no slip: slips are made after the commit and read back by the door).
    loaded = application.status == Status.COMPLETED and not application.issue_slip
    if loaded:
        for subject in subject_rows:
            ApplicationSubject.slip.related.set_cached_value(subject, None)  # no slip: none was asked for
        _prefetched(application, subjects=subject_rows, consents=[])
    return SubmitResult(application, created=True, loaded=loaded)


def _idempotent_replay(*, actor: Any, key: str, fingerprint: str) -> Application | None:
    existing = Application.objects.filter(submitted_by=actor, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            rules.IDEMPOTENCY_KEY_REUSED,
            _("This idempotency key was used for a different request."),
            field="Idempotency-Key",
        )
    return existing


def _store_application(
    *,
    actor: Any,
    case_type: str,
    channel: str,
    applicant: Person,
    dwelling: Dwelling,
    subjects: list[Person],
    registrations: dict[str, Any],
    documents: list[ApplicationDocument],
    co_owners: list[Person],
    counter_consents: list[CounterConsent],
    signed: Any,
    signed_request: str,
    issue_slip: bool,
    idempotency_key: str,
    fingerprint: str,
) -> tuple[Application, list[ApplicationSubject], dict[int, Registration] | None]:
    """Store the case, its subjects (in order, with their persons), documents and consents, inside the
    caller's transaction; returns the case, its subjects and, for a portal case to be completed at once in
    the same transaction, its subjects' registrations locked (``registrations_lock_active``), else None."""
    now = timezone.now()
    if signed is not None:
        # A replayed nonce breaks the unique index: the IntegrityError leaves this transaction whole (the caller
        # answers 409), so no savepoint of its own is needed.
        UsedNonce.objects.create(nonce=signed.nonce, signer_iin=signed.signer_iin)
    at_counter = {c.co_owner_iin: c for c in counter_consents}  # every one an approval: a decline is a 400
    waiting = [p for p in co_owners if p.iin not in at_counter]
    window = timedelta(minutes=settings.CONSENT_WINDOW_MINUTES)
    application = Application(
        number=_new_number("DR"),
        case_type=case_type,
        channel=channel,
        status=Status.AWAITING_CONSENT if waiting else Status.SUBMITTED,
        applicant=applicant,
        dwelling=dwelling,
        issue_slip=rules.slip_is_issued(case_type=case_type, requested=bool(issue_slip)),
        submitted_by=actor,
        submitted_at=now,
        consent_expires_at=now + window if waiting else None,
        deadline_at=None if waiting else now + timedelta(minutes=settings.SERVICE_TERM_MINUTES),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        signed_request=signed_request,
    )
    _history_user(application, actor)
    application.save()
    # A portal case completed at once takes the locks of the operators' completion, in their order: the case
    # with its applicant and dwelling, then the registrations (with their persons), later the register's head.
    # PostgreSQL checks the new rows' foreign keys at COMMIT (Django makes them DEFERRABLE INITIALLY
    # DEFERRED), with a KEY SHARE lock on the applicant, the dwelling and each person: held already, they
    # never make the commit wait for an operator who holds them and waits for the head in turn (a deadlock).
    locked = None
    if channel == Channel.PORTAL and not waiting:
        case_locked(application.pk)
        locked = registrations_lock_active(registration_ids=[r.pk for r in registrations.values()])
    subject_rows = [
        ApplicationSubject.objects.create(
            application=application, person=person, registration=registrations[person.iin], position=position
        )
        for position, person in enumerate(subjects)
    ]
    for doc in documents:
        doc.application = application
    ApplicationDocument.objects.bulk_create(documents)
    for co_owner in co_owners:
        counter = at_counter.get(co_owner.iin)
        if counter is None:
            continue
        consent = counter.row
        consent.application = application
        consent.co_owner = co_owner
        consent.decision = ConsentDecision.APPROVED
        consent.decided_at = now
        consent.expires_at = now
        consent.recorded_by = actor
        _history_user(consent, actor)
        consent.save()
        audit_log(
            actor=actor,
            action="consent.approved",
            target=consent,
            given=ConsentGiven.COUNTER,
            notarised=bool(consent.notarised_number),
        )
    if waiting:
        params = {
            "application": application,
            "number": application.number,
            "address": dwelling.address_line(),
            "expires": _local(application.consent_expires_at),
        }
        for co_owner in waiting:
            Consent.objects.create(
                application=application, co_owner=co_owner, expires_at=application.consent_expires_at
            )
            notify(recipient=_account_of(co_owner), kind=NotificationKind.CONSENT_REQUESTED, **params)
        notify(recipient=_account_of(applicant), kind=NotificationKind.AWAITING_CONSENT, **params)
    audit_log(
        actor=actor, action="application.submit", target=application, channel=channel, case_type=case_type
    )
    return application, subject_rows, locked


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
