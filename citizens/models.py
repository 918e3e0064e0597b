"""The population register: persons, dwellings, who owns them and who is registered where.

The invariants of DESIGN.md that concern these tables are constraints, so that the database refuses
what breaks them on SQLite and PostgreSQL alike, whichever door the data came through.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .constants import (
    KAZAKHSTAN,
    STATELESS,
    IdentityDocumentType,
    RecipientCategory,
    RegistrationEndReason,
    RegistrationKind,
    Sex,
)
from .countries import validate_citizenship
from .iin import validate_iin
from .text import validate_plain_text

IIN_DIGITS = r"^[0-9]{12}$"
KATO_DIGITS = r"^[0-9]{9}$"
ADDRESS_CODE_PATTERN = r"^[0-9]{10,20}$"

validate_kato = RegexValidator(KATO_DIGITS, _("A KATO code has exactly 9 digits."), code="invalid_kato")
validate_address_code = RegexValidator(
    ADDRESS_CODE_PATTERN,
    _("An address registration code (РКА) has 10 to 20 digits."),
    code="invalid_address_code",
)


def full_name(last_name: str, first_name: str, patronymic: str) -> str:
    """A person's name as shown everywhere: surname, given name, patronymic (each only when there is one)."""
    return " ".join(part for part in (last_name, first_name, patronymic) if part)


