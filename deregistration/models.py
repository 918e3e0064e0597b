"""Applications for deregistration, their subjects, documents and consents; the ХҚТ ТП АЖ register table;
the personal-cabinet notifications; departure slips.

The rules that decide what may be stored here live in ``rules.py`` and ``services/``; the invariants
that the database can hold are constraints below (and triggers in the migrations for the append-only
register).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citizens.constants import IdentityDocumentType, RegistrationEndReason
from citizens.models import Dwelling, Person, Registration

from .constants import (
    OPEN_STATUSES,
    CaseType,
    Channel,
    ConsentDecision,
    ConsentGiven,
    DocumentType,
    NotificationKind,
    RefusalGround,
    SlipStatus,
    Status,
    SubjectOutcome,
)
from .history import BatchedHistoricalRecords
from .tokens import ApiToken  # noqa: F401  (the API's tokens: a model of this app, kept with their functions)


class Application(models.Model):
    number = models.CharField(_("number"), max_length=32, unique=True)
    case_type = models.CharField(_("kind of case"), max_length=20, choices=CaseType.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    applicant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="applications", verbose_name=_("dwelling")
    )
    issue_slip = models.BooleanField(_("departure slip requested"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    consent_expires_at = models.DateTimeField(_("co-owners must answer by"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("processed by"),
    )
    rejection_ground = models.CharField(
        _("ground for refusal"), max_length=30, choices=RefusalGround.choices, blank=True
    )
    rejection_reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    rejection_comment = models.TextField(_("comment"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    signed_request = models.TextField(_("signed request"), blank=True)

    history = BatchedHistoricalRecords(excluded_fields=["signed_request"])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        permissions = [
            ("act_state_corporation", _("Can process citizens' cases (State Corporation, portal)")),
            ("act_service_provider", _("Can process cases of foreigners, stateless persons and refugees")),
            ("view_dashboard", _("Can see the supervisor's dashboard")),
        ]
        indexes = [
            models.Index(fields=["status", "deadline_at"], name="application_queue"),
            # Every ordering a list uses, as an index (selectors.QUEUE_ORDERING, the cabinet, the API): a page
            # is an index range with a LIMIT, however many cases the table holds.
            models.Index(fields=["-submitted_at", "-id"], name="application_newest"),
            models.Index(fields=["applicant", "-submitted_at", "-id"], name="application_of_applicant"),
            models.Index(
                fields=["deadline_at", "consent_expires_at", "submitted_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="application_open_by_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="application_idempotency_key_per_user",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="application_status_valid"),
            models.CheckConstraint(
                condition=Q(case_type__in=CaseType.values), name="application_case_type_valid"
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="application_channel_valid"),
            # The portal serves only the owner's application.
            models.CheckConstraint(
                condition=~Q(channel=Channel.PORTAL) | Q(case_type=CaseType.OWNER_APPLICATION),
                name="application_portal_only_owner_application",
            ),
            # A rejection carries its legal ground and reason; nothing else does.
            models.CheckConstraint(
                condition=(Q(status=Status.REJECTED) & ~Q(rejection_ground="") & ~Q(rejection_reason_code=""))
                | (~Q(status=Status.REJECTED) & Q(rejection_ground="") & Q(rejection_reason_code="")),
                name="application_rejection_iff_rejected",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.COMPLETED, completed_at__isnull=False)
                | (~Q(status=Status.COMPLETED) & Q(completed_at__isnull=True)),
                name="application_completed_at_iff_completed",
            ),
            # The term runs once every consent is in: a case awaiting consent has no deadline yet.
            models.CheckConstraint(
                condition=~Q(status=Status.AWAITING_CONSENT)
                | Q(deadline_at__isnull=True, consent_expires_at__isnull=False),
                name="application_no_deadline_while_awaiting_consent",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.SUBMITTED, Status.COMPLETED]) | Q(deadline_at__isnull=False),
                name="application_deadline_once_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def consent_window_passed(self, now: dt.datetime) -> bool:
        """Still waiting for co-owners when their window has closed: the case is due to lapse."""
        return self.status == Status.AWAITING_CONSENT and self.consent_expires_at <= now


class ApplicationSubject(models.Model):
    """A person the application asks to deregister, and what became of them."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("application")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="+", verbose_name=_("registration to end")
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=SubjectOutcome.choices, default=SubjectOutcome.PENDING
    )
    registry_record = models.OneToOneField(
        "RegistryRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subject",
        verbose_name=_("ХҚТ ТП АЖ record"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    slip_status = models.CharField(
        _("departure slip"), max_length=20, choices=SlipStatus.choices, default=SlipStatus.NOT_REQUESTED
    )
    slip_error = models.CharField(_("why the slip could not be made"), max_length=40, blank=True)
    slip_attempted_at = models.DateTimeField(_("slip last attempted at"), null=True, blank=True)

    history = BatchedHistoricalRecords()

    class Meta:
        verbose_name = _("person to deregister")
        verbose_name_plural = _("persons to deregister")
        ordering = ["application", "position"]
        indexes = [
            # The slips still to make (a worker's queue) and those that failed (the back-office's list).
            models.Index(
                fields=["slip_status"],
                condition=Q(slip_status__in=[SlipStatus.PENDING, SlipStatus.FAILED]),
                name="subject_slip_to_make",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "person"], name="subject_once_per_application"),
            models.CheckConstraint(
                condition=Q(outcome__in=SubjectOutcome.values), name="subject_outcome_valid"
            ),
            # Only a deregistered person has a slip to make; a failure says why.
            models.CheckConstraint(
                condition=Q(slip_status=SlipStatus.NOT_REQUESTED)
                | Q(slip_status__in=SlipStatus.values, outcome=SubjectOutcome.DEREGISTERED),
                name="subject_slip_only_when_deregistered",
            ),
            models.CheckConstraint(
                condition=(
                    Q(slip_status=SlipStatus.FAILED, slip_attempted_at__isnull=False) & ~Q(slip_error="")
                )
                | (~Q(slip_status=SlipStatus.FAILED) & Q(slip_error="")),
                name="subject_slip_failure_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.person_id}"


class ApplicationDocument(models.Model):
    """A document presented with a walk-in case (the passport's checklist)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    type = models.CharField(_("document type"), max_length=40, choices=DocumentType.choices)
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    holder_iin = models.CharField(_("holder's IIN"), max_length=12, blank=True)
    document_type = models.CharField(
        _("kind of identity document"),
        max_length=30,
        choices=IdentityDocumentType.choices,
        blank=True,
        help_text=_("For a surrendered identity document: the one the person's category holds."),
    )
    country = models.CharField(_("country of destination"), max_length=3, blank=True)
    court = models.CharField(_("court"), max_length=200, blank=True)
    case_number = models.CharField(_("case number"), max_length=60, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    in_force_on = models.DateField(_("entered into force on"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=DocumentType.values), name="document_type_valid"),
            # A surrendered identity document says which one it is; no other document does.
            models.CheckConstraint(
                condition=(
                    Q(type=DocumentType.SURRENDERED_IDENTITY_DOCUMENT)
                    & Q(document_type__in=IdentityDocumentType.values)
                )
                | (~Q(type=DocumentType.SURRENDERED_IDENTITY_DOCUMENT) & Q(document_type="")),
                name="document_surrendered_names_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.number}"


class Consent(models.Model):
    """A co-owner's answer to an owner's application for a dwelling they own together."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="consents", verbose_name=_("application")
    )
    co_owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("co-owner")
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=ConsentDecision.choices, default=ConsentDecision.PENDING
    )
    expires_at = models.DateTimeField(_("answer by"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    given = models.CharField(_("answered"), max_length=10, choices=ConsentGiven.choices, blank=True)
    signed_document = models.TextField(_("signed consent"), blank=True)
    # At the counter: the co-owner's identity document, and the notarised consent when they were not there.
    identity_document_type = models.CharField(
        _("co-owner's identity document"), max_length=30, choices=IdentityDocumentType.choices, blank=True
    )
    identity_document_number = models.CharField(_("identity document number"), max_length=30, blank=True)
    identity_document_issued_on = models.DateField(_("identity document issued on"), null=True, blank=True)
    identity_document_issued_by = models.CharField(
        _("identity document issued by"), max_length=200, blank=True
    )
    notarised_number = models.CharField(_("notarised consent number"), max_length=60, blank=True)
    notarised_on = models.DateField(_("notarised consent dated"), null=True, blank=True)
    notarised_by = models.CharField(_("notary"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = BatchedHistoricalRecords(excluded_fields=["signed_document"])

    class Meta:
        verbose_name = _("co-owner's consent")
        verbose_name_plural = _("co-owners' consents")
        ordering = ["-expires_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "co_owner"], name="consent_once_per_co_owner"),
            models.CheckConstraint(
                condition=Q(decision__in=ConsentDecision.values), name="consent_decision_valid"
            ),
            # An answer says where it was given; a request still waiting (or lapsed) has no answer.
            models.CheckConstraint(
                condition=(
                    Q(decision__in=[ConsentDecision.APPROVED, ConsentDecision.DECLINED])
                    & Q(given__in=ConsentGiven.values)
                )
                | (Q(decision__in=[ConsentDecision.PENDING, ConsentDecision.LAPSED]) & Q(given="")),
                name="consent_given_iff_answered",
            ),
            # At the counter the operator identifies the co-owner by their identity document.
            models.CheckConstraint(
                condition=~Q(given=ConsentGiven.COUNTER)
                | (~Q(identity_document_number="") & Q(recorded_by__isnull=False)),
                name="consent_at_counter_identified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.co_owner_id}: {self.decision}"


class UsedNonce(models.Model):
    """Every nonce of a signed request or consent ever accepted; a replay finds its row and is refused."""

    nonce = models.CharField(_("nonce"), max_length=200, unique=True)
    signer_iin = models.CharField(_("signer's IIN"), max_length=12)
    used_at = models.DateTimeField(_("used at"), auto_now_add=True)

    class Meta:
        verbose_name = _("used nonce")
        verbose_name_plural = _("used nonces")

    def __str__(self) -> str:
        return self.nonce


class RegistryRecord(models.Model):
    """A row of ХҚТ ТП АЖ (ИС РП ДРН), the population register the result is written into.

    Append-only: one row per ended registration, written in the same transaction as the
    deregistration; nothing updates or deletes a row (the model refuses it and so does the
    database, through triggers created in the migration).
    """

    iin = models.CharField(_("IIN"), max_length=12, db_index=True)
    last_name = models.CharField(_("surname"), max_length=100)
    first_name = models.CharField(_("name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    address_code = models.CharField(_("address registration code (РКА)"), max_length=20)
    kato = models.CharField(_("KATO code"), max_length=9)
    address = models.CharField(_("address"), max_length=400)
    case_type = models.CharField(_("kind of case"), max_length=20, choices=CaseType.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=RegistrationEndReason.choices)
    basis = models.CharField(_("legal basis document"), max_length=400)
    application_number = models.CharField(_("application number"), max_length=32, db_index=True)
    registration_id = models.BigIntegerField(_("registration"), unique=True)
    registered_on = models.DateField(_("registered on"))
    effective_date = models.DateField(_("deregistered on"))
    # Set by the service before the hash is computed (the hash covers it), hence not auto_now_add.
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    operator = models.CharField(_("operator"), max_length=150, blank=True)
    # The hash chain (deregistration.register_chain): the record's place in it, the hash of the record before it
    # and its own hash over its fields and that one. Anyone can recompute it with ``manage.py verify_register``.
    seq = models.PositiveBigIntegerField(_("position in the register"), unique=True)
    prev_hash = models.CharField(_("hash of the previous record"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("ХҚТ ТП АЖ record")
        verbose_name_plural = _("ХҚТ ТП АЖ records")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["-recorded_at", "-id"], name="registry_record_newest"),
            models.Index(fields=["iin", "-recorded_at", "-id"], name="registry_record_of_iin"),
        ]

    def __str__(self) -> str:
        return f"{self.application_number}/{self.registration_id}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[override]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RegistryRecordImmutable
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise RegistryRecordImmutable

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)


class RegistryChainHead(models.Model):
    """The one row that says where the register's hash chain ends. Appending a record locks it (``SELECT … FOR
    UPDATE``), so that concurrent completions chain one after the other; ``verify_register`` compares the last
    record with it, so that records removed from the end are found too."""

    seq = models.PositiveBigIntegerField(_("last position"), default=0)
    hash = models.CharField(_("hash of the last record"), max_length=64)

    class Meta:
        verbose_name = _("end of the ХҚТ ТП АЖ hash chain")
        verbose_name_plural = _("end of the ХҚТ ТП АЖ hash chain")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="registry_chain_head_one_row")]

    def __str__(self) -> str:
        return f"{self.seq}: {self.hash}"


class RegistryRecordImmutable(Exception):
    def __init__(self) -> None:
        super().__init__("ХҚТ ТП АЖ records are append-only: they are never updated or deleted.")


class Notification(models.Model):
    """A message in a citizen's personal cabinet; its words are rendered in the reader's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("application"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class DepartureSlip(models.Model):
    """An issued departure slip (мекенжайдан кету парағы). Issued once, stored once, never changed."""

    number = models.CharField(_("slip number"), max_length=32, unique=True)
    subject = models.OneToOneField(
        ApplicationSubject,
        on_delete=models.PROTECT,
        related_name="slip",
        verbose_name=_("person deregistered"),
    )
    verification_code = models.CharField(_("verification code"), max_length=40, unique=True)
    file_name = models.CharField(_("stored file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        verbose_name = _("departure slip")
        verbose_name_plural = _("departure slips")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class DocumentScan(models.Model):
    """A scan of a document presented at the desk, stored privately (never served directly) under a generated
    name, its type read from its content."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="scans", verbose_name=_("application")
    )
    document = models.ForeignKey(
        ApplicationDocument,
        on_delete=models.CASCADE,
        related_name="scans",
        verbose_name=_("document"),
    )
    content_type = models.CharField(
        _("file type"),
        max_length=30,
        choices=[("application/pdf", "PDF"), ("image/jpeg", "JPEG"), ("image/png", "PNG")],
    )
    file_name = models.CharField(_("stored file"), max_length=200, unique=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attached by"),
    )
    uploaded_at = models.DateTimeField(_("attached at"))

    class Meta:
        verbose_name = _("scan of a document")
        verbose_name_plural = _("scans of documents")
        ordering = ["application", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="scan_content_type_allowed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} ({self.get_content_type_display()})"
