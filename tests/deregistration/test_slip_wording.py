"""The departure slip's wording comes from the translation catalogues, in Kazakh and Russian side by side.

Each test renders a real PDF (drawn by deregistration/slip_layout.py) and reads its text back with pypdf: the corrected wording of issue 15
is what the slip prints, in both languages, whatever the language of the request that issued it.
"""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from django.utils import translation
from pypdf import PdfReader

from citizens.constants import STATELESS
from citizens.countries import country_names
from deregistration import pdf, slips
from deregistration.constants import Channel
from tests.deregistration.slip_samples import COURT, EMIGRATION, make_slip
from tests.test_glossary import findings_in_text


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def stateless_slip(ground) -> pdf.SlipData:
    """A slip as slips.py fills it in: issuer and channel from the catalogues, a stateless person."""
    base = make_slip(ground=ground)
    citizenship_kk, citizenship_ru = country_names(STATELESS)
    issuer_kk, issuer_ru = pdf.in_both(slips.MIGRATION_ISSUER)
    channel_kk, channel_ru = pdf.in_both(Channel.SERVICE_PROVIDER.label)
    person = dataclasses.replace(base.person, citizenship_kk=citizenship_kk, citizenship_ru=citizenship_ru)
    return dataclasses.replace(
        base,
        person=person,
        issuer_kk=issuer_kk,
        issuer_ru=issuer_ru,
        channel_kk=channel_kk,
        channel_ru=channel_ru,
        address_left=dataclasses.replace(base.address_left, block="2"),
    )


@pytest.fixture(scope="module")
def slips_text() -> dict[str, str]:
    """The text of an emigration slip and of a court decision's, rendered while the request was in English."""
    with translation.override("en"):
        return {
            "emigration": text_of(pdf.render_slip_pdf(stateless_slip(EMIGRATION))),
            "court": text_of(pdf.render_slip_pdf(stateless_slip(COURT))),
        }


KAZAKH = [
    "МЕКЕНЖАЙДАН КЕТУ ПАРАҒЫ",
    "тұрғылықты жері бойынша тіркеу есебінен шығару туралы",
    "Жүгіну арнасы",
    "Тұлға тіркеу есебінен шығарылған мекенжай",
    "Тіркеу есебінен шығарылған күні",
    "Тіркеу есебінен шығару негізі",
    "Мекенжайдың тіркеу коды (МТК)",
    "Үй / корпус / пәтер",
    "Жеке басын куәландыратын құжат",
    "Бұл құжат электрондық мөрмен куәландырылған",
    "Қазақстан Республикасы Ішкі істер министрлігінің көші-қон қызметі",
    "Көрсетілетін қызметті беруші (көші-қон қызметі)",
    "азаматтығы жоқ",
]
RUSSIAN = [
    "АДРЕСНЫЙ ЛИСТОК УБЫТИЯ",
    "о снятии с регистрационного учета по месту жительства",
    "Канал обращения",
    "Адрес, с которого лицо снято с регистрационного учета",
    "Дата снятия с регистрационного учета",
    "Основание снятия с регистрационного учета",
    "Регистрационный код адреса (РКА)",
    "Дом / корпус / квартира",
    "Настоящий документ заверен электронной печатью",
    "Миграционная служба Министерства внутренних дел Республики Казахстан",
    "Услугодатель (миграционная служба)",
]
EMIGRATION_WORDING = [
    "Қазақстан Республикасының шегінен тыс жерге тұрақты тұруға шығу",
    "Выезд на постоянное место жительства за пределы Республики Казахстан",
    "Рұқсат берілген күні",
    "Дата выдачи разрешения",
    "Тұрақты тұруға шығатын елі",
    "Страна выезда на постоянное место жительства",
]
COURT_WORDING = [
    "Тұрғын үй-жайды пайдалану құқығынан айыру туралы сот шешімі",
    "Решение суда о лишении права пользования жилым помещением",
    "заңды күшіне енген күні",
    "дата вступления в законную силу",
]
# What the review found on the slip (issue 15); none of it may be printed again.
NEVER = [
    "ПМЖ",
    "постоянное жительство",
    "подписан электронной печатью",
    "вступления в силу",
    "снят с регистрации",
    "Дата разрешения",
    "лицо без гражданства",
    "ё",
    "Тіркеуден шығар",
    "Қызмет көрсету арнасы",
    "Канал оказания услуги",
    "Республикасынан тыс",
]


@pytest.mark.parametrize("case", ["emigration", "court"])
def test_the_slip_prints_the_glossary_wording_in_kazakh_and_russian(slips_text, case):
    text = flat(slips_text[case])
    wanted = KAZAKH + RUSSIAN + (EMIGRATION_WORDING if case == "emigration" else COURT_WORDING)
    missing = [phrase for phrase in wanted if phrase not in text]
    assert not missing, f"not on the {case} slip: {missing}"
    found = [phrase for phrase in NEVER if phrase.lower() in text.lower()]
    assert not found, f"on the {case} slip: {found}"


@pytest.mark.parametrize("case", ["emigration", "court"])
def test_the_slip_text_passes_the_glossary_check(slips_text, case):
    # One line: a label wrapped inside its cell ("заңды / күшіне енген") is read as the phrase it is.
    assert not findings_in_text(flat(slips_text[case]), f"{case} slip")


@pytest.mark.parametrize("ground", [EMIGRATION, COURT], ids=["emigration", "court"])
def test_the_longest_slips_still_fit_on_one_page(ground):
    # The migration service's name and channel are the longest issuer and channel; a court's name wraps.
    document = pdf.render_slip_pdf(stateless_slip(ground))
    assert len(PdfReader(io.BytesIO(document)).pages) == 1


def test_the_citizenship_cell_of_a_stateless_person_says_without_citizenship(slips_text):
    text = slips_text["emigration"]
    line = next(line for line in text.splitlines() if "азаматтығы жоқ" in line)
    following = text.splitlines()[text.splitlines().index(line) + 1]
    assert re.search(r"\bбез гражданства\b", line + " " + following)
    assert "лицо без гражданства" not in text


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_the_labels_do_not_follow_the_requests_language(language):
    with translation.override(language):
        text = text_of(pdf.render_slip_pdf(make_slip()))
    assert "Slip number" not in text
    assert "Парақ нөмірі" in text
    assert "Номер листка" in text


def test_the_seal_gives_its_reason_in_both_languages():
    with translation.override("en"):
        assert " / ".join(pdf.in_both(pdf.SLIP_ISSUED)) == (
            "Мекенжайдан кету парағы берілді / Выдан адресный листок убытия"
        )
