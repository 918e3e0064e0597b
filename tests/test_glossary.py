"""Every term of the service's glossary appears in one form only, in every language.

The glossary (``docs/glossary.md``) gives each term of the service in Kazakh, Russian and English as the
service passport and the government use them. Here each term's known wrong variants are listed with the form to
use instead, and checked over:

* the catalogues ``locale/{kk,ru}/LC_MESSAGES/django.po`` (each language's translations) and the English
  source strings (the msgids);
* the templates (``templates/``, the slip's among them) and the product's Python sources (``config/``,
  ``citizens/``, ``deregistration/``; migrations are history and are left out), where every text
  segment is checked against the rules of the language it is written in.

A new wording of a listed term fails here with the form to use; a new term goes into ``VARIANTS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_translations import catalogue, po_path

ROOT = Path(settings.BASE_DIR)
# devtools/ is left out: its demo population is data (names such as «Пётр» are written as people write them).
SOURCE_DIRS = ("config", "citizens", "deregistration")
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Templates and sources mix languages on one line ("ЖСН / ИИН", a pair of strings): the text is cut at quotes,
# tags, slashes and separators, and each piece is checked against the rules of its own language.
SEGMENT_BREAKS = re.compile(r"[\"'<>/|·{}\[\]]")


@dataclass(frozen=True)
class Variant:
    language: str  # "kk", "ru" or "en" (en: the English source strings)
    pattern: str  # a regular expression, matched without regard to case
    use: str  # the glossary's form
    msgid: str | None = None  # only in the translations of the messages whose msgid matches this
    catalogue_only: bool = False  # a pattern that legitimately appears in data or in the other language

    def finds(self, text: str) -> list[str]:
        return [m.group(0) for m in re.finditer(self.pattern, text, flags=re.IGNORECASE)]


VARIANTS = [
    # --- the service's name -------------------------------------------------------------------------------------
    Variant(
        "kk",
        r"Халықты тұрғылықты",
        "Қазақстан Республикасының халқын тұрғылықты жері бойынша тіркеу есебінен шығару",
    ),
    Variant(
        "kk",
        r"(?<!Республикасының )\bхалқын тұрғылықты",
        "Қазақстан Республикасының халқын тұрғылықты жері бойынша ...",
    ),
    Variant(
        "ru",
        r"Снятие населения",
        "Снятие с регистрационного учета по месту жительства населения Республики Казахстан",
    ),
    # --- deregistration: one form per language ------------------------------------------------------------------
    Variant("kk", r"тіркеуден (шығар|шығу|алу|алын)", "тіркеу есебінен шығару"),
    Variant("ru", r"\bсн[яи]\w*(\(\w+\))?\s+(\w+\s+)?с\s+учета", "снятие с регистрационного учета"),
    Variant("ru", r"\bсн[яи]\w*\s+(\w+\s+)?с\s+регистрации", "снятие с регистрационного учета"),
    Variant("ru", r"\bснятия?\s+с\s+учета", "снятие с регистрационного учета"),
    # --- the address registration code ----------------------------------------------------------------------------
    Variant("kk", r"мекенжай тіркелім", "мекенжайдың тіркеу коды (МТК)"),
    Variant("kk", r"мекенжай коды \(МТК\)", "мекенжайдың тіркеу коды (МТК)"),
    Variant(
        "ru",
        r"(?:^|[^\w\s]\s*|\b(?!регистрационн)\w+\s+)код\w* адреса \(РКА\)",
        "регистрационный код адреса (РКА)",
    ),
    Variant("en", r"address register code", "address registration code"),
    # --- leaving for permanent residence abroad ---------------------------------------------------------------------
    Variant("ru", r"\bПМЖ\b", "постоянное место жительства"),
    Variant("ru", r"постоянное жительство", "постоянное место жительства"),
    Variant("ru", r"постоянное место жительства за границу", "за пределы Республики Казахстан"),
    Variant("kk", r"тұрақты тұруға кету", "тұрақты тұруға шығу"),
    Variant("kk", r"шетелге тұрақты", "Қазақстан Республикасының шегінен тыс жерге тұрақты тұруға шығу"),
    Variant("kk", r"Республикасынан тыс", "Қазақстан Республикасының шегінен тыс жерге"),
    Variant("ru", r"о разрешении на выезд", "о выдаче разрешения на выезд"),
    Variant("ru", r"(?<!территориального )\bорган\w* полиции", "справка территориального органа полиции"),
    Variant("kk", r"(?<!аумақтық )\bполиция орган", "аумақтық полиция органы"),
    Variant("ru", r"Дата разрешения", "Дата выдачи разрешения"),
    # --- the court decision -----------------------------------------------------------------------------------------
    Variant("ru", r"вступ\w*\s+в\s+силу", "вступило в законную силу"),
    Variant("kk", r"(?<!заңды )\bкүшіне ен", "заңды күшіне енген"),
    # --- the seal certifies, a person signs -------------------------------------------------------------------------
    Variant("ru", r"подписан\w*\s+электронной печать", "заверен электронной печатью"),
    Variant("kk", r"мөрмен қол қой", "электрондық мөрмен куәландырылған"),
    # --- the slip: the person deregistered in neutral words ---------------------------------------------------------
    Variant("ru", r"с которого снят\b", "Адрес, с которого снято с регистрационного учета лицо"),
    # --- citizenship: a stateless person's citizenship cell -----------------------------------------------------------
    Variant("ru", r"лицо", "без гражданства", msgid=r"^stateless$"),
    # --- channel, address parts, usernames ----------------------------------------------------------------------------
    Variant("kk", r"қызмет көрсету арнасы", "жүгіну арнасы"),
    Variant("ru", r"канал оказания услуги", "канал обращения"),
    Variant("kk", r"\bблок", "корпус"),
    Variant("ru", r"\bблок", "корпус"),
    Variant("kk", r"\bатау", "пайдаланушы аты", msgid=r"\b(user ?name|this name)\b"),
    # --- grammar ------------------------------------------------------------------------------------------------------
    Variant("kk", r"\bЖСН бар\b", "ЖСН-і бар адам"),
    Variant(
        "ru",
        r"\bне доверенным",
        "выдан удостоверяющим центром, которому нет доверия / не выдан доверенным ...",
    ),
    Variant("ru", r"адрес\w*[^.;]{0,40}, собственник\w* котор", "жилище, собственником которого ..."),
    # --- the co-owner -------------------------------------------------------------------------------------------------
    Variant("kk", r"тең меншік", "тұрғын үйдің ортақ иесі"),
    Variant("ru", r"совладел", "сособственник"),
    Variant("kk", r"меншік ие", "тұрғын үй иесі"),
    Variant("kk", r"жеке басты куәландыр", "жеке басын куәландыратын құжат"),
    # --- the State Corporation, the service provider and recipient, the applicant --------------------------------------
    Variant("kk", r"Мемкорпорация", "Мемлекеттік корпорация"),
    Variant("ru", r"Госкорпораци", "Государственная корпорация"),
    Variant("kk", r"(?<!көрсетілетін )\bқызметті? беруш", "көрсетілетін қызметті беруші"),
    Variant("kk", r"(?<!көрсетілетін )\bқызметті? алуш", "көрсетілетін қызметті алушы"),
    Variant("ru", r"поставщик\w* услуг", "услугодатель"),
    Variant("ru", r"получател\w* услуг", "услугополучатель"),
    Variant("kk", r"өтінім", "өтініш, өтініш беруші"),
    Variant("ru", r"подател\w* заявлени", "заявитель"),
    # --- the portal, the personal cabinet, notifications ---------------------------------------------------------------
    Variant("ru", r"портал\w* электронного", "веб-портал «электронного правительства»"),
    Variant("kk", r"электрондық үкімет\w* порта", "«электрондық үкімет» веб-порталы"),
    Variant("ru", r"персональн\w* кабинет", "личный кабинет"),
    Variant("kk", r"хабарландыру", "хабарлама"),
    Variant("ru", r"извещени|оповещени", "уведомление"),
    # --- EDS and IIN in their language ---------------------------------------------------------------------------------
    Variant("kk", r"\bЭЦП\b", "ЭЦҚ", catalogue_only=True),
    Variant("ru", r"\bЭЦҚ\b", "ЭЦП", catalogue_only=True),
    Variant("ru", r"\bЭП\b", "ЭЦП"),
    Variant("kk", r"\bИИН\b", "ЖСН", catalogue_only=True),
    Variant("ru", r"\bЖСН\b", "ИИН", catalogue_only=True),
    # --- the register's name in each language ----------------------------------------------------------------------------
    Variant("kk", r"ИС РП ДРН", "ХҚТ ТП АЖ", catalogue_only=True),
    Variant("ru", r"ХҚТ ТП АЖ", "ИС РП ДРН", catalogue_only=True),
    # --- the migration service, the departure slip ---------------------------------------------------------------------
    Variant("ru", r"миграционн\w* полици", "миграционная служба"),
    Variant("kk", r"көші-қон полиция", "көші-қон қызметі"),
    Variant(
        "ru",
        r"(?<!адресный )(?<!адресного )(?<!адресному )(?<!адресным )(?<!адресные )(?<!адресных )\bлисто?к\w* убытия",
        "адресный листок убытия",
    ),
    Variant("kk", r"(?<!мекенжайдан )\bкету парақ", "мекенжайдан кету парағы"),
    # --- the letter ё: the messages use е ---------------------------------------------------------------------------------
    Variant("ru", r"ё", "е"),
]


@dataclass(frozen=True)
class Finding:
    where: str
    variant: Variant
    found: str

    def __str__(self) -> str:
        return f"{self.where}: {self.found!r} ({self.variant.language}); use {self.variant.use!r}"


def language_of(text: str) -> str:
    if set(text) & KAZAKH_LETTERS:
        return "kk"
    return "ru" if CYRILLIC.search(text) else "en"


def findings_in_text(text: str, where: str) -> list[Finding]:
    """The variants in a template's or a source file's text, each piece checked in its own language."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for variant in VARIANTS:
            if variant.language == "en" and variant.finds(line):
                found += [Finding(f"{where}:{number}", variant, hit) for hit in variant.finds(line)]
        for piece in SEGMENT_BREAKS.split(line):
            language = language_of(piece)
            if language == "en":
                continue
            for variant in VARIANTS:
                if variant.language != language or variant.msgid or variant.catalogue_only:
                    continue
                found += [Finding(f"{where}:{number}", variant, hit) for hit in variant.finds(piece)]
    return found


