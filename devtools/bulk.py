"""Development only: a synthetic national-scale population for ``manage.py seed_bulk`` and the benchmarks.

Persons with valid IINs (the birth date and sex in the first digits, a serial, the check digit), Kazakh names,
every recipient category; dwellings in every region, each with one to three owners; permanent and temporary
registrations; and a history of cases (owner's applications, mostly completed, some rejected, some still open)
with their ХҚТ ТП АЖ records, the registrations they ended and their simple-history rows. About one person in
ten is the subject of a case.

Rows are written as PostgreSQL COPY text (tab-separated) straight from generators, in chunks, all in one
transaction: no model instance is built. The data is deterministic (the same database and N give the same rows);
a second run adds N more persons after the first ones.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.db import connection, transaction
from django.utils import timezone

from citizens.iin import iin_check_digit
from citizens.models import Dwelling, Ownership, Person, Registration
from citizens.progress import ProgressBar
from deregistration.models import Application, ApplicationSubject, RegistryRecord
from deregistration.register_chain import chain_head_locked, chain_head_move, record_hash
from devtools.demo import FEMALE_NAMES, MALE_NAMES, SURNAMES

CHUNK_ROWS = 50_000
CASE_SHARE = 10  # one person in CASE_SHARE is the subject of a case
DAYS_OF_BIRTH = 29_200  # birth dates over 80 years
FIRST_BIRTH_DAY = dt.date(1940, 1, 1)
BULK_CODE_PREFIX = (
    "8"  # address codes of bulk dwellings: 16 digits starting with 8 (the demo's start with 02)
)

# Every region of the classifier (citizens.regions) with its Kazakh and Russian names and its centre;
# each region gets several KATO codes (its prefix, a district, a settlement).
REGIONS = (
    ("10", "Абай облысы", "область Абай", "Семей", "Семей"),
    ("11", "Ақмола облысы", "Акмолинская область", "Көкшетау", "Кокшетау"),
    ("15", "Ақтөбе облысы", "Актюбинская область", "Ақтөбе", "Актобе"),
    ("19", "Алматы облысы", "Алматинская область", "Қонаев", "Конаев"),
    ("23", "Атырау облысы", "Атырауская область", "Атырау", "Атырау"),
    ("27", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "Орал", "Уральск"),
    ("31", "Жамбыл облысы", "Жамбылская область", "Тараз", "Тараз"),
    ("33", "Жетісу облысы", "область Жетісу", "Талдықорған", "Талдыкорган"),
    ("35", "Қарағанды облысы", "Карагандинская область", "Қарағанды", "Караганда"),
    ("39", "Қостанай облысы", "Костанайская область", "Қостанай", "Костанай"),
    ("43", "Қызылорда облысы", "Кызылординская область", "Қызылорда", "Кызылорда"),
    ("47", "Маңғыстау облысы", "Мангистауская область", "Ақтау", "Актау"),
    ("55", "Павлодар облысы", "Павлодарская область", "Павлодар", "Павлодар"),
    ("59", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "Петропавл", "Петропавловск"),
    ("61", "Түркістан облысы", "Туркестанская область", "Түркістан", "Туркестан"),
    ("62", "Ұлытау облысы", "область Улытау", "Жезқазған", "Жезказган"),
    ("63", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "Өскемен", "Усть-Каменогорск"),
    ("71", "Астана қаласы", "город Астана", "Астана", "Астана"),
    ("75", "Алматы қаласы", "город Алматы", "Алматы", "Алматы"),
    ("79", "Шымкент қаласы", "город Шымкент", "Шымкент", "Шымкент"),
)
KATO_SUFFIXES = ("1010000", "1210000", "1410000", "3630000", "5250000")
STREETS = (
    ("Абай даңғылы", "проспект Абая"),
    ("Төле би көшесі", "улица Толе би"),
    ("Қабанбай батыр көшесі", "улица Кабанбай батыра"),
    ("Сәтбаев көшесі", "улица Сатпаева"),
    ("Достық даңғылы", "проспект Достык"),
    ("Тұран даңғылы", "проспект Туран"),
    ("Әл-Фараби даңғылы", "проспект аль-Фараби"),
    ("Желтоқсан көшесі", "улица Желтоксан"),
)
# (category, citizenship, document type) with a weight in a hundred.
CATEGORIES = (
    *[("citizen", "KAZ", "id_card")] * 95,
    ("foreign_resident", "RUS", "residence_permit"),
    ("foreign_resident", "UZB", "residence_permit"),
    ("foreign_resident", "CHN", "residence_permit"),
    ("stateless_resident", "XXX", "stateless_certificate"),
    ("refugee", "AFG", "refugee_certificate"),
)


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    return str(value)


def _line(*values: object) -> str:
    return "\t".join(map(_text, values)) + "\n"


def _row(columns: tuple[str, ...], **values: object) -> str:
    """A COPY line in the order of ``columns``; a column not given is NULL (so new nullable columns need no edit)."""
    return "\t".join(_text(values.get(c)) for c in columns) + "\n"


def table_columns(model, *, skip: frozenset[str] | set[str] = frozenset()) -> tuple[str, ...]:
    """The table's columns in the model's order (the order the row generators write them in)."""
    return tuple(f.column for f in model._meta.concrete_fields if f.name not in skip)


def new_iins(n: int, taken: set[str], serial_base: int = 1000) -> list[tuple[str, int, dt.date]]:
    """N valid IINs not in ``taken``, as (IIN, sex 0/1, birth date): the birth date and the century and sex
    digit lead, then a four-digit serial from ``serial_base``, then the check digit."""
    found: list[tuple[str, int, dt.date]] = []
    k = 0
    days = [FIRST_BIRTH_DAY + dt.timedelta(days=d) for d in range(DAYS_OF_BIRTH)]
    prefixes = [f"{d:%y%m%d}" for d in days]
    while len(found) < n:
        day = k % DAYS_OF_BIRTH
        rest = k // DAYS_OF_BIRTH
        sex = rest % 2
        birth = days[day]
        century = (3 if birth.year < 2000 else 5) + sex
        first_eleven = f"{prefixes[day]}{century}{serial_base + rest // 2:04d}"
        k += 1
        check = iin_check_digit(first_eleven)
        if check is None:
            continue
        iin = f"{first_eleven}{check}"
        if iin not in taken:
            found.append((iin, sex, birth))
    return found


def copy_rows(
    cursor, table: str, columns: tuple[str, ...], rows: Iterator[str], progress: ProgressBar | None
) -> int:
    """COPY text lines into ``table`` in chunks of CHUNK_ROWS; returns the number of rows."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
    count = 0
    buffer: list[str] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            raw.copy_expert(statement, io.StringIO("".join(buffer)))
            count += len(buffer)
            if progress:
                progress.update(len(buffer))
            buffer = []
    if buffer:
        raw.copy_expert(statement, io.StringIO("".join(buffer)))
        count += len(buffer)
        if progress:
            progress.update(len(buffer))
    return count


