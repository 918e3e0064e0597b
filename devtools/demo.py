"""A realistic, deterministic demo population, in the population file's format (DESIGN.md).

Households across several regions, Kazakh names written with ә ғ қ ң ө ұ ү һ і, every recipient category,
children under 16, owners with several residents, co-owned dwellings, permanent and temporary registrations.
The same call always gives the same file, so ``seed_demo`` (which imports it) is idempotent.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from citizens.iin import make_iin

# Kazakh surnames: (male form, female form).
SURNAMES = [
    ("Ахметов", "Ахметова"),
    ("Әбілқайыров", "Әбілқайырова"),
    ("Жақсыбеков", "Жақсыбекова"),
    ("Нұрғалиев", "Нұрғалиева"),
    ("Серікбаев", "Серікбаева"),
    ("Төлеуов", "Төлеуова"),
    ("Қасымов", "Қасымова"),
    ("Оспанов", "Оспанова"),
    ("Мұқанов", "Мұқанова"),
    ("Сәрсенбаев", "Сәрсенбаева"),
    ("Құрманғалиев", "Құрманғалиева"),
    ("Өтепов", "Өтепова"),
    ("Үсенов", "Үсенова"),
    ("Ұлықпанов", "Ұлықпанова"),
    ("Шәкенов", "Шәкенова"),
    ("Ғабдуллин", "Ғабдуллина"),
    ("Іскаков", "Іскакова"),
    ("Есенжолов", "Есенжолова"),
    ("Бекмұханбетов", "Бекмұханбетова"),
    ("Жұмабаев", "Жұмабаева"),
]
MALE_NAMES = [
    "Нұрлан",
    "Әлихан",
    "Ерлан",
    "Бауыржан",
    "Дәурен",
    "Қайрат",
    "Серік",
    "Ғалымжан",
    "Жәнібек",
    "Арман",
    "Өмірзақ",
    "Ұлан",
    "Үмбет",
    "Шаһмардан",
    "Ілияс",
    "Тимур",
    "Асқар",
    "Мұхтар",
    "Ерұлан",
    "Бекзат",
]
FEMALE_NAMES = [
    "Айгүл",
    "Әсем",
    "Гүлнар",
    "Мөлдір",
    "Жұлдыз",
    "Дана",
    "Іңкәр",
    "Сәуле",
    "Ақбота",
    "Ұлжан",
    "Аружан",
    "Гүлжаһан",
    "Әйгерім",
    "Ләззат",
    "Назерке",
    "Меруерт",
    "Томирис",
    "Зере",
    "Айым",
    "Қарлығаш",
]


@dataclass(frozen=True)
class Place:
    region: str
    region_ru: str
    locality: str
    locality_ru: str
    district: str
    district_ru: str
    kato: str
    postcode: str
    streets: tuple[tuple[str, str], ...]


PLACES = [
    Place(
        "Алматы қаласы",
        "город Алматы",
        "Алматы",
        "Алматы",
        "Алмалы ауданы",
        "Алмалинский район",
        "751110000",
        "A05C9Y",
        (
            ("Абай даңғылы", "проспект Абая"),
            ("Төле би көшесі", "улица Толе би"),
            ("Сәтбаев көшесі", "улица Сатпаева"),
        ),
    ),
    Place(
        "Алматы қаласы",
        "город Алматы",
        "Алматы",
        "Алматы",
        "Медеу ауданы",
        "Медеуский район",
        "751510000",
        "A25D5F",
        (("Достық даңғылы", "проспект Достык"), ("Қабанбай батыр көшесі", "улица Кабанбай батыра")),
    ),
    Place(
        "Астана қаласы",
        "город Астана",
        "Астана",
        "Астана",
        "Есіл ауданы",
        "район Есиль",
        "711410000",
        "Z05T3E",
        (("Қабанбай батыр даңғылы", "проспект Кабанбай батыра"), ("Тұран даңғылы", "проспект Туран")),
    ),
    Place(
        "Шымкент қаласы",
        "город Шымкент",
        "Шымкент",
        "Шымкент",
        "Әл-Фараби ауданы",
        "район Аль-Фараби",
        "791510000",
        "X15A0E",
        (("Тәуке хан даңғылы", "проспект Тауке хана"),),
    ),
    Place(
        "Қарағанды облысы",
        "Карагандинская область",
        "Қарағанды",
        "Караганда",
        "",
        "",
        "351010000",
        "M01A9F",
        (("Бұқар жырау даңғылы", "проспект Бухар жырау"), ("Ерубаев көшесі", "улица Ерубаева")),
    ),
    Place(
        "Ақтөбе облысы",
        "Актюбинская область",
        "Ақтөбе",
        "Актобе",
        "",
        "",
        "151010000",
        "D00K7C",
        (("Әбілқайыр хан даңғылы", "проспект Абулхаир хана"),),
    ),
    Place(
        "Атырау облысы",
        "Атырауская область",
        "Атырау",
        "Атырау",
        "",
        "",
        "231010000",
        "E01D2H",
        (("Сәтбаев даңғылы", "проспект Сатпаева"),),
    ),
    Place(
        "Павлодар облысы",
        "Павлодарская область",
        "Павлодар",
        "Павлодар",
        "",
        "",
        "551010000",
        "S03K1P",
        (("Лермонтов көшесі", "улица Лермонтова"),),
    ),
    Place(
        "Түркістан облысы",
        "Туркестанская область",
        "Түркістан",
        "Туркестан",
        "",
        "",
        "611010000",
        "B06T4A",
        (("Бекзат Саттарханов даңғылы", "проспект Бекзата Саттарханова"),),
    ),
]

# Non-citizens: (surname, name, patronymic, sex, citizenship, category, document type, issuer).
NON_CITIZENS = [
    ("Иванов", "Пётр", "Сергеевич", "M", "RUS", "foreign_resident", "residence_permit", "ІІМ КҚД"),
    ("Иванова", "Мария", "Петровна", "F", "RUS", "foreign_resident", "residence_permit", "ІІМ КҚД"),
    ("Каримов", "Шерзод", "Алишерович", "M", "UZB", "foreign_resident", "residence_permit", "ІІМ КҚД"),
    ("Li", "Wei", "", "M", "CHN", "foreign_resident", "residence_permit", "ІІМ КҚД"),
    ("Мамедов", "Рауф", "", "M", "XXX", "stateless_resident", "stateless_certificate", "ІІМ КҚД"),
    ("Ахмади", "Фарид", "", "M", "AFG", "refugee", "refugee_certificate", "ІІМ КҚД"),
    ("Ахмади", "Сабира", "", "F", "AFG", "refugee", "refugee_certificate", "ІІМ КҚД"),
    ("Haddad", "Omar", "", "M", "SYR", "refugee", "refugee_certificate", "ІІМ КҚД"),
]

# The example of DESIGN.md, kept so that the documentation's numbers work against the demo.
DESIGN_OWNER_IIN = "800315300018"
DESIGN_RESIDENT_IIN = "850722400028"
DESIGN_ADDRESS_CODE = "0201400012345678"


class _Population:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.persons: list[dict[str, Any]] = []
        self.dwellings: list[dict[str, Any]] = []
        self.registrations: list[dict[str, Any]] = []
        self.used: set[str] = {DESIGN_OWNER_IIN, DESIGN_RESIDENT_IIN}
        self.serial = 1000
        self.doc_serial = 41_000_000
        self.code_serial = 1_000_000

    def iin(self, birth: dt.date, sex: str) -> str:
        century = 3 if birth.year < 2000 else 5
        digit = century + (1 if sex == "F" else 0)
        while True:
            self.serial += 1
            iin = make_iin(f"{birth:%y%m%d}{digit}{self.serial % 10000:04d}")
            if iin and iin not in self.used:
                self.used.add(iin)
                return iin

    def birth(self, min_age: int, max_age: int) -> dt.date:
        today = dt.date(2026, 11, 1)
        return today - dt.timedelta(days=self.rng.randint(min_age * 365 + 10, max_age * 365 - 10))

    def person(
        self,
        *,
        last: str,
        first: str,
        patronymic: str,
        sex: str,
        birth: dt.date,
        citizenship: str = "KAZ",
        category: str = "citizen",
        doc_type: str | None = None,
        issuer: str = "ҚР ІІМ",
        iin: str = "",
        birth_place: str = "",
    ) -> dict[str, Any]:
        self.doc_serial += self.rng.randint(3, 97)
        adult = (dt.date(2026, 11, 1) - birth).days >= 16 * 365
        record = {
            "iin": iin or self.iin(birth, sex),
            "last_name": last,
            "first_name": first,
            "patronymic": patronymic,
            "birth_date": birth.isoformat(),
            "birth_place": birth_place or "Қазақстан",
            "sex": sex,
            "citizenship": citizenship,
            "category": category,
            "document": {
                "type": doc_type or ("id_card" if adult else "passport"),
                "number": f"0{self.doc_serial}",
                "issued_on": max(
                    birth + dt.timedelta(days=16 * 365 if adult else 30), dt.date(2016, 1, 15)
                ).isoformat(),
                "issued_by": issuer,
            },
        }
        self.persons.append(record)
        return record

    def dwelling(
        self,
        place: Place,
        owners: list[dict[str, Any]],
        *,
        code: str = "",
        apartment: bool = True,
        shares: list[str] | None = None,
    ) -> dict[str, Any]:
        self.code_serial += self.rng.randint(11, 999)
        street, street_ru = self.rng.choice(place.streets)
        record = {
            "address_code": code or f"02{place.kato[:3]}{self.code_serial:011d}",
            "kato": place.kato,
            "postcode": place.postcode,
            "region": place.region,
            "region_ru": place.region_ru,
            "district": place.district,
            "district_ru": place.district_ru,
            "locality": place.locality,
            "locality_ru": place.locality_ru,
            "street": street,
            "street_ru": street_ru,
            "building": str(self.rng.randint(1, 180)),
            "apartment": str(self.rng.randint(1, 240)) if apartment else "",
            "owners": [
                {
                    "iin": o["iin"],
                    "share": (shares or [None] * len(owners))[i] or str(round(1 / len(owners), 4)),
                    "since": "2012-04-10",
                }
                for i, o in enumerate(owners)
            ],
        }
        self.dwellings.append(record)
        return record

    def register(
        self,
        person: dict[str, Any],
        dwelling: dict[str, Any],
        kind: str = "permanent",
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        birth = dt.date.fromisoformat(person["birth_date"])
        start = (
            since
            or max(birth, dt.date(2014, 1, 1) + dt.timedelta(days=self.rng.randint(0, 3000))).isoformat()
        )
        record = {
            "iin": person["iin"],
            "address_code": dwelling["address_code"],
            "kind": kind,
            "registered_on": start,
        }
        if until:
            record["valid_until"] = until
        self.registrations.append(record)

    def family(
        self, place: Place, *, co_owned: bool = False, children: int = 2, tenants: int = 1, temporary: int = 0
    ) -> None:
        """An owner (or two co-owners), their children, and people registered there who may have moved out."""
        rng = self.rng
        male, female = rng.choice(SURNAMES)
        father_name = rng.choice(MALE_NAMES)
        grandfather = rng.choice(MALE_NAMES)
        owner = self.person(
            last=male, first=father_name, patronymic=f"{grandfather}ұлы", sex="M", birth=self.birth(35, 62)
        )
        spouse = self.person(
            last=female,
            first=rng.choice(FEMALE_NAMES),
            patronymic=f"{rng.choice(MALE_NAMES)}қызы",
            sex="F",
            birth=self.birth(32, 58),
        )
        owners = [owner, spouse] if co_owned else [owner]
        home = self.dwelling(place, owners, shares=["0.5", "0.5"] if co_owned else None)
        self.register(owner, home)
        self.register(spouse, home)
        for _ in range(children):
            sex = rng.choice("MF")
            child = self.person(
                last=male if sex == "M" else female,
                first=rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES),
                patronymic=f"{father_name}{'ұлы' if sex == 'M' else 'қызы'}",
                sex=sex,
                birth=self.birth(2, 15) if rng.random() < 0.7 else self.birth(16, 24),
            )
            self.register(
                child, home, since=child["birth_date"] if child["birth_date"] > "2014-01-01" else None
            )
        for _ in range(tenants):
            sex = rng.choice("MF")
            last = rng.choice(SURNAMES)[0 if sex == "M" else 1]
            tenant = self.person(
                last=last,
                first=rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES),
                patronymic=f"{rng.choice(MALE_NAMES)}{'ұлы' if sex == 'M' else 'қызы'}",
                sex=sex,
                birth=self.birth(19, 45),
            )
            self.register(tenant, home)
        for _ in range(temporary):
            sex = rng.choice("MF")
            last = rng.choice(SURNAMES)[0 if sex == "M" else 1]
            guest = self.person(
                last=last,
                first=rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES),
                patronymic="",
                sex=sex,
                birth=self.birth(18, 30),
            )
            self.register(guest, home, kind="temporary", since="2026-09-01", until="2027-06-30")


def demo_population(seed: int = 2026) -> dict[str, Any]:
    """The demo population file (at least 60 persons); the same seed always gives the same data."""
    pop = _Population(seed)
    # DESIGN.md's own example: Нұрлан Ахметов owns an apartment in Almaty where a tenant is registered.
    owner = pop.person(
        last="Ахметов",
        first="Нұрлан",
        patronymic="Серікұлы",
        sex="M",
        birth=dt.date(1980, 3, 15),
        iin=DESIGN_OWNER_IIN,
        issuer="ІІМ",
        birth_place="Алматы",
    )
    owner["document"].update({"number": "045612378", "issued_on": "2021-05-04"})
    tenant = pop.person(
        last="Сәрсенбаева",
        first="Әйгерім",
        patronymic="Қайратқызы",
        sex="F",
        birth=dt.date(1985, 7, 22),
        iin=DESIGN_RESIDENT_IIN,
        birth_place="Қарағанды",
    )
    home = pop.dwelling(PLACES[0], [owner], code=DESIGN_ADDRESS_CODE)
    home.update({"street": "Абай даңғылы", "street_ru": "проспект Абая", "building": "10", "apartment": "25"})
    pop.register(owner, home, since="2015-06-01")
    pop.register(tenant, home, since="2019-02-11")

    layout = [
        (0, {"co_owned": True, "children": 2, "tenants": 2}),
        (1, {"children": 3, "tenants": 1, "temporary": 1}),
        (2, {"co_owned": True, "children": 1, "tenants": 1}),
        (2, {"children": 2, "tenants": 2}),
        (3, {"children": 3, "tenants": 0, "temporary": 1}),
        (4, {"co_owned": True, "children": 2, "tenants": 1}),
        (5, {"children": 1, "tenants": 2}),
        (6, {"children": 2, "tenants": 1}),
        (7, {"children": 2, "tenants": 1, "temporary": 1}),
        (8, {"children": 3, "tenants": 1}),
    ]
    for place_index, options in layout:
        pop.family(PLACES[place_index], **options)

    # Foreigners, stateless persons and refugees, registered in citizens' dwellings (tenants).
    landlords = [d for d in pop.dwellings if len(d["owners"]) == 1][1:]
    for index, (last, first, patronymic, sex, country, category, doc_type, issuer) in enumerate(NON_CITIZENS):
        person = pop.person(
            last=last,
            first=first,
            patronymic=patronymic,
            sex=sex,
            birth=pop.birth(22, 50),
            citizenship=country,
            category=category,
            doc_type=doc_type,
            issuer=issuer,
            birth_place={
                "RUS": "Омск",
                "UZB": "Ташкент",
                "CHN": "Урумчи",
                "AFG": "Кабул",
                "SYR": "Алеппо",
            }.get(country, "Баку"),
        )
        kind = "temporary" if category == "refugee" else "permanent"
        pop.register(
            person,
            landlords[index % len(landlords)],
            kind=kind,
            until="2027-12-31" if kind == "temporary" else None,
        )
    return {"persons": pop.persons, "dwellings": pop.dwellings, "registrations": pop.registrations}
