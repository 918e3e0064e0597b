"""Sample departure slips (plain data, no database), shared by the PDF tests and bench/bench_slip.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

from deregistration import pdf

ALMATY = dt.timezone(dt.timedelta(hours=5))
KAZAKH_LETTERS = "әғқңөұүһі"
FULL_NAME = "Әбілқайыр Ғалымжан Төлеуұлы"
OWNER = "Сейтжанов Нұрлан Үмбетұлы"
VERIFY_URL = "https://dereg.example.kz/slips/verify/K7Q29XDMF4PA"


def make_slip(**changes) -> pdf.SlipData:
    data = pdf.SlipData(
        slip_number="КП-2025-000117",
        issued_at=dt.datetime(2025, 11, 27, 10, 5, tzinfo=ALMATY),
        issuer_kk="«Азаматтарға арналған үкімет» мемлекеттік корпорациясы» КеАҚ",
        issuer_ru="НАО «Государственная корпорация «Правительство для граждан»»",
        channel_kk="Мемлекеттік корпорация",
        channel_ru="Государственная корпорация",
        application_number="DR-2025-0000042",
        person=pdf.SlipPerson(
            iin="061211600012",
            last_name="Әбілқайыр",
            first_name="Ғалымжан",
            patronymic="Төлеуұлы",
            birth_date=dt.date(2006, 12, 11),
            birth_place="Шымкент қ.",
            sex="male",
            citizenship_kk="Қазақстан Республикасы",
            citizenship_ru="Республика Казахстан",
            document=pdf.IdentityDocument(
                type_kk="Жеке куәлік",
                type_ru="Удостоверение личности",
                number="051234987",
                issued_on=dt.date(2023, 1, 20),
                issued_by_kk="ҚР Ішкі істер министрлігі",
                issued_by_ru="МВД РК",
            ),
        ),
        address_left=pdf.SlipAddress(
            region_kk="Алматы қаласы",
            region_ru="город Алматы",
            district_kk="Алмалы ауданы",
            district_ru="Алмалинский район",
            locality_kk="Алматы қ.",
            locality_ru="г. Алматы",
            street_kk="Жібек жолы даңғылы",
            street_ru="проспект Жибек жолы",
            building="64",
            apartment="12",
            postcode="A05C9Y3",
            kato="751110000",
            address_code="0201100023456781",
        ),
        registered_on=dt.date(2015, 6, 1),
        deregistered_on=dt.date(2025, 11, 27),
        ground=pdf.SlipGround(case_type="owner_application", owner_full_name=OWNER),
        verification_code="K7Q2-9XDM-F4PA",
        verify_url=VERIFY_URL,
        destination=pdf.SlipDestination(address_kk="Шаһар: Түркістан қ.", address_ru="г. Туркестан"),
    )
    return dataclasses.replace(data, **changes)


EMIGRATION = pdf.SlipGround(
    case_type="emigration",
    permit_number="75-2025-003418",
    permit_issued_on=dt.date(2025, 11, 10),
    country_kk="Германия Федеративтік Республикасы",
    country_ru="Федеративная Республика Германия",
)
COURT = pdf.SlipGround(
    case_type="court_decision",
    court_kk="Алматы қаласы Алмалы аудандық №2 сотының азаматтық істер жөніндегі ауданаралық соты",
    court_ru="Специализированный межрайонный суд по гражданским делам города Алматы",
    court_case_number="7511-25-00-2/4417",
    decision_on=dt.date(2025, 9, 2),
    decision_in_force_on=dt.date(2025, 10, 3),
)