def findings_in_catalogue(language: str) -> list[Finding]:
    _header, entries = catalogue(language)
    found = []
    for entry in entries:
        where = f"{po_path(language).relative_to(ROOT)} {entry.label}"
        texts = [entry.msgid, entry.msgid_plural or ""] if language == "en" else list(entry.msgstr.values())
        for variant in VARIANTS:
            if variant.language != language:
                continue
            if variant.msgid and not re.search(variant.msgid, entry.msgid, flags=re.IGNORECASE):
                continue
            for text in texts:
                found += [Finding(where, variant, hit) for hit in variant.finds(text)]
    return found


def source_files() -> list[Path]:
    files = sorted((ROOT / "templates").rglob("*.html"))
    for folder in SOURCE_DIRS:
        files += sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)
    return files


# --- the checker finds what the review found -----------------------------------------------------------------------

# The wordings the review of the catalogues and the slip found (issue 15), each of which must be caught.
REVIEWED = [
    ("kk", "Халықты тұрғылықты жері бойынша тіркеу есебінен шығару"),
    ("ru", "Снятие населения с регистрационного учета по месту жительства"),
    ("kk", "Мекенжай тіркелімінің толық коды (МТК) бойынша іздеу."),
    ("en", "Search by the full address register code (РКА)."),
    ("kk", "Қазақстан Республикасынан тыс жерге тұрақты тұруға кету"),
    ("ru", "Страна выезда на ПМЖ"),
    ("ru", "Выезд на постоянное жительство за пределы Республики Казахстан"),
    ("ru", "Настоящий документ подписан электронной печатью"),
    ("ru", "Дата решения / вступления в силу"),
    ("ru", "Адрес, с которого снят с регистрации"),
    ("ru", "Дата разрешения"),
    ("ru", "о снятии с регистрационного учёта по месту жительства"),
    ("kk", "Тіркеуден шығарылған мекенжай"),
    ("ru", "Снят(а) с учета"),
    ("kk", "Қызмет көрсету арнасы"),
    ("kk", "Абай даңғылы, 10, блок 2"),
    ("kk", "Көрсетілген ЖСН бар адам тізілімде табылмады."),
    ("ru", "Сертификат подписи выдан не доверенным удостоверяющим центром (НУЦ РК)."),
    ("ru", "по адресу %(address)s, собственником которого вы являетесь"),
    ("kk", "Тең меншік иесінің келісімі"),
    ("kk", "Жеке басты куәландыратын құжат"),
    ("kk", "Өтініш беруші бұл тұрғын үйдің меншік иесі емес."),
]