class Person(models.Model):
    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[validate_iin])
    last_name = models.CharField(_("surname"), max_length=100, validators=[validate_plain_text])
    first_name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    patronymic = models.CharField(
        _("patronymic"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    birth_date = models.DateField(_("date of birth"))
    birth_place = models.CharField(
        _("place of birth"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=3,
        validators=[validate_citizenship],
        help_text=_("ISO 3166-1 alpha-3; XXX: stateless"),
    )
    category = models.CharField(_("recipient category"), max_length=20, choices=RecipientCategory.choices)
    document_type = models.CharField(
        _("identity document"), max_length=30, choices=IdentityDocumentType.choices
    )
    document_number = models.CharField(_("document number"), max_length=30, validators=[validate_plain_text])
    document_issued_on = models.DateField(_("document issued on"))
    document_issued_by = models.CharField(
        _("document issued by"), max_length=200, validators=[validate_plain_text]
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("portal account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name", "iin"]
        # The default ordering, as an index: a list in this order reads one index range, not the whole table.
        indexes = [models.Index(fields=["last_name", "first_name", "iin"], name="person_by_name")]
        constraints = [
            models.CheckConstraint(condition=Q(iin__regex=IIN_DIGITS), name="person_iin_12_digits"),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(category__in=RecipientCategory.values), name="person_category_valid"
            ),
            # The category must agree with the citizenship.
            models.CheckConstraint(
                condition=(
                    Q(category=RecipientCategory.CITIZEN, citizenship=KAZAKHSTAN)
                    | (
                        Q(category=RecipientCategory.FOREIGN_RESIDENT)
                        & ~Q(citizenship__in=[KAZAKHSTAN, STATELESS])
                    )
                    | Q(category=RecipientCategory.STATELESS_RESIDENT, citizenship=STATELESS)
                    | (Q(category=RecipientCategory.REFUGEE) & ~Q(citizenship=KAZAKHSTAN))
                ),
                name="person_category_matches_citizenship",
                violation_error_message=_("The recipient category does not agree with the citizenship."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.iin})"

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.patronymic)

    @property
    def initials(self) -> str:
        """Surname's first letter and initials only: what a public verification page may show."""
        return "".join(f"{part[0]}." for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def is_citizen(self) -> bool:
        return self.category == RecipientCategory.CITIZEN

    def age_on(self, day: dt.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class Dwelling(models.Model):
    """A dwelling as the Address Register knows it, by its registration code of address (РКА)."""

    address_code = models.CharField(
        _("address registration code (РКА)"), max_length=20, unique=True, validators=[validate_address_code]
    )
    kato = models.CharField(_("KATO code"), max_length=9, validators=[validate_kato])
    postcode = models.CharField(_("postcode"), max_length=10, blank=True, validators=[validate_plain_text])
    region = models.CharField(_("region"), max_length=150, validators=[validate_plain_text])
    region_ru = models.CharField(
        _("region (Russian)"), max_length=150, blank=True, validators=[validate_plain_text]
    )
    district = models.CharField(_("district"), max_length=150, blank=True, validators=[validate_plain_text])
    district_ru = models.CharField(
        _("district (Russian)"), max_length=150, blank=True, validators=[validate_plain_text]
    )
    locality = models.CharField(_("city or settlement"), max_length=150, validators=[validate_plain_text])
    locality_ru = models.CharField(
        _("city or settlement (Russian)"), max_length=150, blank=True, validators=[validate_plain_text]
    )
    street = models.CharField(_("street"), max_length=200, validators=[validate_plain_text])
    street_ru = models.CharField(
        _("street (Russian)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    block = models.CharField(_("block"), max_length=20, blank=True, validators=[validate_plain_text])
    building = models.CharField(_("building"), max_length=20, validators=[validate_plain_text])
    apartment = models.CharField(_("apartment"), max_length=20, blank=True, validators=[validate_plain_text])
    owners = models.ManyToManyField(
        Person, through="Ownership", related_name="owned_dwellings", verbose_name=_("owners")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["region", "locality", "street", "building", "apartment"]
        constraints = [
            models.CheckConstraint(condition=Q(kato__regex=KATO_DIGITS), name="dwelling_kato_9_digits"),
            models.CheckConstraint(
                condition=Q(address_code__regex=ADDRESS_CODE_PATTERN), name="dwelling_address_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.address_line()

    def address_line(self, language: str = "kk") -> str:
        """The address on one line, in Kazakh or (where the Russian names are known) Russian."""
        russian = language == "ru"

        def name(kk: str, ru: str) -> str:
            return ru if russian and ru else kk

        parts = [
            name(self.region, self.region_ru),
            name(self.district, self.district_ru),
            name(self.locality, self.locality_ru),
            name(self.street, self.street_ru),
            self.building,
        ]
        if self.block:
            parts.append(f"корпус {self.block}")
        if self.apartment:
            parts.append(f"{'кв.' if russian else 'пәтер'} {self.apartment}")
        # The locality repeats the region for the cities of republican significance (Алматы қаласы, Алматы).
        unique = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
        return ", ".join(unique)


class Ownership(models.Model):
    """Who owns which dwelling, with a share and the dates; ``until`` empty means the person owns it now."""

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("dwelling")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("owner")
    )
    share = models.DecimalField(
        _("share"),
        max_digits=5,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The owner's share of the dwelling, from 0 to 1."),
    )
    since = models.DateField(_("owner since"))
    until = models.DateField(_("owner until"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling", "person"],
                condition=Q(until__isnull=True),
                name="ownership_one_current_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="ownership_share_in_range"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="ownership_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.dwelling_id} ({self.share})"


class RegistrationQuerySet(models.QuerySet):
    def active(self) -> RegistrationQuerySet:
        return self.filter(ended_on__isnull=True)


class Registration(models.Model):
    """A registration at a place of residence; ``ended_on`` empty means it is active."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("person")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("dwelling")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RegistrationKind.choices)
    registered_on = models.DateField(_("registered on"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Temporary registrations only.")
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=20, choices=RegistrationEndReason.choices, blank=True
    )
    ended_by_application = models.CharField(_("ended by application"), max_length=32, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_on"]
        indexes = [models.Index(fields=["dwelling", "ended_on"], name="registration_dwelling_active")]
        constraints = [
            # A person has at most one active permanent registration.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind=RegistrationKind.PERMANENT, ended_on__isnull=True),
                name="registration_one_active_permanent",
                violation_error_message=_("This person already has an active permanent registration."),
            ),
            # What the population import is idempotent on.
            models.UniqueConstraint(
                fields=["person", "dwelling", "registered_on"], name="registration_unique_per_day"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RegistrationKind.values), name="registration_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("registered_on")),
                name="registration_ends_after_start",
            ),
            # An ended registration says how it ended; an active one has no end reason.
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="registration_end_reason_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(kind=RegistrationKind.TEMPORARY),
                name="registration_valid_until_only_temporary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.dwelling_id} ({self.kind}, {self.registered_on})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class AuditEvent(models.Model):
    """Who did or saw what to whose record, and when: the access log the law on personal data asks for.

    Rows carry identifiers (primary keys, application numbers), never names or IINs in plain text,
    and nothing in the code updates or deletes them (database triggers refuse it, see the migration).
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"
