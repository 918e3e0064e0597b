"""What the API reads and writes. Serializers parse shapes and present objects; the rules are the services'.

Input serializers check only the shape of a field (type, length, one of a fixed set); whether an IIN may be
named, a dwelling is owned or a signature holds is decided by ``services.application_submit`` and friends.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from citizens.constants import IdentityDocumentType, RegistrationKind
from citizens.iin import iin_error
from deregistration import rules
from deregistration.constants import (
    DOCUMENT_TYPES_ACCEPTED,
    CaseType,
    Channel,
    ConsentDecision,
    ConsentGiven,
    CounterDecision,
    NotificationKind,
    RefusalGround,
    Role,
    SlipStatus,
    Status,
    SubjectOutcome,
)
from deregistration.models import Application, DepartureSlip, Notification, RegistryRecord
from deregistration.notifications import notification_body, notification_title
from deregistration.slips import verify_url

IIN_PATTERN = r"^[0-9]{12}$"
MAX_SIGNED_DOCUMENT = 256 * 1024  # characters; a signed request with its chain is a few kilobytes


_SURROGATE = re.compile("[\ud800-\udfff]")


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's refusal of lone surrogates (same message and code), found by one regular expression: DRF's own
    walks the text a character at a time in Python, ~0.4 ms for a signed request of a few kilobytes."""

    def __call__(self, value: Any) -> None:
        if found := _SURROGATE.search(str(value)):
            raise serializers.ValidationError(
                self.message.format(code_point=ord(found.group())), code=self.code
            )


