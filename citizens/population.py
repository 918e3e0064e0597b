"""Loading the population register from a JSON file (DESIGN.md, "Population file").

All or nothing: every record is checked, and one bad record anywhere rolls the whole file back.
Idempotent: persons are matched by IIN and dwellings by address code, and rewritten only where a
value differs; a registration is added only when none exists with the same IIN, address code and
``registered_on``; an ended registration is never reopened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import RegistrationEndReason, RegistrationKind
from .models import Dwelling, Ownership, Person, Registration

MAX_ERRORS = 50

PERSON_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "birth_place",
    "sex",
    "citizenship",
    "category",
)
DOCUMENT_FIELDS = {
    "type": "document_type",
    "number": "document_number",
    "issued_on": "document_issued_on",
    "issued_by": "document_issued_by",
}
DWELLING_FIELDS = (
    "kato",
    "postcode",
    "region",
    "region_ru",
    "district",
    "district_ru",
    "locality",
    "locality_ru",
    "street",
    "street_ru",
    "block",
    "building",
    "apartment",
)
DATE_FIELDS = {"birth_date", "document_issued_on", "registered_on", "valid_until", "ended_on", "since"}


@dataclass(frozen=True)
class RecordError:
    section: str
    index: int
    key: str
    field: str
    reason: str

    def __str__(self) -> str:
        label = {"persons": "IIN", "dwellings": "address code", "registrations": "IIN"}.get(
            self.section, "key"
        )
        key = f" ({label} {self.key})" if self.key else ""
        return f"{self.section}[{self.index}]{key}: {self.field}: {self.reason}"


class PopulationImportError(Exception):
    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class ImportSummary:
    created: dict[str, int] = field(
        default_factory=lambda: {"persons": 0, "dwellings": 0, "ownerships": 0, "registrations": 0}
    )
    updated: dict[str, int] = field(default_factory=lambda: {"persons": 0, "dwellings": 0, "ownerships": 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


class _Skip(Exception):
    """A record had errors; they are recorded and the record is not written."""


class _Importer:
    def __init__(self, data: Any):
        self.errors: list[RecordError] = []
        self.summary = ImportSummary()
        self.today = timezone.localdate()
        if not isinstance(data, dict):
            raise PopulationImportError(
                [RecordError("file", 0, "", "-", _("The file must hold a JSON object."))]
            )
        self.data = data
        self.persons: dict[str, Person] = {}
        self.dwellings: dict[str, Dwelling] = {}

    # -- helpers -------------------------------------------------------------------------------
    def fail(self, section: str, index: int, key: str, field_name: str, reason: str) -> None:
        self.errors.append(RecordError(section, index, key, field_name, str(reason)))
        if len(self.errors) >= MAX_ERRORS:
            raise PopulationImportError(self.errors)

    def section(self, name: str) -> list[Any]:
        records = self.data.get(name, [])
        if not isinstance(records, list):
            self.fail(name, 0, "", name, _("Expected a list of records."))
            return []
        return records

    def convert(self, name: str, value: Any) -> Any:
        if name in DATE_FIELDS and value not in (None, ""):
            if not isinstance(value, str):
                raise ValidationError(_("Expected a date as YYYY-MM-DD."))
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                raise ValidationError(_("Expected a date as YYYY-MM-DD.")) from exc
        if name in DATE_FIELDS:
            return None
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(_("Expected text."))
        return value.strip()

    def report_validation(
        self, section: str, index: int, key: str, exc: ValidationError, prefix: str = ""
    ) -> None:
        reverse = {v: f"document.{k}" for k, v in DOCUMENT_FIELDS.items()}
        for field_name, messages in exc.message_dict.items():
            shown = reverse.get(field_name, field_name)
            shown = "record" if shown == "__all__" else f"{prefix}{shown}"
            for message in messages:
                self.fail(section, index, key, shown, message)

    def assign(self, instance: Any, values: dict[str, Any], section: str, index: int, key: str) -> list[str]:
        """Set the values that differ; return the names of the fields that changed."""
        changed = []
        problems: dict[str, list[str]] = {}
        for name, raw in values.items():
            try:
                value = self.convert(name, raw)
            except ValidationError as exc:
                problems.setdefault(name, []).extend(exc.messages)
                continue
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                changed.append(name)
        if problems:
            self.report_validation(section, index, key, ValidationError(problems))
            raise _Skip
        return changed

    def full_clean(
        self, instance: Any, section: str, index: int, key: str, exclude: list[str] | None = None
    ) -> None:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            self.report_validation(section, index, key, exc)
            raise _Skip from exc

    # -- sections ------------------------------------------------------------------------------
    def import_persons(self) -> None:
        for index, record in enumerate(self.section("persons")):
            try:
                self.import_person(index, record)
            except _Skip:
                continue

    def import_person(self, index: int, record: Any) -> None:
        if not isinstance(record, dict):
            self.fail("persons", index, "", "record", _("Expected an object."))
            raise _Skip
        iin = record.get("iin")
        key = iin if isinstance(iin, str) else ""
        probe = Person(iin=iin if isinstance(iin, str) else str(iin or ""))
        try:
            probe.clean_fields(exclude=[f.name for f in Person._meta.fields if f.name != "iin"])
        except ValidationError as exc:
            self.report_validation("persons", index, key, exc)
            raise _Skip from exc
        if iin in self.persons:
            self.fail("persons", index, key, "iin", _("This IIN appears twice in the file."))
            raise _Skip
        person = Person.objects.filter(iin=iin).first() or Person(iin=iin)
        values = {name: record.get(name, "") for name in PERSON_FIELDS}
        document = record.get("document")
        if not isinstance(document, dict):
            self.fail("persons", index, key, "document", _("The identity document is required."))
            raise _Skip
        values.update({model_name: document.get(name) for name, model_name in DOCUMENT_FIELDS.items()})
        changed = self.assign(person, values, "persons", index, key)
        self.full_clean(person, "persons", index, key)
        if person.pk is None:
            person.save()
            self.summary.created["persons"] += 1
        elif changed:
            person.save(update_fields=[*changed, "updated_at"])
            self.summary.updated["persons"] += 1
        self.persons[iin] = person

    def person_for(self, iin: Any, section: str, index: int, key: str, field_name: str) -> Person:
        person = self.persons.get(iin) if isinstance(iin, str) else None
        person = person or (Person.objects.filter(iin=iin).first() if isinstance(iin, str) else None)
        if person is None:
            self.fail(
                section, index, key, field_name, _("No person with this IIN in the file or the register.")
            )
            raise _Skip
        return person

    def import_dwellings(self) -> None:
        for index, record in enumerate(self.section("dwellings")):
            try:
                self.import_dwelling(index, record)
            except _Skip:
                continue

    def import_dwelling(self, index: int, record: Any) -> None:
        if not isinstance(record, dict):
            self.fail("dwellings", index, "", "record", _("Expected an object."))
            raise _Skip
        code = record.get("address_code")
        key = code if isinstance(code, str) else ""
        if not isinstance(code, str) or not code:
            self.fail(
                "dwellings", index, key, "address_code", _("The address registration code is required.")
            )
            raise _Skip
        if code in self.dwellings:
            self.fail(
                "dwellings", index, key, "address_code", _("This address code appears twice in the file.")
            )
            raise _Skip
        dwelling = Dwelling.objects.filter(address_code=code).first() or Dwelling(address_code=code)
        changed = self.assign(
            dwelling, {name: record.get(name, "") for name in DWELLING_FIELDS}, "dwellings", index, key
        )
        self.full_clean(dwelling, "dwellings", index, key)
        owners = self.parse_owners(record.get("owners"), index, key)
        if dwelling.pk is None:
            dwelling.save()
            self.summary.created["dwellings"] += 1
        elif changed:
            dwelling.save(update_fields=[*changed, "updated_at"])
            self.summary.updated["dwellings"] += 1
        self.dwellings[code] = dwelling
        self.sync_owners(dwelling, owners)

    def parse_owners(self, owners: Any, index: int, key: str) -> list[tuple[Person, Decimal, dt.date]]:
        if not isinstance(owners, list) or not owners:
            self.fail("dwellings", index, key, "owners", _("A dwelling needs at least one owner."))
            raise _Skip
        parsed = []
        for position, owner in enumerate(owners):
            field_name = f"owners[{position}]"
            entry = owner if isinstance(owner, dict) else {"iin": owner}
            person = self.person_for(entry.get("iin"), "dwellings", index, key, field_name)
            try:
                share = Decimal(str(entry.get("share", Decimal(1) / len(owners)))).quantize(Decimal("0.0001"))
            except InvalidOperation:
                share = Decimal(-1)
            if not Decimal(0) < share <= Decimal(1):
                self.fail(
                    "dwellings",
                    index,
                    key,
                    f"{field_name}.share",
                    _("A share is a number above 0 and at most 1."),
                )
                raise _Skip
            try:
                since = self.convert("since", entry.get("since")) or self.today
            except ValidationError as exc:
                self.fail("dwellings", index, key, f"{field_name}.since", exc.messages[0])
                raise _Skip from exc
            parsed.append((person, share, since))
        if len({p.iin for p, _s, _d in parsed}) != len(parsed):
            self.fail("dwellings", index, key, "owners", _("An owner is listed twice."))
            raise _Skip
        if sum(share for _p, share, _d in parsed) > Decimal("1.0001"):
            self.fail("dwellings", index, key, "owners", _("The owners' shares add up to more than 1."))
            raise _Skip
        return parsed

    def sync_owners(self, dwelling: Dwelling, owners: list[tuple[Person, Decimal, dt.date]]) -> None:
        """The file lists the current owners: add the new ones, end the ones no longer listed."""
        current = {o.person_id: o for o in dwelling.ownerships.filter(until__isnull=True)}
        listed = {person.pk for person, _share, _since in owners}
        for person_id, ownership in current.items():
            if person_id not in listed:
                ownership.until = max(self.today, ownership.since)
                ownership.save(update_fields=["until"])
                self.summary.updated["ownerships"] += 1
        for person, share, since in owners:
            ownership = current.get(person.pk)
            if ownership is None:
                Ownership.objects.create(dwelling=dwelling, person=person, share=share, since=since)
                self.summary.created["ownerships"] += 1
            elif ownership.share != share:
                ownership.share = share
                ownership.save(update_fields=["share"])
                self.summary.updated["ownerships"] += 1

    def import_registrations(self) -> None:
        for index, record in enumerate(self.section("registrations")):
            try:
                self.import_registration(index, record)
            except _Skip:
                continue

    def import_registration(self, index: int, record: Any) -> None:
        if not isinstance(record, dict):
            self.fail("registrations", index, "", "record", _("Expected an object."))
            raise _Skip
        iin = record.get("iin")
        key = iin if isinstance(iin, str) else ""
        person = self.person_for(iin, "registrations", index, key, "iin")
        code = record.get("address_code")
        dwelling = self.dwellings.get(code) if isinstance(code, str) else None
        dwelling = dwelling or (
            Dwelling.objects.filter(address_code=code).first() if isinstance(code, str) else None
        )
        if dwelling is None:
            self.fail("registrations", index, key, "address_code", _("No dwelling with this address code."))
            raise _Skip
        registration = Registration(person=person, dwelling=dwelling)
        self.assign(
            registration,
            {
                name: record.get(name)
                for name in ("kind", "registered_on", "valid_until", "ended_on", "end_reason")
            },
            "registrations",
            index,
            key,
        )
        if registration.ended_on and not registration.end_reason:
            registration.end_reason = RegistrationEndReason.NEW_REGISTRATION
        self.full_clean(registration, "registrations", index, key, exclude=["person", "dwelling"])
        if Registration.objects.filter(
            person=person, dwelling=dwelling, registered_on=registration.registered_on
        ).exists():
            return  # already loaded; never reopened or rewritten
        if registration.kind == RegistrationKind.PERMANENT and registration.ended_on is None:
            other = (
                Registration.objects.active().filter(person=person, kind=RegistrationKind.PERMANENT).first()
            )
            if other is not None:
                self.fail(
                    "registrations",
                    index,
                    key,
                    "kind",
                    _("This person already has an active permanent registration (at address code %(code)s).")
                    % {"code": other.dwelling.address_code},
                )
                raise _Skip
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError as exc:
            self.fail("registrations", index, key, "record", _("The register refused this registration."))
            raise _Skip from exc
        self.summary.created["registrations"] += 1

    def run(self) -> ImportSummary:
        self.import_persons()
        self.import_dwellings()
        self.import_registrations()
        if self.errors:
            raise PopulationImportError(self.errors)
        return self.summary


def population_import(*, data: Any) -> ImportSummary:
    """Load a population file's parsed JSON; raise PopulationImportError (and change nothing) on any bad record."""
    with transaction.atomic():
        return _Importer(data).run()