@dataclass
class Household:
    dwelling_id: int
    region: tuple[str, str, str, str, str]
    kato: str
    code: str
    address: str
    first: int  # index of the first resident person
    size: int
    owners: int


@dataclass
class BulkSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class BulkSeed:
    """Generates and COPYs the rows; ``run()`` does it all in one transaction."""

    def __init__(self, *, persons: int, progress: bool = True, stream: TextIO | None = None):
        self.n = persons
        self.progress = progress
        self.stream = stream
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.stamp = self.now.isoformat()

    # -- identifiers -----------------------------------------------------------------------------
    def next_ids(self, cursor, table: str) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]

    def iins(self, cursor) -> list[tuple[str, int, dt.date]]:
        """N new valid IINs (with sex and birth date), skipping those already in the register."""
        cursor.execute("SELECT iin FROM citizens_person")
        return new_iins(self.n, {row[0] for row in cursor.fetchall()})

    # -- the plan: who lives where, who is in a case -----------------------------------------------
    def households(self, dwelling_base: int, first_code: int) -> list[Household]:
        result = []
        index = h = 0
        while index < self.n:
            size = min(1 + (h * 7 + 3) % 4, self.n - index)  # 1..4 residents
            owners = 1 if size == 1 else min(1 + h % 3, size - 1)  # 1..3 owners, a tenant where there are two
            region = REGIONS[h % len(REGIONS)]
            kato = region[0] + KATO_SUFFIXES[(h // len(REGIONS)) % len(KATO_SUFFIXES)]
            street = STREETS[h % len(STREETS)]
            building, apartment = str(1 + h % 97), str(1 + h % 211)
            code = f"{BULK_CODE_PREFIX}{first_code + h:015d}"
            address = f"{region[1]}, {region[3]}, {street[0]}, {building}, пәтер {apartment}"
            result.append(Household(dwelling_base + h, region, kato, code, address, index, size, owners))
            index += size
            h += 1
        return result

    # -- rows -------------------------------------------------------------------------------------
    def person_rows(self, base: int, iins: list[tuple[str, int, dt.date]], homes: list[Household]):
        stamp = self.stamp
        for home in homes:
            birth_place = home.region[3]
            for i in range(home.first, home.first + home.size):
                iin, sex, birth = iins[i]
                category, citizenship, document = CATEGORIES[(i * 37) % 100]
                surname = SURNAMES[(home.dwelling_id + i // 3) % len(SURNAMES)][sex]
                first = (FEMALE_NAMES if sex else MALE_NAMES)[(i * 13) % 20]
                father = MALE_NAMES[(i * 7) % 20]
                patronymic = f"{father}{'қызы' if sex else 'ұлы'}" if category == "citizen" else ""
                issued = self.today - dt.timedelta(days=30 + (i * 11) % 3000)
                yield (
                    f"{base + i}\t{iin}\t{surname}\t{first}\t{patronymic}\t{birth}\t{birth_place}\t"
                    f"{'MF'[sex]}\t{citizenship}\t{category}\t{document}\t{i % 1_000_000_000:09d}\t{issued}\t"
                    f"ІІМ\t{stamp}\t{stamp}\n"
                )

    def dwelling_rows(self, homes: list[Household]):
        stamp = self.stamp
        for h, home in enumerate(homes):
            _prefix, region, region_ru, locality, locality_ru = home.region
            street, street_ru = STREETS[h % len(STREETS)]
            yield _line(
                home.dwelling_id,
                home.code,
                home.kato,
                "",
                region,
                region_ru,
                "",
                "",
                locality,
                locality_ru,
                street,
                street_ru,
                "",
                1 + h % 97,
                1 + h % 211,
                stamp,
                stamp,
            )

    def ownership_rows(self, base: int, person_base: int, homes: list[Household]):
        shares = {1: "1.0000", 2: "0.5000", 3: "0.3333"}
        n = 0
        for home in homes:
            since = self.today - dt.timedelta(days=400 + home.dwelling_id % 5000)
            for i in range(home.first, home.first + home.owners):
                yield f"{base + n}\t{home.dwelling_id}\t{person_base + i}\t{shares[home.owners]}\t{since}\t\\N\n"
                n += 1

    def plan_cases(self, homes: list[Household]) -> list[tuple[int, Household, Household | None]]:
        """(person index, home, former home or None): every CASE_SHARE-th tenant (never an owner) is in a case.

        A former home means a completed case: the person was deregistered there on its owner's application and
        is now registered at home; otherwise the case (open or rejected) is about the registration at home.
        """
        plan = []
        tenants = 0
        for h, home in enumerate(homes):
            for i in range(home.first + home.owners, home.first + home.size):
                tenants += 1
                if len(plan) * CASE_SHARE < self.n and tenants % 2 == 0 and len(homes) > 1:
                    kind = len(plan) % 20  # 17 completed, 2 rejected, 1 open in twenty
                    former = homes[(h + 7) % len(homes)] if len(homes) > 1 else None
                    if former is home:
                        former = homes[(h + 1) % len(homes)]
                    former = former if kind < 17 else None
                    plan.append((i, home, former))
        return plan

    def run(self) -> BulkSummary:
        if connection.vendor != "postgresql":
            raise RuntimeError(
                "seed_bulk writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        started = time.monotonic()
        summary = BulkSummary()
        with transaction.atomic(), connection.cursor() as cursor:
            summary.counts = self._load(cursor)
            cursor.execute("ANALYZE")
        summary.seconds = time.monotonic() - started
        return summary

    def _bar(self, label: str, total: int) -> ProgressBar | None:
        return ProgressBar(label, total, self.stream) if self.progress else None

    def _copy(self, cursor, label, table, columns, rows, total) -> int:
        bar = self._bar(label, total)
        count = copy_rows(cursor, table, columns, rows, bar)
        if bar:
            bar.close()
        return count

    def _load(self, cursor) -> dict[str, int]:
        ids = {
            t: self.next_ids(cursor, t)
            for t in (
                "citizens_person",
                "citizens_dwelling",
                "citizens_ownership",
                "citizens_registration",
                "deregistration_application",
                "deregistration_applicationsubject",
                "deregistration_registryrecord",
            )
        }
        cursor.execute(
            "SELECT COALESCE(MAX(address_code), '') FROM citizens_dwelling "
            "WHERE address_code LIKE %s AND length(address_code) = 16",
            [BULK_CODE_PREFIX + "%"],
        )
        last_code = cursor.fetchone()[0]
        first_code = int(last_code[1:]) + 1 if last_code else 1
        iins = self.iins(cursor)
        homes = self.households(ids["citizens_dwelling"], first_code)
        person_base = ids["citizens_person"]
        counts = {}
        counts["persons"] = self._copy(
            cursor,
            "persons",
            "citizens_person",
            table_columns(Person, skip={"account"}),
            self.person_rows(person_base, iins, homes),
            self.n,
        )
        counts["dwellings"] = self._copy(
            cursor,
            "dwellings",
            "citizens_dwelling",
            table_columns(Dwelling),
            self.dwelling_rows(homes),
            len(homes),
        )
        counts["ownerships"] = self._copy(
            cursor,
            "ownerships",
            "citizens_ownership",
            table_columns(Ownership),
            self.ownership_rows(ids["citizens_ownership"], person_base, homes),
            sum(h.owners for h in homes),
        )
        plan = self.plan_cases(homes)
        history = _CaseHistory(self, ids, person_base, iins, plan)
        counts["registrations"] = self._copy(
            cursor,
            "registrations",
            "citizens_registration",
            table_columns(Registration),
            history.registration_rows(homes),
            history.registration_total(homes),
        )
        head = chain_head_locked()
        history.chain_seq, history.chain_hash = head.seq, head.hash
        for label, table, columns, rows, total in history.case_tables():
            counts[label] = self._copy(cursor, label, table, columns, rows, total)
        chain_head_move(seq=history.chain_seq, hash=history.chain_hash)
        for table in ids:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        return counts


APPLICATION_COLUMNS = table_columns(Application)
REGISTER_COLUMNS = table_columns(RegistryRecord)
SUBJECT_COLUMNS = table_columns(ApplicationSubject)
# The history tables' own key (history_id) is left to the database's identity column.
APPLICATION_HISTORY_COLUMNS = table_columns(Application.history.model, skip={"history_id"})
SUBJECT_HISTORY_COLUMNS = table_columns(ApplicationSubject.history.model, skip={"history_id"})
EMPTY_APPLICATION_TEXT = dict.fromkeys(
    ("rejection_comment", "idempotency_key", "request_fingerprint", "signed_request"), ""
)


class _CaseHistory:
    """The registrations of every person and the cases, subjects and register records of the planned cases."""

    TEMPORARY_SHARE = 20  # one person in twenty also holds a temporary registration

    def __init__(self, seed: BulkSeed, ids: dict[str, int], person_base: int, iins, plan):
        self.seed = seed
        self.ids = ids
        self.person_base = person_base
        self.iins = iins
        self.plan = plan
        self.case_of = {i: n for n, (i, _home, _former) in enumerate(plan)}
        self.registration_of: dict[int, int] = {}  # case number -> the registration the case is about
        self.numbers = [f"DR-B{ids['deregistration_application'] + n:010d}" for n in range(len(plan))]
        self.submitted = [
            seed.now - dt.timedelta(minutes=(len(plan) - n) * 7)
            if self.kind(n) == "open"
            # closed cases are spread over the last three years, oldest first
            else seed.now - dt.timedelta(days=1 + (len(plan) - n) * 1095 // max(len(plan), 1), hours=n % 9)
            for n in range(len(plan))
        ]

    @staticmethod
    def kind(n: int) -> str:
        k = n % 20
        return "completed" if k < 17 else ("rejected" if k < 19 else "open")

    def registration_total(self, homes: list[Household]) -> int:
        temporary = len(range(0, self.seed.n, self.TEMPORARY_SHARE))
        former = sum(1 for _i, _h, former in self.plan if former is not None)
        return self.seed.n + temporary + former

    def registration_rows(self, homes: list[Household]) -> Iterator[str]:
        rid = self.ids["citizens_registration"]
        today = self.seed.today
        pb = self.person_base
        for h, home in enumerate(homes):
            for i in range(home.first, home.first + home.size):
                n = self.case_of.get(i)
                since = today - dt.timedelta(days=200 + (i * 31) % 7000)
                if n is not None and self.plan[n][2] is not None:
                    # Deregistered from the former home by the case, registered at home the day after.
                    former = self.plan[n][2]
                    ended = self.submitted[n].date()
                    start = ended - dt.timedelta(days=365 + i % 1000)
                    yield (
                        f"{rid}\t{pb + i}\t{former.dwelling_id}\tpermanent\t{start}\t\\N\t{ended}\t"
                        f"owner_application\t{self.numbers[n]}\n"
                    )
                    self.registration_of[n] = rid
                    rid += 1
                    since = ended + dt.timedelta(days=1)
                elif n is not None:
                    self.registration_of[n] = rid
                yield f"{rid}\t{pb + i}\t{home.dwelling_id}\tpermanent\t{since}\t\\N\t\\N\t\t\n"
                rid += 1
                other = homes[(h + 3) % len(homes)]
                if i % self.TEMPORARY_SHARE == 0 and other is not home:
                    start = today - dt.timedelta(days=10 + i % 300)
                    until = start + dt.timedelta(days=365)
                    yield f"{rid}\t{pb + i}\t{other.dwelling_id}\ttemporary\t{start}\t{until}\t\\N\t\t\n"
                    rid += 1

    def case_tables(self):
        yield (
            "cases",
            "deregistration_application",
            APPLICATION_COLUMNS,
            self.application_rows(),
            len(self.plan),
        )
        yield (
            "register",
            "deregistration_registryrecord",
            REGISTER_COLUMNS,
            self.record_rows(),
            sum(1 for _i, _home, former in self.plan if former is not None),
        )
        yield (
            "subjects",
            "deregistration_applicationsubject",
            SUBJECT_COLUMNS,
            self.subject_rows(),
            len(self.plan),
        )
        closed = sum(1 for n in range(len(self.plan)) if self.kind(n) != "open")
        yield (
            "case history",
            Application.history.model._meta.db_table,
            APPLICATION_HISTORY_COLUMNS,
            self.application_history_rows(),
            len(self.plan) + closed,
        )
        yield (
            "subject history",
            ApplicationSubject.history.model._meta.db_table,
            SUBJECT_HISTORY_COLUMNS,
            self.subject_history_rows(),
            len(self.plan) + closed,
        )

    def _case_home(self, n: int) -> Household:
        _i, home, former = self.plan[n]
        return former if former is not None else home

    def channel(self, n: int) -> str:
        return "portal" if n % 3 else "state_corporation"

    def application_values(self, n: int) -> dict[str, object]:
        """Case ``n`` as it stands now, by column."""
        home = self._case_home(n)
        submitted = self.submitted[n]
        deadline = submitted + dt.timedelta(minutes=30)
        kind = self.kind(n)
        completed = submitted + dt.timedelta(minutes=3) if kind == "completed" else None
        decided = submitted + dt.timedelta(minutes=5) if kind != "open" else None
        ground, code = ("requirements_not_met", "not_registered_here") if kind == "rejected" else ("", "")
        status = {"completed": "completed", "rejected": "rejected", "open": "submitted"}[kind]
        return dict(
            id=self.ids["deregistration_application"] + n,
            number=self.numbers[n],
            case_type="owner_application",
            channel=self.channel(n),
            status=status,
            applicant_id=self.person_base + home.first,  # the home's first owner applies
            dwelling_id=home.dwelling_id,
            issue_slip="f",
            submitted_at=submitted.isoformat(),
            deadline_at=deadline.isoformat(),
            completed_at=completed.isoformat() if completed else None,
            decided_at=decided.isoformat() if decided else None,
            rejection_ground=ground,
            rejection_reason_code=code,
            **EMPTY_APPLICATION_TEXT,
        )

    def application_rows(self) -> Iterator[str]:
        for n in range(len(self.plan)):
            yield _row(APPLICATION_COLUMNS, **self.application_values(n))

    def application_history_rows(self) -> Iterator[str]:
        """django-simple-history's rows of each case, as the services leave them: ``+`` when it was submitted,
        ``~`` when it was decided (the case as it stands now)."""
        for n in range(len(self.plan)):
            now = self.application_values(n)
            submitted = {
                **now,
                "status": "submitted",
                "completed_at": None,
                "decided_at": None,
                "rejection_ground": "",
                "rejection_reason_code": "",
            }
            yield _row(
                APPLICATION_HISTORY_COLUMNS, **submitted, history_date=now["submitted_at"], history_type="+"
            )
            if now["status"] != "submitted":
                changed = now["completed_at"] or now["decided_at"]
                yield _row(APPLICATION_HISTORY_COLUMNS, **now, history_date=changed, history_type="~")

    def record_id(self, n: int) -> int:
        """Register records are numbered in the order of the completed cases."""
        return self.ids["deregistration_registryrecord"] + (n // 20) * 17 + n % 20

    def record_rows(self) -> Iterator[str]:
        for n, (i, _home, former) in enumerate(self.plan):
            if former is None:
                continue
            iin, sex, _birth = self.iins[i]
            # The names are the person rows' (same formulas), so the record matches the person.
            surname = SURNAMES[(_home.dwelling_id + i // 3) % len(SURNAMES)][sex]
            first = (FEMALE_NAMES if sex else MALE_NAMES)[(i * 13) % 20]
            category = CATEGORIES[(i * 37) % 100][0]
            patronymic = (
                f"{MALE_NAMES[(i * 7) % 20]}{'қызы' if sex else 'ұлы'}" if category == "citizen" else ""
            )
            effective = self.submitted[n].date()
            recorded = self.submitted[n] + dt.timedelta(minutes=3)
            values = {
                "iin": iin,
                "last_name": surname,
                "first_name": first,
                "patronymic": patronymic,
                "address_code": former.code,
                "kato": former.kato,
                "address": former.address,
                "case_type": "owner_application",
                "reason": "owner_application",
                "basis": "Owner's application " + self.numbers[n],
                "application_number": self.numbers[n],
                "registration_id": self.registration_of[n],
                "registered_on": effective - dt.timedelta(days=365 + i % 1000),
                "effective_date": effective,
                "recorded_at": recorded,
                "channel": self.channel(n),
                "operator": "" if self.channel(n) == "portal" else "operator",
            }
            # Each record chained to the one before it, as every writer of ХҚТ ТП АЖ must (the head is locked
            # by ``_load`` for the whole transaction and moved after the COPY).
            self.chain_seq += 1
            values["seq"] = self.chain_seq
            digest = record_hash(values, self.chain_hash)
            yield _row(
                REGISTER_COLUMNS,
                **values,
                id=self.record_id(n),
                prev_hash=self.chain_hash,
                hash=digest,
            )
            self.chain_hash = digest

    def subject_values(self, n: int) -> dict[str, object]:
        i, _home, _former = self.plan[n]
        kind = self.kind(n)
        return {
            "id": self.ids["deregistration_applicationsubject"] + n,
            "application_id": self.ids["deregistration_application"] + n,
            "person_id": self.person_base + i,
            "registration_id": self.registration_of[n],
            "outcome": {"completed": "deregistered", "rejected": "refused", "open": "pending"}[kind],
            "registry_record_id": self.record_id(n) if kind == "completed" else None,
            "position": 0,
            "slip_status": "not_requested",
            "slip_error": "",
        }

    def subject_rows(self) -> Iterator[str]:
        for n in range(len(self.plan)):
            yield _row(SUBJECT_COLUMNS, **self.subject_values(n))

    def subject_history_rows(self) -> Iterator[str]:
        """Each subject's history: ``+`` pending with its case, ``~`` with its outcome once the case was decided."""
        for n in range(len(self.plan)):
            now = self.subject_values(n)
            case = self.application_values(n)
            pending = {**now, "outcome": "pending", "registry_record_id": None}
            yield _row(
                SUBJECT_HISTORY_COLUMNS, **pending, history_date=case["submitted_at"], history_type="+"
            )
            if now["outcome"] != "pending":
                changed = case["completed_at"] or case["decided_at"]
                yield _row(SUBJECT_HISTORY_COLUMNS, **now, history_date=changed, history_type="~")


def seed_bulk(*, persons: int, progress: bool = True, stream: TextIO | None = None) -> BulkSummary:
    """Add ``persons`` synthetic persons (and their dwellings, registrations and case history) on PostgreSQL."""
    return BulkSeed(persons=persons, progress=progress, stream=stream).run()
