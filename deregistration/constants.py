"""The vocabulary of the service: kinds of case, channels, statuses, grounds and document types."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    OWNER_APPLICATION = "owner_application", _("Owner's application")
    EMIGRATION = "emigration", _("Leaving Kazakhstan for permanent residence abroad")
    COURT_DECISION = "court_decision", _("Court decision")


class Channel(models.TextChoices):
    PORTAL = "portal", _("e-government portal")
    STATE_CORPORATION = "state_corporation", _("State Corporation")
    SERVICE_PROVIDER = "service_provider", _("Service provider (migration service)")


class Status(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", _("Awaiting co-owners' consent")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


# The statuses of a case that is still open: waiting for consents or for an operator.
OPEN_STATUSES = (Status.AWAITING_CONSENT, Status.SUBMITTED)


class QueueScope(models.TextChoices):
    """Which cases the back-office's list shows: one's own queue first."""

    MINE = "mine", _("My queue")
    OPEN = "open", _("All open cases")
    ALL = "all", _("All cases")


class SubjectOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    DEREGISTERED = "deregistered", _("Deregistered")
    REFUSED = "refused", _("Refused")


class SlipStatus(models.TextChoices):
    """The departure slip of a person in a case. ``pending`` from the completion of a case that calls for a slip
    until it is made (in the request today; by a worker later); ``failed`` when making it failed: staff issue it
    again."""

    NOT_REQUESTED = "not_requested", _("Not requested")
    PENDING = "pending", _("Being made")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Could not be made; it can be issued again")


class ConsentDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed")


class ConsentGiven(models.TextChoices):
    """Where a co-owner answered: in their cabinet with their EDS, or at a counter (recorded by the operator)."""

    PORTAL = "portal", _("On the portal, signed with EDS")
    COUNTER = "counter", _("At the counter, in person or by a notarised consent")


class CounterDecision(models.TextChoices):
    """A co-owner's answer as an operator records it at the counter."""

    APPROVE = "approve", _("Approves")
    DECLINE = "decline", _("Declines")


class RefusalGround(models.TextChoices):
    """Law "On Public Services", art. 19: the grounds on which a public service may be refused."""

    UNRELIABLE_DOCUMENTS = (
        "unreliable_documents",
        _(
            "The documents or the data in them are found to be unreliable (Law on Public Services, art. 19, 1)"
        ),
    )
    REQUIREMENTS_NOT_MET = (
        "requirements_not_met",
        _(
            "The recipient or the data do not meet the requirements of the rules (Law on Public Services, art. 19, 2)"
        ),
    )
    NO_PERSONAL_DATA_CONSENT = (
        "no_personal_data_consent",
        _("No consent to access to personal data (Law on Public Services, art. 19, 3)"),
    )


class DocumentType(models.TextChoices):
    APPLICANT_IDENTITY_DOCUMENT = "applicant_identity_document", _("Applicant's identity document")
    OWNER_APPLICATION_FORM = "owner_application_form", _("Owner's application for deregistration")
    POLICE_EMIGRATION_CERTIFICATE = (
        "police_emigration_certificate",
        _("Police certificate of permission to leave for permanent residence abroad"),
    )
    CHILD_PASSPORT = "child_passport", _("Passport of a child under 16")
    SURRENDERED_IDENTITY_DOCUMENT = (
        "surrendered_identity_document",
        _("Identity document handed over to the service provider"),
    )
    COURT_DECISION = "court_decision", _("Court decision depriving the right to use the dwelling")


# The older name of a surrendered identity document that is an ID card; still accepted as input.
SURRENDERED_ID_CARD = "surrendered_id_card"
# The document types a submission may name: every DocumentType and the older name above.
DOCUMENT_TYPES_ACCEPTED = [
    *DocumentType.choices,
    (SURRENDERED_ID_CARD, _("Identity card handed over (older name of surrendered_identity_document)")),
]


class NotificationKind(models.TextChoices):
    APPLICATION_COMPLETED = "application_completed", _("Persons deregistered")
    YOU_WERE_DEREGISTERED = "you_were_deregistered", _("You were deregistered")
    APPLICATION_REJECTED = "application_rejected", _("Application rejected")
    CONSENT_REQUESTED = "consent_requested", _("Your consent is requested")
    AWAITING_CONSENT = "awaiting_consent", _("Waiting for co-owners")
    SLIP_ISSUED = "slip_issued", _("Departure slip issued")


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OPERATOR = "operator", _("State Corporation operator")
    MIGRATION = "migration", _("Migration officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
