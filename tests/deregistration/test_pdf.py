"""The departure slip PDF: what it says (as extractable text), how it is built, and its seal.

No database: the slip is rendered from plain values. The PKI is made on the fly with devtools.pki.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from deregistration import pdf, slip_layout
from devtools import pki
from tests.deregistration.slip_samples import (
    COURT,
    EMIGRATION,
    FULL_NAME,
    KAZAKH_LETTERS,
    OWNER,
    VERIFY_URL,
    make_slip,
)


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces folded, for phrases a cell may wrap."""
    return re.sub(r"\s+", " ", text)


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seal_pki(tmp_path_factory):
    """A throwaway root CA, the issuer's seal under it, a revoked seal, a CRL and a foreign root, as files."""
    directory = tmp_path_factory.mktemp("seal-pki")
    ca = pki.make_ca("Test Root CA")
    seal = pki.make_seal_certificate(ca, common_name="Мемлекеттік корпорация (TEST)")
    revoked = pki.make_seal_certificate(ca, common_name="Revoked seal (TEST)")
    foreign = pki.make_ca("Foreign Root CA")

    def write(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    return SimpleNamespace(
        ca=write("ca.pem", pki.certificate_pem(ca.certificate)),
        key=write("seal.key.pem", seal.key_pem),
        cert=write("seal.pem", seal.cert_pem),
        revoked_key=write("revoked.key.pem", revoked.key_pem),
        revoked_cert=write("revoked.pem", revoked.cert_pem),
        crl=write("ca.crl", pki.crl_pem(pki.make_crl(ca, [revoked.serial_number]))),
        foreign=write("foreign.pem", pki.certificate_pem(foreign.certificate)),
    )


@pytest.fixture(scope="module")
def slip_pdf() -> bytes:
    return pdf.render_slip_pdf(make_slip())


@pytest.fixture(scope="module")
def slip_text(slip_pdf) -> str:
    return text_of(slip_pdf)


@pytest.fixture(scope="session")
def sealed_pdf(seal_pki) -> bytes:
    return pdf.seal_pdf(
        pdf.render_slip_pdf(make_slip()),
        key_path=seal_pki.key,
        cert_path=seal_pki.cert,
        chain_paths=[seal_pki.ca],
    )


# --- what the slip says ---------------------------------------------------------------------------------


def test_title_reads_back_in_kazakh_and_russian(slip_text):
    assert "МЕКЕНЖАЙДАН КЕТУ ПАРАҒЫ" in slip_text
    assert "АДРЕСНЫЙ ЛИСТОК УБЫТИЯ" in slip_text


def test_person_name_reads_back_with_kazakh_letters_intact(slip_text):
    assert FULL_NAME in slip_text
    assert "Нұрлан" in slip_text
    for letter in KAZAKH_LETTERS:
        assert letter in slip_text.lower(), letter


def test_iin_address_ground_and_code_read_back(slip_text):
    text = flat(slip_text)
    assert "061211600012" in text
    for part in ("Алматы қаласы", "Алмалы ауданы", "Жібек жолы даңғылы", "751110000", "0201100023456781"):
        assert part in text, part
    assert "64 / — / 12" in text
    assert "Тұрғын үй иесінің өтініші" in text
    assert "Заявление собственника жилища" in text
    assert OWNER in text
    assert "K7Q2-9XDM-F4PA" in text
    assert VERIFY_URL in text
    assert "27.11.2025 10:05" in text


def test_issue_time_is_shown_in_almaty_time():
    utc_time = dt.datetime(2025, 11, 27, 5, 5, tzinfo=dt.UTC)
    assert "27.11.2025 10:05" in text_of(pdf.render_slip_pdf(make_slip(issued_at=utc_time)))


@pytest.mark.parametrize(
    ("ground", "expected"),
    [
        (
            EMIGRATION,
            ["75-2025-003418", "10.11.2025", "Германия Федеративтік Республикасы", "Выезд на постоянное"],
        ),
        (COURT, ["7511-25-00-2/4417", "02.09.2025 / 03.10.2025", "Решение суда о лишении права"]),
    ],
    ids=["emigration", "court_decision"],
)
def test_each_ground_shows_its_details(ground, expected):
    text = flat(text_of(pdf.render_slip_pdf(make_slip(ground=ground, destination=None))))
    for phrase in expected:
        assert phrase in text, phrase
    assert "Сведения отсутствуют" in text


@pytest.mark.parametrize(
    "ground", [EMIGRATION, COURT, make_slip().ground], ids=["emigration", "court", "owner"]
)
def test_a_typical_slip_fits_on_one_page(ground):
    document = pdf.render_slip_pdf(make_slip(ground=ground))
    assert len(PdfReader(io.BytesIO(document)).pages) == 1


def test_values_are_escaped_not_rendered_as_markup():
    person = dataclasses.replace(make_slip().person, last_name="<b>Әбілқайыр</b>")
    text = text_of(pdf.render_slip_pdf(make_slip(person=person)))
    assert "<b>Әбілқайыр</b>" in text


# --- how it is built ------------------------------------------------------------------------------------


def _fonts(document: bytes) -> list[dict]:
    reader = PdfReader(io.BytesIO(document))
    found = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2")
            found.append(
                {
                    "name": str(font["/BaseFont"]),
                    "program": program.get_object().get_data() if program else None,
                }
            )
    return found


def test_fonts_are_dejavu_and_embedded(slip_pdf):
    from fontTools.ttLib import TTFont

    fonts = _fonts(slip_pdf)
    assert len(fonts) == 2  # regular and bold, nothing else
    full_names = set()
    for font in fonts:
        assert "DejaVu" in font["name"], font["name"]
        assert font["program"], f"{font['name']} is not embedded as FontFile2"
        full_names.add(TTFont(io.BytesIO(font["program"]))["name"].getDebugName(4))
    assert full_names == {"DejaVu Sans", "DejaVu Sans Bold"}


def test_font_faces_come_from_static_fonts(monkeypatch):
    served = []
    allowed = pdf._allowed_font_path

    def recording(url):
        path = allowed(url)
        served.append(path)
        return path

    # A fresh font configuration, so that the @font-face rules are fetched again in this test.
    monkeypatch.setattr(pdf, "_font_config", None)
    monkeypatch.setattr(pdf, "_font_stylesheet", None)
    monkeypatch.setattr(pdf, "_allowed_font_path", recording)
    pdf.html_to_pdf("<html><body><p>Қазақ</p><p><b>Қазақ</b></p></body></html>")
    assert {path.name for path in served if path} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert all(path.parent == pdf.FONTS_DIR.resolve() for path in served)


def test_metadata_gives_title_language_and_author(slip_pdf):
    reader = PdfReader(io.BytesIO(slip_pdf))
    assert reader.metadata.title == "Мекенжайдан кету парағы / Адресный листок убытия № КП-2025-000117"
    assert "«Азаматтарға арналған үкімет»" in reader.metadata.author
    assert "Правительство для граждан" in reader.metadata.author
    assert reader.trailer["/Root"]["/Lang"] == "kk"
    # No personal data in the document's metadata.
    assert "061211600012" not in str(reader.metadata)
    assert "Әбілқайыр" not in str(reader.metadata)


def test_output_is_pdf_a_3u(slip_pdf):
    reader = PdfReader(io.BytesIO(slip_pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"


class RecordingCanvas:
    """Stands in for ReportLab's canvas: records the paths drawn and fails on any image."""

    def __init__(self):
        self.paths = []

    def beginPath(self):
        from reportlab.pdfgen.pathobject import PDFPathObject

        return PDFPathObject()

    def drawPath(self, path, **kwargs):
        self.paths.append((path.getCode(), kwargs))

    def setFillColorRGB(self, *rgb):
        pass

    def drawImage(self, *args, **kwargs):
        raise AssertionError("the QR code must not be an image")


def test_qr_code_is_one_vector_path_without_images(slip_pdf):
    import segno

    canvas = RecordingCanvas()
    slip_layout.draw_qr(canvas, VERIFY_URL, 0, 0, 100)
    assert len(canvas.paths) == 1
    code, options = canvas.paths[0]
    assert options == {"stroke": 0, "fill": 1}
    # one rectangle per run of dark modules, and the runs cover exactly segno's dark modules
    modules, runs = slip_layout.qr_runs(VERIFY_URL)
    assert code.count(" re") == len(runs)
    matrix = segno.make(VERIFY_URL, error="m", micro=False).matrix
    dark = {(row, column) for row, line in enumerate(matrix) for column, bit in enumerate(line) if bit}
    covered = {
        (row - slip_layout.QR_BORDER, column - slip_layout.QR_BORDER + step)
        for row, column, length in runs
        for step in range(length)
    }
    assert covered == dark
    assert modules == len(matrix) + 2 * slip_layout.QR_BORDER
    page = PdfReader(io.BytesIO(slip_pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    assert not any(xobject.get_object().get("/Subtype") == "/Image" for xobject in xobjects.values())


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_qr_code_decodes_to_the_verification_url(slip_pdf, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="needs zxing-cpp to decode the QR code")
    from PIL import Image

    source = tmp_path / "slip.pdf"
    source.write_bytes(slip_pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(source), str(tmp_path / "page")],  # noqa: S607
        check=True,
    )
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [result.text for result in results] == [VERIFY_URL]


def test_weasyprint_reportlab_and_pyhanko_are_not_imported_with_the_module():
    code = (
        "import django, sys; django.setup(); import deregistration.pdf; "
        "print('weasyprint' in sys.modules, 'pyhanko' in sys.modules, 'reportlab' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.split() == ["False", "False", "False"]


# --- the URL fetcher ------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/slip.css",
        "https://example.com/font.ttf",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "data:text/css,body{color:red}",
        "ftp://example.com/x.ttf",
        # inside static/, but outside static/fonts, or not a font, or climbing out with ".."
        (pdf.FONTS_DIR.parent / "fonts" / ".." / ".." / "config" / "settings" / "base.py").as_uri(),
        (pdf.FONTS_DIR / "LICENSE-DejaVu.txt").as_uri(),
        (pdf.FONTS_DIR / "missing.ttf").as_uri(),
        pdf.FONTS_DIR.resolve().as_uri() + "/%2e%2e/%2e%2e/config/settings/base.py",
    ],
)
def test_fetcher_refuses_everything_but_the_shipped_fonts(url, no_network):
    fetcher = pdf._make_url_fetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher(url)
    assert no_network == []


def test_fetcher_serves_a_shipped_font():
    response = pdf._make_url_fetcher()((pdf.FONTS_DIR / "DejaVuSans.ttf").resolve().as_uri())
    assert response.read() == (pdf.FONTS_DIR / "DejaVuSans.ttf").read_bytes()


def test_a_document_referencing_network_or_local_files_gets_nothing(no_network, caplog):
    html = """<!doctype html><html><head>
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
      <style>
        @import url("file:///etc/passwd");
        @font-face { font-family: Evil; src: url("file:///etc/passwd"); }
        body { background: url("http://127.0.0.1:9/track.png"); }
      </style></head><body>
      <img src="file:///etc/passwd" alt=""><img src="http://127.0.0.1:9/pixel.png" alt="">
      <object data="file:///etc/hostname"></object><iframe src="file:///etc/hostname"></iframe>
      <p style="font-family: Evil">ok</p>
    </body></html>"""
    document = pdf.html_to_pdf(html)
    assert no_network == []
    text = text_of(document)
    assert "root:" not in text
    page = PdfReader(io.BytesIO(document)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    assert not any(xobject.get_object().get("/Subtype") == "/Image" for xobject in xobjects.values())
    assert "refused to fetch" in caplog.text


# --- the seal -------------------------------------------------------------------------------------------


def test_seal_verifies_intact_valid_and_trusted(sealed_pdf, seal_pki):
    status = pdf.verify_pdf_seal(sealed_pdf, trust_roots_pem_paths=[seal_pki.ca], crl_paths=[seal_pki.crl])
    assert (status.intact, status.valid, status.trusted, status.unmodified) == (True, True, True, True)
    assert status.ok
    assert not status.revoked
    assert status.signer_common_name == "Мемлекеттік корпорация (TEST)"
    assert status.signed_at is not None
    assert abs(status.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_sealed_slip_keeps_its_text_and_pdf_a_metadata(sealed_pdf):
    assert FULL_NAME in text_of(sealed_pdf)
    reader = PdfReader(io.BytesIO(sealed_pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    producer = re.search(r'pdf:Producer="([^"]*)"', xmp) or re.search(r"<pdf:Producer>([^<]*)<", xmp)
    assert producer is not None
    # PDF/A: the Info dictionary and the XMP packet must agree.
    assert reader.metadata["/Producer"] == producer.group(1)
    assert 'pdfaid:part="3"' in xmp


def test_seal_is_a_pades_certification_signature(sealed_pdf):
    reader = PdfReader(io.BytesIO(sealed_pdf))
    field = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    signature = field["/V"].get_object()
    assert field["/T"] == "IssuerSeal"
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature["/Location"] == "Kazakhstan"
    assert "/DocMDP" in reader.trailer["/Root"]["/Perms"]


def _flip(document: bytes, offset: int) -> bytes:
    return document[:offset] + bytes([document[offset] ^ 0x01]) + document[offset + 1 :]


@pytest.mark.parametrize("where", ["header", "page content", "seal location"])
def test_changing_one_signed_byte_breaks_the_seal(sealed_pdf, seal_pki, where):
    if where == "header":
        offset = sealed_pdf.index(b"\n") + 2  # the binary-marker comment on line 2
    elif where == "page content":
        offset = sealed_pdf.index(b"stream", sealed_pdf.index(b"/Length")) + 40
    else:
        offset = sealed_pdf.index(b"/Location (Kazakhstan)") + 11  # in the signed range after /Contents
    tampered = _flip(sealed_pdf, offset)
    status = pdf.verify_pdf_seal(tampered, trust_roots_pem_paths=[seal_pki.ca])
    assert not status.ok
    assert not status.intact


def test_no_random_byte_change_in_the_signed_range_keeps_the_seal(sealed_pdf, seal_pki):
    """Flip bytes at random: the seal never survives a change in the signed range, and nothing raises."""
    start, first, second, _ = (
        int(n) for n in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", sealed_pdf).groups()
    )
    hole = range(start + first, second)  # /Contents: the signature itself, not signed
    rng = random.Random(20251127)
    for _ in range(120):
        offset = rng.randrange(len(sealed_pdf))
        tampered = bytearray(sealed_pdf)
        tampered[offset] ^= rng.choice([0x01, 0x20, 0xFF])
        status = pdf.verify_pdf_seal(bytes(tampered), trust_roots_pem_paths=[seal_pki.ca])
        if offset not in hole:
            assert not status.ok, offset


def test_seal_by_an_unknown_root_is_not_trusted(sealed_pdf, seal_pki):
    status = pdf.verify_pdf_seal(sealed_pdf, trust_roots_pem_paths=[seal_pki.foreign])
    assert status.intact
    assert status.valid
    assert not status.trusted
    assert not status.ok


def test_seal_with_a_revoked_certificate_is_not_trusted(slip_pdf, seal_pki):
    sealed = pdf.seal_pdf(
        slip_pdf, key_path=seal_pki.revoked_key, cert_path=seal_pki.revoked_cert, chain_paths=[seal_pki.ca]
    )
    status = pdf.verify_pdf_seal(sealed, trust_roots_pem_paths=[seal_pki.ca], crl_paths=[seal_pki.crl])
    assert status.intact
    assert status.valid
    assert status.revoked
    assert not status.trusted


def test_content_appended_after_the_seal_is_reported(sealed_pdf, seal_pki):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(sealed_pdf))
    info = writer.trailer.raw_get("/Info")
    info.get_object()["/Title"] = generic.TextStringObject("Something else")
    writer.mark_update(info)
    output = io.BytesIO()
    writer.write(output)
    status = pdf.verify_pdf_seal(output.getvalue(), trust_roots_pem_paths=[seal_pki.ca])
    assert status.intact
    assert status.valid
    assert status.trusted
    assert not status.unmodified
    assert not status.ok


@pytest.mark.parametrize(
    "document", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF\n"], ids=["empty", "text", "bare"]
)
def test_anything_but_a_sealed_pdf_is_not_sealed(document, seal_pki):
    assert pdf.verify_pdf_seal(document, trust_roots_pem_paths=[seal_pki.ca]) == pdf.NOT_SEALED


def test_unsealed_slip_is_not_sealed(slip_pdf, seal_pki):
    assert pdf.verify_pdf_seal(slip_pdf, trust_roots_pem_paths=[seal_pki.ca]) == pdf.NOT_SEALED


def test_seal_defaults_come_from_settings(settings, seal_pki, slip_pdf):
    settings.SLIP_SEAL_KEY = str(seal_pki.key)
    settings.SLIP_SEAL_CERT = str(seal_pki.cert)
    settings.SLIP_SEAL_CHAIN = str(seal_pki.ca)
    assert pdf.verify_pdf_seal(pdf.seal_pdf(slip_pdf), trust_roots_pem_paths=[seal_pki.ca]).ok


def test_missing_seal_key_is_a_seal_error(tmp_path, slip_pdf, seal_pki):
    with pytest.raises(pdf.SealError):
        pdf.seal_pdf(slip_pdf, key_path=tmp_path / "none.pem", cert_path=seal_pki.cert, chain_paths=())


def test_unreadable_seal_key_is_a_seal_error(tmp_path, slip_pdf, seal_pki):
    broken = tmp_path / "broken.key.pem"
    broken.write_text("not a key")
    with pytest.raises(pdf.SealError):
        pdf.seal_pdf(slip_pdf, key_path=broken, cert_path=seal_pki.cert, chain_paths=())


# --- the data's own checks ------------------------------------------------------------------------------


def test_naive_issue_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        make_slip(issued_at=dt.datetime(2025, 11, 27, 10, 5))


@pytest.mark.parametrize("url", ["/slips/verify/K7Q2", "javascript:alert(1)", "ftp://example.kz/x"])
def test_verify_url_must_be_absolute_http(url):
    with pytest.raises(ValueError, match="verify_url"):
        make_slip(verify_url=url)


@pytest.mark.parametrize(
    ("ground", "missing"),
    [
        ({"case_type": "owner_application"}, "owner_full_name"),
        ({"case_type": "emigration", "permit_number": "1"}, "permit_issued_on"),
        ({"case_type": "court_decision", "court_kk": "Сот"}, "court_case_number"),
        ({"case_type": "eviction"}, "unknown case_type"),
    ],
)
def test_ground_needs_the_details_of_its_kind(ground, missing):
    with pytest.raises(ValueError, match=missing):
        pdf.SlipGround(**ground)


def test_person_needs_a_twelve_digit_iin_and_a_known_sex():
    person = make_slip().person
    with pytest.raises(ValueError, match="IIN"):
        dataclasses.replace(person, iin="06121160001")
    with pytest.raises(ValueError, match="sex"):
        dataclasses.replace(person, sex="m")


def test_destination_needs_a_country_or_an_address():
    with pytest.raises(ValueError, match="destination"):
        pdf.SlipDestination(country_ru="Германия")