class SignedDocumentField(serializers.CharField):
    """A signed XML document as posted: kept byte for byte (no trimming), at most ``MAX_SIGNED_DOCUMENT``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, max_length=MAX_SIGNED_DOCUMENT, **kwargs)
        self.validators = [
            _NoSurrogates() if isinstance(v, ProhibitSurrogateCharactersValidator) else v
            for v in self.validators
        ]


def _validate_iin(value: str) -> str:
    problem = iin_error(value)
    if problem is not None:
        raise serializers.ValidationError(problem.message, code=problem.code)
    return value


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ``ModelSerializer`` with its fields worked out from the model once per class and language, then
    copied for each instance as DRF copies declared fields (``copy.deepcopy``: new field objects, validators
    shared).

    DRF's ``get_fields`` inspects the model anew for every serializer made: ~0.48 ms of CPU for
    ``ApplicationSerializer`` on every answer that shows a case, against ~0.17 ms for the copy. What it reads (the
    model's fields, ``Meta``, the declared fields) does not change while the server runs, but what it makes of
    them depends on the active language: a field gets a ``label`` only where its verbose name, translated, differs
    from the label its name would give (DRF's ``needs_label``). So there is one template per language."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        templates = cls.__dict__.get("_fields_templates")
        if templates is None:
            templates = {}
            cls._fields_templates = templates
        language = get_language()
        template = templates.get(language)
        if template is None:  # two threads may both build it the first time: the same fields, either kept
            template = super().get_fields()
            templates[language] = template
        return copy.deepcopy(template)


# --- errors (for the schema) ------------------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code, e.g. not_owner, not_registered_here."))
    message = serializers.CharField(help_text=_("In the request's language."))
    document = serializers.CharField(
        required=False,
        help_text=_("An error about a document: its type, e.g. police_emigration_certificate."),
    )
    iin = serializers.CharField(
        required=False,
        help_text=_("An error about a per-person document: the IIN of the person it belongs to."),
    )


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Stable code, e.g. not_found, role_not_allowed, already_completed.")
    )
    detail = serializers.CharField(help_text=_("One line, in the request's language."))
    field = serializers.CharField(
        required=False, help_text=_("The field or header concerned, when there is one.")
    )
    retry_after = serializers.IntegerField(required=False, help_text=_("Seconds to wait (429 only)."))


class ValidationErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["invalid"])
    detail = serializers.CharField(help_text=_("One line naming the fields in error."))
    errors = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        help_text=_("Each field (documents[0].issued_on, subjects[1], signed_request, …) with its errors."),
    )
    reason_code = serializers.CharField(help_text=_("The first error's code."))
    ground = serializers.ChoiceField(
        choices=RefusalGround.choices, help_text=_("The reason's ground (Law on Public Services, art. 19).")
    )


# --- authentication and the caller ------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text=_("A citizen's username is their IIN."))
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    iin = serializers.CharField(allow_null=True)
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True)


# --- dwellings --------------------------------------------------------------------------------------------


class PortalRefusalSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "applicant_is_subject (the owner themself), channel_not_allowed (not a citizen: the migration "
            "service), not_registered_here (only a temporary registration), subject_in_open_case."
        )
    )
    message = serializers.CharField(help_text=_("Why, and where to go instead; in the request's language."))


class ResidentSerializer(serializers.Serializer):
    """A ``selectors.Resident``: a registration at the dwelling and whether the portal can end it."""

    iin = serializers.CharField()
    full_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=RegistrationKind.choices)
    registered_on = serializers.DateField()
    portal_can_deregister = serializers.BooleanField(
        help_text=_("Whether the owner can name this person in an application on the portal.")
    )
    reason = PortalRefusalSerializer(
        source="refusal", allow_null=True, help_text=_("Why not, when the portal cannot; null when it can.")
    )


class DwellingSerializer(serializers.Serializer):
    address_code = serializers.CharField()
    kato = serializers.CharField()
    address = serializers.SerializerMethodField(help_text=_("One line, in the request's language."))
    owners = serializers.SerializerMethodField(help_text=_("The IINs of the current owners."))
    residents = ResidentSerializer(
        many=True,
        help_text=_("Everyone registered there now, each marked with whether the portal can take them."),
    )

    def get_address(self, dwelling) -> str:
        return dwelling.address_line(get_language() or "kk")

    def get_owners(self, dwelling) -> list[str]:
        return [ownership.person.iin for ownership in dwelling.current_ownerships]


# --- applications -----------------------------------------------------------------------------------------


class SubjectSerializer(serializers.Serializer):
    iin = serializers.CharField(source="person.iin")
    full_name = serializers.CharField(source="person.full_name")
    outcome = serializers.ChoiceField(choices=SubjectOutcome.choices)
    registry_record_id = serializers.IntegerField(allow_null=True)
    slip_number = serializers.SerializerMethodField()
    slip_status = serializers.ChoiceField(
        choices=SlipStatus.choices,
        help_text=_(
            "not_requested; pending (being made); issued (see slip_number); failed (staff issue it again with "
            "POST …/subjects/{iin}/slip/)."
        ),
    )

    def get_slip_number(self, subject) -> str | None:
        slip = getattr(subject, "slip", None)
        return slip.number if slip is not None else None


class ApplicationConsentSerializer(serializers.Serializer):
    co_owner_iin = serializers.CharField(source="co_owner.iin")
    decision = serializers.ChoiceField(choices=ConsentDecision.choices)
    decided_at = serializers.DateTimeField(allow_null=True)
    given = serializers.SerializerMethodField(
        help_text=_(
            "Where the co-owner answered: portal (signed with EDS in their cabinet) or counter (recorded by an "
            "operator); null while the answer is awaited or lapsed."
        )
    )

    @extend_schema_field(serializers.ChoiceField(choices=ConsentGiven.choices, allow_null=True))
    def get_given(self, consent) -> str | None:
        return consent.given or None


class RejectionSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=RefusalGround.choices)
    reason_code = serializers.CharField()
    reason = serializers.CharField(help_text=_("The operator's comment, or the ground in words."))


class ApplicationSerializer(ModelSerializer):
    applicant_iin = serializers.CharField(source="applicant.iin")
    address_code = serializers.CharField(source="dwelling.address_code")
    subjects = SubjectSerializer(many=True)
    consents = ApplicationConsentSerializer(many=True)
    rejection = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "number",
            "case_type",
            "channel",
            "status",
            "submitted_at",
            "deadline_at",
            "completed_at",
            "consent_expires_at",
            "issue_slip",
            "applicant_iin",
            "address_code",
            "subjects",
            "consents",
            "rejection",
        ]
        read_only_fields = fields

    @extend_schema_field(RejectionSerializer(allow_null=True))
    def get_rejection(self, application) -> dict[str, Any] | None:
        return rejection_of(application)


def rejection_of(application: Any) -> dict[str, Any] | None:
    """A refused case's ground, reason code and reason in words (a case, or a row of ``cabinet_rows``)."""
    if application.status != Status.REJECTED:
        return None
    ground = application.rejection_ground
    return {
        "ground": ground,
        "reason_code": application.rejection_reason_code,
        "reason": application.rejection_comment or str(RefusalGround(ground).label),
    }


class ApplicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    case_type = serializers.ChoiceField(choices=CaseType.choices, required=False)
    slip_status = serializers.ChoiceField(
        choices=SlipStatus.choices,
        required=False,
        help_text=_("Cases with a subject whose slip is in this state."),
    )
    iin = serializers.CharField(
        required=False,
        max_length=12,
        validators=[_validate_iin],
        help_text=_("The applicant's or any subject's IIN."),
    )


class DocumentSerializer(serializers.Serializer):
    """A document presented with a walk-in case; which fields each type needs is the checklist's business."""

    type = serializers.ChoiceField(
        choices=DOCUMENT_TYPES_ACCEPTED,
        help_text=_(
            "surrendered_id_card is still accepted: a surrendered_identity_document whose document_type is id_card."
        ),
    )
    document_type = serializers.ChoiceField(
        choices=IdentityDocumentType.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "surrendered_identity_document: the kind the person's category holds (citizen: id_card; foreign "
            "resident: residence_permit; stateless person: stateless_certificate; refugee: refugee_certificate)."
        ),
    )
    number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    issued_on = serializers.DateField(required=False, allow_null=True)
    issued_by = serializers.CharField(required=False, allow_blank=True, max_length=200)
    iin = serializers.CharField(
        required=False, allow_blank=True, max_length=12, help_text=_("The holder (per-person documents).")
    )
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=3, help_text=_("ISO 3166-1 alpha-3 (emigration).")
    )
    court = serializers.CharField(required=False, allow_blank=True, max_length=200)
    case_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    decided_on = serializers.DateField(required=False, allow_null=True)
    in_force_on = serializers.DateField(required=False, allow_null=True)


class CounterIdentityDocumentSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=IdentityDocumentType.choices)
    number = serializers.CharField(max_length=30)
    issued_on = serializers.DateField()
    issued_by = serializers.CharField(max_length=200)


class NotarisedConsentSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60, help_text=_("The notarised consent's register number."))
    issued_on = serializers.DateField(help_text=_("The date the notary certified it."))
    issued_by = serializers.CharField(max_length=200, help_text=_("The notary."))


class CounterConsentSerializer(serializers.Serializer):
    """A co-owner's answer given at the counter, in person or by a notarised consent."""

    co_owner_iin = serializers.CharField(max_length=64)
    decision = serializers.ChoiceField(
        choices=CounterDecision.choices,
        help_text=_(
            "decline: the application is refused at once (400 co_owner_declined), nothing is stored."
        ),
    )
    identity_document = CounterIdentityDocumentSerializer(
        help_text=_(
            "The co-owner's identity document, as the operator saw it (or as the notarised consent names it)."
        )
    )
    notarised = NotarisedConsentSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The notarised consent of a co-owner who is not at the counter; null when they are there."
        ),
    )


