"""Factories for the population register and accounts, with a small Kazakh names provider."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model

from citizens.iin import make_iin
from citizens.models import Dwelling, Ownership, Person, Registration

KAZAKH_SURNAMES = [
    "Әбілқайыров",
    "Жақсыбеков",
    "Нұрғалиев",
    "Төлеуов",
    "Қасымов",
    "Өтепов",
    "Үсенов",
    "Ұлықпанов",
    "Ғабдуллин",
    "Іскаков",
    "Шаһмарданов",
    "Құрманғалиев",
]
KAZAKH_NAMES = [
    "Нұрлан",
    "Әлихан",
    "Ғалымжан",
    "Қайрат",
    "Дәурен",
    "Өмірзақ",
    "Ұлан",
    "Үмбет",
    "Іңкәр",
    "Гүлжаһан",
]

_iin_serials = itertools.count(1)


def next_iin(birth: dt.date = dt.date(1990, 1, 1), sex: str = "M") -> str:
    century = 3 if birth.year < 2000 else 5
    digit = century + (1 if sex == "F" else 0)
    while True:
        iin = make_iin(f"{birth:%y%m%d}{digit}{next(_iin_serials) % 10000:04d}")
        if iin and not Person.objects.filter(iin=iin).exists():
            return iin


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Pass-word-123")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    last_name = factory.Iterator(KAZAKH_SURNAMES)
    first_name = factory.Iterator(KAZAKH_NAMES)
    patronymic = "Серікұлы"
    birth_date = dt.date(1990, 1, 1)
    birth_place = "Алматы"
    sex = "M"
    citizenship = "KAZ"
    category = "citizen"
    document_type = "id_card"
    document_number = factory.Sequence(lambda n: f"0{40000000 + n}")
    document_issued_on = dt.date(2020, 5, 4)
    document_issued_by = "ҚР ІІМ"
    iin = factory.LazyAttribute(lambda o: next_iin(o.birth_date, o.sex))


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    address_code = factory.Sequence(lambda n: f"0275{n:012d}")
    kato = "751110000"
    postcode = "A05C9Y"
    region = "Алматы қаласы"
    region_ru = "город Алматы"
    locality = "Алматы"
    locality_ru = "Алматы"
    district = "Алмалы ауданы"
    district_ru = "Алмалинский район"
    street = "Абай даңғылы"
    street_ru = "проспект Абая"
    building = factory.Sequence(lambda n: str(n % 200 + 1))
    apartment = "25"


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ownership

    dwelling = factory.SubFactory(DwellingFactory)
    person = factory.SubFactory(PersonFactory)
    share = 1
    since = dt.date(2012, 4, 10)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    person = factory.SubFactory(PersonFactory)
    dwelling = factory.SubFactory(DwellingFactory)
    kind = "permanent"
    registered_on = dt.date(2018, 6, 1)
