from django.db import models
from django.utils.translation import gettext_lazy as _

KAZAKHSTAN = "KAZ"
STATELESS = "XXX"


class RecipientCategory(models.TextChoices):
    """The passport's three kinds of recipient; foreigners and stateless persons are one kind, two categories."""

    CITIZEN = "citizen", _("Citizen of the Republic of Kazakhstan")
    FOREIGN_RESIDENT = "foreign_resident", _("Foreigner permanently residing in Kazakhstan")
    STATELESS_RESIDENT = "stateless_resident", _("Stateless person permanently residing in Kazakhstan")
    REFUGEE = "refugee", _("Refugee")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdentityDocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit of a foreigner")
    STATELESS_CERTIFICATE = "stateless_certificate", _("Stateless person's certificate")
    REFUGEE_CERTIFICATE = "refugee_certificate", _("Refugee certificate")


class RegistrationKind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary")


class RegistrationEndReason(models.TextChoices):
    OWNER_APPLICATION = "owner_application", _("Deregistered on the owner's application")
    EMIGRATION = "emigration", _("Left Kazakhstan for permanent residence abroad")
    COURT_DECISION = "court_decision", _("Deregistered by a court decision")
    NEW_REGISTRATION = "new_registration", _("Registered at another address")
    EXPIRED = "expired", _("Temporary registration expired")
    DEATH = "death", _("Death")