class ApplicationSubmitSerializer(serializers.Serializer):
    case_type = serializers.ChoiceField(choices=CaseType.choices)
    channel = serializers.ChoiceField(
        choices=Channel.choices, help_text=_("A citizen applies only through the portal.")
    )
    address_code = serializers.CharField(max_length=64, help_text=_("The dwelling's РКА."))
    applicant_iin = serializers.CharField(max_length=64)
    subjects = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=True,
        max_length=100,
        help_text=_("The IINs of the persons to deregister."),
    )
    issue_slip = serializers.BooleanField(default=False)
    documents = serializers.ListField(
        child=DocumentSerializer(),
        required=False,
        max_length=50,
        help_text=_("Walk-in cases: the documents the case's checklist asks for."),
    )
    signed_request = SignedDocumentField(
        required=False,
        allow_blank=True,
        help_text=_("Portal: the XML request signed with the applicant's EDS."),
    )
    consents = serializers.ListField(
        child=CounterConsentSerializer(),
        required=False,
        max_length=50,
        help_text=_(
            "Walk-in owner's application on a co-owned dwelling: the co-owners' consents given at the counter. "
            "When every other co-owner approved here, the case is submitted at once; the others answer in "
            "their cabinets."
        ),
    )


# --- decisions --------------------------------------------------------------------------------------------


class RejectSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(
        choices=RefusalGround.choices,
        required=False,
        allow_blank=True,
        help_text=_("Derived from the reason code when left out."),
    )
    reason_code = serializers.ChoiceField(choices=rules.OPERATOR_REJECTION_REASON_CHOICES)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SignedConsentSerializer(serializers.Serializer):
    signed_consent = SignedDocumentField(
        help_text=_("The consent XML signed with the co-owner's EDS; its decision must match the endpoint."),
    )


# --- the cabinet ------------------------------------------------------------------------------------------


class NotificationSerializer(ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    application_number = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "application_number", "created_at", "read_at"]
        read_only_fields = fields

    def get_title(self, notification) -> str:
        return notification_title(notification)

    def get_body(self, notification) -> str:
        return notification_body(notification)

    def get_application_number(self, notification) -> str | None:
        return notification.application.number if notification.application_id else None


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application_number = serializers.CharField(source="application.number")
    address_code = serializers.CharField(source="application.dwelling.address_code")
    address = serializers.SerializerMethodField()
    applicant_iin = serializers.CharField(source="application.applicant.iin")
    subjects = serializers.SerializerMethodField(help_text=_("The IINs of the persons to deregister."))
    decision = serializers.ChoiceField(choices=ConsentDecision.choices)
    expires_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_address(self, consent) -> str:
        return consent.application.dwelling.address_line(get_language() or "kk")

    def get_subjects(self, consent) -> list[str]:
        return [subject.person.iin for subject in consent.application.subjects.all()]


# --- the register and slips -------------------------------------------------------------------------------


class RegistryRecordSerializer(ModelSerializer):
    full_name = serializers.CharField()

    class Meta:
        model = RegistryRecord
        fields = [
            "id",
            "iin",
            "full_name",
            "address_code",
            "kato",
            "address",
            "case_type",
            "reason",
            "basis",
            "application_number",
            "registered_on",
            "effective_date",
            "recorded_at",
            "channel",
        ]
        read_only_fields = fields


class RegistryFilterSerializer(serializers.Serializer):
    iin = serializers.CharField(required=False, max_length=12, validators=[_validate_iin])


class SlipSerializer(ModelSerializer):
    slip_number = serializers.CharField(source="number", help_text=_("The same as number."))
    application_number = serializers.CharField(source="subject.application.number")
    iin = serializers.CharField(source="subject.person.iin")
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = DepartureSlip
        fields = [
            "number",
            "slip_number",
            "application_number",
            "iin",
            "issued_at",
            "sha256",
            "size",
            "verify_url",
        ]
        read_only_fields = fields

    def get_verify_url(self, slip) -> str:
        return verify_url(slip.verification_code)


class SlipVerificationSerializer(serializers.Serializer):
    genuine = serializers.BooleanField()
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    initials = serializers.CharField(help_text=_("The person's initials only."))