@pytest.mark.parametrize(("language", "text"), REVIEWED)
def test_the_checker_finds_each_variant_the_review_found(language, text):
    assert language_of(text) == language or language == "en"
    assert findings_in_text(text, "sample"), f"no variant found in {text!r}"


def test_the_checker_reads_conditions_on_the_message():
    username = next(v for v in VARIANTS if v.msgid and v.language == "kk")
    assert re.search(username.msgid, "A staff account already uses this name.", flags=re.IGNORECASE)
    assert username.finds("Бұл атауды қызметкердің есептік жазбасы пайдаланып отыр.")
    stateless = next(v for v in VARIANTS if v.msgid and v.language == "ru")
    assert re.search(stateless.msgid, "stateless")
    assert stateless.finds("лицо без гражданства")


def test_the_glossary_forms_are_not_variants_themselves():
    problems = []
    for variant in VARIANTS:
        if "..." in variant.use or "/" in variant.use:
            continue
        for other in VARIANTS:
            if other.language == variant.language and not other.msgid and other.finds(variant.use):
                problems.append(f"{variant.use!r} matches {other.pattern!r}")
    assert not problems, "\n".join(problems)


# --- the catalogues, templates and sources ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_catalogue_uses_the_glossary_terms(language):
    found = findings_in_catalogue(language)
    assert not found, f"{len(found)} variants of glossary terms:\n" + "\n".join(map(str, found))


def test_templates_and_sources_use_the_glossary_terms():
    found = []
    for path in source_files():
        found += findings_in_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, f"{len(found)} variants of glossary terms:\n" + "\n".join(map(str, found))
