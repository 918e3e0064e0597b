"""The Kazakh and Russian catalogues: complete, faithful to the placeholders, compiled, and used at run time.

The .po files under ``locale/`` are the source; the .mo files are built from them (``make messages``, i.e.
``manage.py compilemessages``) and are not committed. The catalogue checks read the .po files with the small
parser below (no extra dependency); the run-time checks need the compiled .mo files and say so if they are
missing or older than their .po.
"""

from __future__ import annotations

import gettext
import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from tests.deregistration.api.conftest import API, UNLIMITED, client_for

TRANSLATED = ("kk", "ru")
LANGUAGES = (*TRANSLATED, "en")
PLURAL_FORMS = {
    "kk": "nplurals=2; plural=(n != 1);",
    "ru": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);"
    ),
}
# Letters of the Kazakh alphabet that Russian does not have.
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Official Russian proper names written with Kazakh letters.
RUSSIAN_NAMES_WITH_KAZAKH_LETTERS = ("Жетісу", "Ұлытау")
# Strings that are the same in every language.
SAME_IN_EVERY_LANGUAGE = {"SHA-256"}
# printf-style placeholders as Python's % operator reads them: %(name)s, %d, %.2f; %% is a literal percent.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[a-zA-Z%])"
)
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")

COMPILE_HINT = "run `make messages` (or `.venv/bin/python manage.py compilemessages --ignore=.venv`)"


