"""Loading the population register from a JSON file (DESIGN.md, "Population file").

All or nothing: every record is checked, and one bad record anywhere rolls the whole file back.
Idempotent: persons are matched by IIN and dwellings by address code, and rewritten only where a
value differs; a registration is added only when none exists with the same IIN, address code and
``registered_on``; an ended registration is never reopened.

Built for millions of records: the file is read once as a stream (``population_reader.py``: the standard
library's C decoder on one record at a time; ijson's C backend was measured three times slower here, as it
parses the whole file once per section), each record is checked in Python with the model fields' own validators
and choices and with the model's constraints (``population_checks.py`` keeps the Python forms of the constraints
that span fields, tested against the database's), and the good records are written to temporary staging tables
(COPY on PostgreSQL, batched inserts on SQLite) and merged into the register with a few set-based statements
(``population_sql.py``, the same SQL on both), all in one transaction. No model instance is made per record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import RegistrationEndReason
from .models import Dwelling, Person, Registration
from .population_bulk import bulk_load
from .population_checks import PERSON_CONSTRAINTS, REGISTRATION_CONSTRAINTS, violated_constraints
from .population_reader import NOT_A_LIST, NOT_AN_OBJECT, FileNotJson, read_members
from .population_sql import DOCUMENT_FIELDS, DWELLING_FIELDS, PERSON_FIELDS, REGISTRATION_COLUMNS, Stage
from .progress import ProgressBar
from .text import validate_plain_text

MAX_ERRORS = 50
KNOWN_VALUES = 20_000  # per field: how many values that passed its checks are remembered

REGISTRATION_FIELDS = REGISTRATION_COLUMNS
DATE_FIELDS = {"birth_date", "document_issued_on", "registered_on", "valid_until", "ended_on", "since"}
SECTIONS = ("persons", "dwellings", "registrations")


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


class PopulationFileError(ValueError):
    """The file is not JSON, or not a JSON object (raised while streaming; nothing is kept)."""


@dataclass
class ImportSummary:
    created: dict[str, int] = field(
        default_factory=lambda: {"persons": 0, "dwellings": 0, "ownerships": 0, "registrations": 0}
    )
    updated: dict[str, int] = field(default_factory=lambda: {"persons": 0, "dwellings": 0, "ownerships": 0})
    bulk: bool = False  # the indexes and foreign keys were set aside and built again (population_bulk.py)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


class _Skip(Exception):
    """A record had errors; they are recorded and the record is not written."""


class FieldRule:
    """One model field's checks, compiled once: blank and null, length, choices, the field's validators.

    ``check`` answers "fine" for the common case at the cost of a few comparisons; anything suspicious goes to
    the field's own ``clean()``, so that a refusal carries exactly the message the model gives everywhere else.
    """

    def __init__(self, model: type[models.Model], name: str):
        self.field = model._meta.get_field(name)
        # Values already seen to pass unchanged (a region, a sex, a street repeat across a million records): a set
        # lookup instead of the checks. Bounded, so that a field of unique values (an IIN) costs no memory.
        self.known: set[str] = set()
        self.is_date = isinstance(self.field, models.DateField)
        self.allows_empty = self.field.blank
        max_length = getattr(self.field, "max_length", None) or 10**9
        choices = {str(value) for value, _label in self.field.flatchoices} if self.field.choices else None
        plain_text = validate_plain_text in self.field.validators
        validators = [
            v
            for v in self.field.validators
            if not isinstance(v, MaxLengthValidator) and v is not validate_plain_text
        ]

        def passes(value: str) -> bool:
            # Every character validate_plain_text refuses is unprintable, so printable text passes it.
            if len(value) > max_length or (plain_text and not value.isprintable()):
                return False
            if choices is not None and value not in choices:
                return False
            try:
                for validator in validators:
                    validator(value)
            except ValidationError:
                return False
            return True

        self.passes = passes

    def messages(self, value: Any) -> list[str]:
        try:
            self.field.clean(value, None)
        except ValidationError as exc:
            return exc.messages
        return []


def _rules(model: type[models.Model], names: Iterable[str]) -> dict[str, FieldRule]:
    return {name: FieldRule(model, name) for name in names}


# -- the sources of records: a parsed dict (seed_demo, tests) or a file read as a stream ------------------------
Source = Iterable[tuple[str, Any]]  # (section, record) in file order


def _data_source(data: Any) -> Source:
    if not isinstance(data, dict):
        raise PopulationImportError([RecordError("file", 0, "", "-", _("The file must hold a JSON object."))])
    for name in SECTIONS:
        records = data.get(name, [])
        if not isinstance(records, list):
            yield name, NOT_A_LIST
            continue
        for record in records:
            yield name, record


def _file_source(path: Path, progress: ProgressBar | None) -> Source:
    with path.open("rb") as file:
        try:
            yield from read_members(file, progress.update if progress else None)
        except FileNotJson as exc:
            if str(exc) == NOT_AN_OBJECT:
                raise PopulationImportError(
                    [RecordError("file", 0, "", "-", _("The file must hold a JSON object."))]
                ) from exc
            raise PopulationFileError(str(exc)) from exc


# -- the importer --------------------------------------------------------------------------------------------
class _Importer:
    def __init__(self, source: Source, stage: Stage):
        # Compiled for each import: their memory of values that passed (FieldRule.known) ends with it.
        self.person_rules = _rules(Person, ("iin", *PERSON_FIELDS, *DOCUMENT_FIELDS.values()))
        self.dwelling_rules = _rules(Dwelling, ("address_code", *DWELLING_FIELDS))
        self.registration_rules = _rules(Registration, REGISTRATION_FIELDS)
        self.source = source
        self.stage = stage
        self.errors: list[RecordError] = []
        self.today = timezone.localdate()
        self.steps: dict[str, Future] = {}  # the queued merge step of each section, by section
        self.staged_after_step: set[str] = set()  # sections with records staged since their step was queued

    # -- helpers -------------------------------------------------------------------------------
    def fail(self, section: str, index: int, key: str, field_name: str, reason: str) -> None:
        self.errors.append(RecordError(section, index, key, field_name, str(reason)))
        if len(self.errors) >= MAX_ERRORS:
            raise PopulationImportError(self.sorted_errors())

    def sorted_errors(self) -> list[RecordError]:
        rank = {name: n for n, name in enumerate(("file", *SECTIONS))}
        return sorted(self.errors, key=lambda e: (rank.get(e.section, 9), e.index))

    def values(
        self, raw: dict[str, Any], rules: dict[str, FieldRule], section: str, index: int, key: str
    ) -> dict[str, Any]:
        """Convert and check every field; report each bad field under its name in the file; raise _Skip.

        Text is stripped; dates are YYYY-MM-DD; an empty value is checked against the field's blank and null."""
        values: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for name, value in raw.items():
            rule = rules[name]
            if value is None or value == "":
                converted: Any = None if rule.is_date else ""
                if not rule.allows_empty:
                    problems[name] = rule.messages(converted)
            elif rule.is_date:
                try:
                    converted = dt.date.fromisoformat(value) if type(value) is str else None
                except ValueError:
                    converted = None
                if converted is None:
                    problems[name] = [_("Expected a date as YYYY-MM-DD.")]
            elif type(value) is str:
                if value in rule.known:
                    values[name] = value
                    continue
                converted = value.strip()
                if not rule.passes(converted):
                    problems[name] = rule.messages(converted)
                elif converted == value and len(rule.known) < KNOWN_VALUES:
                    rule.known.add(value)
            else:
                problems[name] = [_("Expected text.")]
                continue
            values[name] = converted
        if problems:
            self.report(section, index, key, problems)
            raise _Skip
        return values

    def report(self, section: str, index: int, key: str, problems: dict[str, list[str]]) -> None:
        reverse = {v: f"document.{k}" for k, v in DOCUMENT_FIELDS.items()}
        for field_name, messages in problems.items():
            shown = "record" if field_name == "__all__" else reverse.get(field_name, field_name)
            for message in messages:
                self.fail(section, index, key, shown, message)

    def check_constraints(self, constraints, values, section: str, index: int, key: str) -> None:
        messages = violated_constraints(constraints, values)
        if messages:
            self.report(section, index, key, {"__all__": messages})
            raise _Skip

    # -- sections ------------------------------------------------------------------------------
    def person(self, index: int, record: dict[str, Any]) -> None:
        iin = record.get("iin")
        key = iin if isinstance(iin, str) else ""
        rule = self.person_rules["iin"]
        if not isinstance(iin, str) or not iin or not rule.passes(iin):
            self.report(
                "persons", index, key, {"iin": rule.messages(iin if isinstance(iin, str) else str(iin or ""))}
            )
            raise _Skip
        document = record.get("document")
        if not isinstance(document, dict):
            self.fail("persons", index, key, "document", _("The identity document is required."))
            raise _Skip
        raw = {name: record.get(name, "") for name in PERSON_FIELDS}
        raw.update({model_name: document.get(name) for name, model_name in DOCUMENT_FIELDS.items()})
        values = self.values(raw, self.person_rules, "persons", index, key)
        self.check_constraints(PERSON_CONSTRAINTS, values, "persons", index, key)
        self.stage.person(index, iin, values)

    def dwelling(self, index: int, record: dict[str, Any]) -> None:
        code = record.get("address_code")
        key = code if isinstance(code, str) else ""
        if not isinstance(code, str) or not code:
            self.fail(
                "dwellings", index, key, "address_code", _("The address registration code is required.")
            )
            raise _Skip
        raw = {"address_code": code, **{name: record.get(name, "") for name in DWELLING_FIELDS}}
        values = self.values(raw, self.dwelling_rules, "dwellings", index, key)
        owners = self.owners(record.get("owners"), index, key)
        self.stage.dwelling(index, values, owners)

    def owners(self, owners: Any, index: int, key: str) -> list[tuple[int, str, str, dt.date]]:
        if not isinstance(owners, list) or not owners:
            self.fail("dwellings", index, key, "owners", _("A dwelling needs at least one owner."))
            raise _Skip
        parsed = []
        for position, owner in enumerate(owners):
            field_name = f"owners[{position}]"
            entry = owner if isinstance(owner, dict) else {"iin": owner}
            iin = entry.get("iin")
            if not isinstance(iin, str) or not iin.isdigit():
                self.fail(
                    "dwellings",
                    index,
                    key,
                    field_name,
                    _("No person with this IIN in the file or the register."),
                )
                raise _Skip
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
            since = entry.get("since") or self.today
            if not isinstance(since, dt.date):
                try:
                    since = dt.date.fromisoformat(since) if isinstance(since, str) else None
                except ValueError:
                    since = None
                if since is None:
                    self.fail(
                        "dwellings", index, key, f"{field_name}.since", _("Expected a date as YYYY-MM-DD.")
                    )
                    raise _Skip
            parsed.append((position, iin, str(share), since))
        if len({iin for _p, iin, _s, _d in parsed}) != len(parsed):
            self.fail("dwellings", index, key, "owners", _("An owner is listed twice."))
            raise _Skip
        if sum(Decimal(share) for _p, _i, share, _d in parsed) > Decimal("1.0001"):
            self.fail("dwellings", index, key, "owners", _("The owners' shares add up to more than 1."))
            raise _Skip
        return parsed

    def registration(self, index: int, record: dict[str, Any]) -> None:
        iin, code = record.get("iin"), record.get("address_code")
        key = iin if isinstance(iin, str) else ""
        if not isinstance(iin, str) or not iin.isdigit():  # digits only, or it names nobody
            self.fail(
                "registrations", index, key, "iin", _("No person with this IIN in the file or the register.")
            )
            raise _Skip
        if not isinstance(code, str) or not code.isdigit():
            self.fail("registrations", index, key, "address_code", _("No dwelling with this address code."))
            raise _Skip
        raw = {name: record.get(name) for name in REGISTRATION_FIELDS}
        values = self.values(raw, self.registration_rules, "registrations", index, key)
        if values["ended_on"] and not values["end_reason"]:
            values["end_reason"] = RegistrationEndReason.NEW_REGISTRATION.value
        self.check_constraints(REGISTRATION_CONSTRAINTS, values, "registrations", index, key)
        self.stage.registration(index, iin, code, values)

    def run(self) -> ImportSummary:
        """Check and stage every record in one pass over the source, then merge section by section.

        On PostgreSQL a finished section of persons (and then of dwellings) is checked and merged on the writer
        thread while the next sections are still being read (``Stage.later``): the two halves of the work, the
        reading in Python and the merging in PostgreSQL, then run on two cores at once. Nothing is decided
        early: the problems those steps find are reported with everyone else's at the end, and the whole import
        is one transaction still."""
        handlers = {"persons": self.person, "dwellings": self.dwelling, "registrations": self.registration}
        counters = dict.fromkeys(SECTIONS, 0)
        current = None
        for section, record in self.source:
            if section != current:
                self.section_ended(current)
                current = section
            handle = handlers.get(section)
            if handle is None:
                continue
            self.staged_after_step.add(section)
            if record is NOT_A_LIST:
                self.fail(section, 0, "", section, _("Expected a list of records."))
                continue
            index = counters[section]
            counters[section] = index + 1
            if not isinstance(record, dict):
                self.fail(section, index, "", "record", _("Expected an object."))
                continue
            try:
                handle(index, record)
            except _Skip:
                continue
        self.merge()
        return self.stage.summary

    # -- merging -------------------------------------------------------------------------------
    # A section's step checks what only the whole section and the register can tell, then merges it; the steps
    # run in this order (dwellings need the persons merged, registrations both), each once its section is read.
    STEPS = ("persons", "dwellings")
    STEP_TABLES = {"persons": ("import_person",), "dwellings": ("import_dwelling", "import_owner")}

    def section_ended(self, section: str | None) -> None:
        """Queue the step of ``section`` if it and every step before it can run now."""
        if section not in self.STEPS or section in self.steps:
            return
        before = self.STEPS[: self.STEPS.index(section)]
        if any(earlier not in self.steps for earlier in before):
            return  # a file with dwellings before persons: merged at the end
        self.queue_step(section)

    def queue_step(self, section: str) -> None:
        self.stage.flush(*self.STEP_TABLES[section])
        self.staged_after_step.discard(section)
        step = {"persons": self.persons_step, "dwellings": self.dwellings_step}[section]
        self.steps[section] = self.stage.later(step)

    def persons_step(self) -> list[tuple]:
        stage = self.stage
        duplicates = stage.duplicate_persons()
        stage.merge_persons()
        return [("duplicate_person", *found) for found in duplicates]

    def dwellings_step(self) -> list[tuple]:
        stage = self.stage
        found = [("duplicate_dwelling", *row) for row in stage.duplicate_dwellings()]
        found += [("unknown_owner", *row) for row in stage.unknown_owners()]
        stage.merge_dwellings()
        return found

    def report_step(self, problems: list[tuple]) -> None:
        for kind, *row in problems:
            if kind == "duplicate_person":
                index, iin = row
                self.fail("persons", index, iin, "iin", _("This IIN appears twice in the file."))
            elif kind == "duplicate_dwelling":
                index, code = row
                self.fail(
                    "dwellings",
                    index,
                    code,
                    "address_code",
                    _("This address code appears twice in the file."),
                )
            else:
                index, code, position = row
                self.fail(
                    "dwellings",
                    index,
                    code,
                    f"owners[{position}]",
                    _("No person with this IIN in the file or the register."),
                )

    def merge(self) -> None:
        stage = self.stage
        for section in self.STEPS:
            # A section read again after its step (a key twice in the file's object) is checked and merged
            # again: the checks see the whole staging table, and merging what is already merged changes nothing.
            if section not in self.steps or section in self.staged_after_step:
                self.queue_step(section)
        for section in self.STEPS:
            self.report_step(self.steps[section].result())
        stage.flush()

        for index, iin, field_name in stage.unknown_registration_references():
            message = (
                _("No person with this IIN in the file or the register.")
                if field_name == "iin"
                else _("No dwelling with this address code.")
            )
            self.fail("registrations", index, iin, field_name, message)
        for index, iin, other_code in stage.second_active_permanent():
            self.fail(
                "registrations",
                index,
                iin,
                "kind",
                _("This person already has an active permanent registration (at address code %(code)s).")
                % {"code": other_code},
            )
        if self.errors:
            raise PopulationImportError(self.sorted_errors())
        stage.merge_registrations()


def population_import(*, data: Any, bulk: bool | None = None) -> ImportSummary:
    """Load a population file's parsed JSON; raise PopulationImportError (and change nothing) on any bad record.

    ``bulk``: set the register's indexes and foreign keys aside during the load and build them once at its end
    (PostgreSQL; ``population_bulk.py``): None does it when the register's tables are empty."""
    return _run(_data_source(data), bulk)


def population_import_file(
    *, path: Path, progress: TextIO | None = None, bulk: bool | None = None
) -> ImportSummary:
    """Load a population file, read as a stream (bounded memory); a progress bar on ``progress`` if given.

    Raises PopulationImportError (nothing changed) on any bad record, PopulationFileError if it is not JSON.
    ``bulk`` as for ``population_import``.
    """
    bar = ProgressBar("import", path.stat().st_size, progress, unit=" B") if progress else None
    try:
        return _run(_file_source(path, bar), bulk)
    finally:
        if bar:
            bar.close()


def _run(source: Source, bulk: bool | None) -> ImportSummary:
    with (
        transaction.atomic(),
        Stage(today=timezone.localdate(), now=timezone.now()) as stage,
        bulk_load(bulk) as stage.summary.bulk,
    ):
        return _Importer(source, stage).run()