# --- a small .po reader ----------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        where = f"line {self.line}"
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{where}: {self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise AssertionError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the other live entries of a .po file (obsolete ``#~`` entries are left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int] | None = None  # the keyword that continuation lines add to

    def finish():
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                target = None
            continue
        if line.startswith("#,"):
            if entry is not None and entry.msgstr:
                finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if entry is None or target is None:
                raise AssertionError(f"{path}:{number}: a string continues nothing")
            value = _unquote(line, path, number)
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        if keyword in {"msgctxt", "msgid"} and entry is not None and entry.msgstr:
            finish()
        if entry is None:
            entry = Entry(line=number, flags=pending_flags)
            pending_flags = set()
        value = _unquote(rest, path, number)
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in {"msgctxt", "msgid", "msgid_plural"}:
            setattr(entry, keyword, value)
            target = (keyword, 0)
            if keyword == "msgid":
                entry.line = number
        elif keyword == "msgstr" or plural:
            index = int(plural.group(1)) if plural else 0
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected exactly one header entry, found {len(headers)}"
    return headers[0], [e for e in entries if e is not headers[0]]


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def placeholders(text: str) -> Counter:
    found = Counter()
    for match in PLACEHOLDER.finditer(text):
        if match.group("conv") == "%":
            continue
        found[match.group(0)] += 1
    found.update(BRACE_PLACEHOLDER.findall(text))
    return found


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    path = po_path(language)
    assert path.is_file(), f"{path} is missing: run `manage.py makemessages -l {language}`"
    return read_po(path)


def key(entry: Entry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


# --- the parser itself -------------------------------------------------------------------------------------


def test_the_po_reader_reads_multiline_strings_flags_and_plurals(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: ru\\n"',
                '"Content-Type: text/plain; charset=UTF-8\\n"',
                "",
                "#: a.py",
                "#, python-format",
                'msgid ""',
                '"Two %(n)s "',
                '"lines \\"quoted\\""',
                'msgstr "Две %(n)s строки"',
                "",
                "#, fuzzy",
                'msgid "One"',
                'msgid_plural "Many"',
                'msgstr[0] "Один"',
                'msgstr[1] ""',
                "",
                '#~ msgid "Old"',
                '#~ msgstr "Старое"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    header, entries = read_po(po)
    assert header_fields(header) == {"Language": "ru", "Content-Type": "text/plain; charset=UTF-8"}
    assert [(e.msgid, e.msgid_plural, e.msgstr, e.flags) for e in entries] == [
        ('Two %(n)s lines "quoted"', None, {0: "Две %(n)s строки"}, {"python-format"}),
        ("One", "Many", {0: "Один", 1: ""}, {"fuzzy"}),
    ]
    assert placeholders("%(a)s and %(b)d, %s, 100%% and {x}") == Counter(
        {"%(a)s": 1, "%(b)d": 1, "%s": 1, "{x}": 1}
    )


# --- the catalogues ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_names_the_language_and_utf8(language):
    header, _entries = catalogue(language)
    fields = header_fields(header)
    assert "fuzzy" not in header.flags, f"{po_path(language)}: the header is still marked fuzzy"
    assert fields.get("Language") == language
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    if language in PLURAL_FORMS:
        assert fields.get("Plural-Forms") == PLURAL_FORMS[language]


def test_every_catalogue_holds_the_same_messages():
    keys = {language: [key(e) for e in catalogue(language)[1]] for language in LANGUAGES}
    for language, found in keys.items():
        duplicates = [k for k, n in Counter(found).items() if n > 1]
        assert not duplicates, f"{language}: duplicate entries {duplicates}"
    english = set(keys["en"])
    assert english, "the English catalogue is empty: run makemessages"
    for language in TRANSLATED:
        assert set(keys[language]) == english, (
            f"{language} and en differ: only in {language}: {sorted(set(keys[language]) - english)}; "
            f"only in en: {sorted(english - set(keys[language]))}. Run makemessages for all languages."
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    header, entries = catalogue(language)
    nplurals = int(re.search(r"nplurals=(\d+)", header_fields(header)["Plural-Forms"]).group(1))
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label}")
        expected = set(range(nplurals)) if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected:
            problems.append(
                f"wrong plural forms {sorted(entry.msgstr)}, expected {sorted(expected)}: {entry.label}"
            )
        empty = [i for i, text in entry.msgstr.items() if not text.strip()]
        if empty:
            problems.append(f"untranslated: {entry.label}")
    assert not problems, f"{po_path(language)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders(language):
    _header, entries = catalogue(language)
    problems = []
    for entry in entries:
        if entry.msgid_plural is None:
            wanted = placeholders(entry.msgid)
            for text in entry.msgstr.values():
                if placeholders(text) != wanted:
                    problems.append(f"{entry.label}: {dict(placeholders(text))} != {dict(wanted)}")
        else:
            # A plural form may word the count out (Russian "один"), but may use no other placeholder.
            wanted = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            for index, text in entry.msgstr.items():
                if not set(placeholders(text)) <= set(wanted):
                    problems.append(
                        f"{entry.label} [{index}]: {dict(placeholders(text))} not in {dict(wanted)}"
                    )
    assert not problems, f"{po_path(language)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_in_the_language_not_copies_of_the_english(language):
    _header, entries = catalogue(language)
    copied = [
        entry.label
        for entry in entries
        if entry.msgid not in SAME_IN_EVERY_LANGUAGE
        # A msgid that is itself Cyrillic (the abbreviation РКА in the English source) may stay as it is.
        and any(
            (text == entry.msgid and not CYRILLIC.search(entry.msgid)) or not CYRILLIC.search(text)
            for text in entry.msgstr.values()
        )
    ]
    assert not copied, f"{language}: not translated into Cyrillic:\n" + "\n".join(copied)
    texts = [text for entry in entries for text in entry.msgstr.values()]
    letters = set("".join(texts))
    if language == "kk":
        assert set("әғқңөұүі") <= letters, "the Kazakh catalogue lacks Kazakh letters"
    else:
        # Official Russian names that keep their Kazakh letters (Decree No. 887 of 3 May 2022: «область Жетісу»,
        # «область Ұлытау»); any other Kazakh letter in Russian is a slip of the keyboard.
        leaked = {
            text
            for text in texts
            if set(re.sub("|".join(RUSSIAN_NAMES_WITH_KAZAKH_LETTERS), "", text)) & KAZAKH_LETTERS
        }
        assert not leaked, f"Kazakh letters in the Russian catalogue: {sorted(leaked)}"


# --- the sources against the catalogues ---------------------------------------------------------------------


def makemessages_arguments() -> list[str]:
    """The options of ``make makemessages`` (the Makefile's MAKEMESSAGES), so that this test runs what people run."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^MAKEMESSAGES := (.+)$", makefile, flags=re.MULTILINE)
    assert line, "the Makefile has no MAKEMESSAGES line"
    return shlex.split(line.group(1))


def test_every_translatable_string_of_the_sources_is_in_the_catalogues(tmp_path, settings, monkeypatch):
    """makemessages, run into a temporary folder, finds exactly the messages the catalogues hold: a new string
    that nobody translated (or a catalogue entry whose string left the sources) fails here."""
    arguments = makemessages_arguments()
    assert arguments[0] == "makemessages"
    options, rest = [], iter(arguments[1:])
    for argument in rest:
        language = next(rest) if argument == "-l" else None
        if language is None:
            options.append(argument)
    # makemessages writes next to the first folder named "locale" above a source file: the sources are linked
    # into a folder without one, so the catalogue lands in the temporary LOCALE_PATHS and locale/ is untouched.
    root, sources = Path(settings.BASE_DIR), tmp_path / "sources"
    held_catalogue = po_path("en")
    before = held_catalogue.stat().st_mtime_ns
    sources.mkdir()
    for entry in root.iterdir():
        if entry.name not in {"locale", ".git", ".venv"} and not entry.name.startswith("."):
            (sources / entry.name).symlink_to(entry)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    monkeypatch.chdir(sources)
    # The English catalogue is enough: the others are checked against it above.
    call_command("makemessages", "--locale=en", "--symlinks", *options, verbosity=0)
    assert held_catalogue.stat().st_mtime_ns == before, "makemessages wrote into locale/"
    extracted = read_po(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")[1]
    found = {key(entry) for entry in extracted}
    held = {key(entry) for entry in read_po(held_catalogue)[1]}
    assert found, "makemessages found no message at all"
    missing, stale = sorted(found - held, key=str), sorted(held - found, key=str)
    hint = "run `make makemessages` and translate the new messages in kk and ru"
    assert not missing, f"{hint}. In the sources but not in the catalogues: {missing}"
    assert not stale, f"{hint}. In the catalogues but not in the sources: {stale}"


# --- the compiled catalogues and the run time ----------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled():
    """The .mo files exist and hold what the .po files say; otherwise fail with the command to run."""
    for language in TRANSLATED:
        po, mo = po_path(language), mo_path(language)
        if not mo.is_file():
            pytest.fail(f"{mo} is missing: {COMPILE_HINT}", pytrace=False)
        if mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo} is older than {po.name}: {COMPILE_HINT}", pytrace=False)
        with mo.open("rb") as handle:
            messages = gettext.GNUTranslations(handle)
        _header, entries = read_po(po)
        stale = [
            e.label
            for e in entries
            if e.msgid_plural is None
            and (messages.gettext(e.msgid) if e.msgctxt is None else messages.pgettext(e.msgctxt, e.msgid))
            != e.msgstr[0]
        ]
        if stale:
            pytest.fail(
                f"{mo} does not match {po.name} ({len(stale)} messages): {COMPILE_HINT}", pytrace=False
            )


def _is_kazakh(text: str) -> bool:
    return bool(CYRILLIC.search(text)) and bool(set(text) & KAZAKH_LETTERS)


def _is_russian(text: str) -> bool:
    return bool(CYRILLIC.search(text)) and not set(text) & KAZAKH_LETTERS


IN_LANGUAGE = {"kk": _is_kazakh, "ru": _is_russian}
# Terms of the service passport that each language must use (SERVICE.md).
TERMS = {
    "kk": {"iin": "ЖСН", "deregistered": "тіркеу есебінен шығарылды", "owner": "иесінің өтініші"},
    "ru": {"iin": "ИИН", "deregistered": "сняты с регистрационного учета", "owner": "собственника"},
}


def _key_strings():
    from citizens.iin import iin_error
    from deregistration.constants import CaseType, NotificationKind, RefusalGround
    from deregistration.notifications import TEXTS

    return {
        "owner": str(CaseType.OWNER_APPLICATION.label),
        "iin": " ".join(iin_error("800315300019").messages),
        "iin_length": " ".join(iin_error("12345").messages),
        "deregistered": str(TEXTS[NotificationKind.APPLICATION_COMPLETED][0]),
        "ground": str(RefusalGround.UNRELIABLE_DOCUMENTS.label),
    }


@pytest.mark.parametrize("language", TRANSLATED)
def test_key_strings_come_out_translated(compiled, language):
    with translation.override("en"):
        english = _key_strings()
    with translation.override(language):
        translated = _key_strings()
    assert english["owner"] == "Owner's application"
    for name, text in translated.items():
        assert text != english[name], f"{language}: {name} is still English: {text!r}"
        assert IN_LANGUAGE[language](text), f"{language}: {name} is not in the language: {text!r}"
    for name, term in TERMS[language].items():
        assert term in translated[name], f"{language}: {name} should say {term!r}: {translated[name]!r}"
    assert "5" in translated["iin_length"], "the count placeholder was lost"
    assert "19" in translated["ground"], "the refusal ground should cite article 19"


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_api_answers_a_bad_request_in_the_callers_language(compiled, settings, language):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict(UNLIMITED)}
    cache.clear()

    def token_without_credentials(accept_language):
        response = client_for().post(
            f"{API}/auth/token/", {}, format="json", HTTP_ACCEPT_LANGUAGE=accept_language
        )
        assert response.status_code == 400, response.content
        return response

    english = token_without_credentials("en").json()
    response = token_without_credentials(language)
    body = response.json()
    cache.clear()

    assert response["Content-Language"] == language
    assert set(body["errors"]) == set(english["errors"]) == {"username", "password"}
    assert body["detail"] != english["detail"]
    assert IN_LANGUAGE[language](body["detail"]), body["detail"]
    for name, errors in body["errors"].items():
        assert [e["code"] for e in errors] == [e["code"] for e in english["errors"][name]]
        for error, original in zip(errors, english["errors"][name], strict=True):
            assert error["message"] != original["message"]
            assert CYRILLIC.search(error["message"]), error["message"]
