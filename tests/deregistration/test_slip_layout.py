"""The slip drawn on a PDF canvas (deregistration/slip_layout.py): long values wrap and continue on a second page,
every wording is translated, and the document is PDF/A-3u with metadata that agree.

No database: the slip is rendered from plain values and read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.utils.functional import Promise
from pypdf import PdfReader

from deregistration import pdf, slip_layout, slip_pdfa, slip_wording
from tests.deregistration.slip_samples import COURT, EMIGRATION, VERIFY_URL, make_slip


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def long(words: str, times: int) -> str:
    return " ".join([words] * times)


def very_long_slip(ground) -> pdf.SlipData:
    """A slip whose names, addresses and court are many lines long each."""
    base = make_slip(ground=ground)
    person = dataclasses.replace(
        base.person,
        last_name=long("Әбілқайырұлы-Сейтжановтар", 6),
        birth_place=long("Түркістан облысы Сарыағаш ауданы Жібек жолы ауылы", 5),
        document=dataclasses.replace(
            base.person.document, issued_by_kk=long("Ішкі істер министрлігінің көші-қон қызметі", 8)
        ),
    )
    address = dataclasses.replace(
        base.address_left,
        street_kk=long("Абылай хан атындағы даңғылы", 9),
        street_ru=long("проспект имени Абылай хана", 9),
        locality_kk=long("Қаратау ауылдық округі", 7),
    )
    destination = pdf.SlipDestination(
        country_kk=long("Германия Федеративтік Республикасы", 6),
        address_kk=long("Берлин қаласы Фридрихштрассе көшесі 123 үй", 10),
        address_ru=long("город Берлин улица Фридрихштрассе дом 123", 10),
    )
    return make_slip(ground=ground, person=person, address_left=address, destination=destination)


LONG_COURT = dataclasses.replace(
    COURT,
    court_kk=long("Алматы қаласы Алмалы аудандық №2 сотының азаматтық істер жөніндегі ауданаралық соты", 8),
    court_ru=long("Специализированный межрайонный суд по гражданским делам города Алматы", 8),
)


@pytest.mark.parametrize("ground", [LONG_COURT, EMIGRATION], ids=["court", "emigration"])
def test_very_long_values_wrap_and_continue_on_a_second_page_and_all_read_back(ground):
    data = very_long_slip(ground)
    document = pdf.render_slip_pdf(data)
    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) >= 2
    text = flat(text_of(document))
    values = [
        data.person.full_name,
        data.person.birth_place,
        data.person.document.issued_by_kk,
        data.address_left.street_kk,
        data.address_left.street_ru,
        data.address_left.locality_kk,
        data.destination.country_kk,
        data.destination.address_kk,
        data.destination.address_ru,
        data.verification_code,
        data.verify_url,
    ]
    if ground is LONG_COURT:
        values += [ground.court_kk, ground.court_ru, ground.court_case_number]
    for value in values:
        assert flat(value) in text, value[:60]
    pages = len(reader.pages)
    for number in range(1, pages + 1):
        page_text = flat(reader.pages[number - 1].extract_text())
        assert f"Бет / Страница {number} / {pages}" in page_text
        assert "Настоящий документ заверен электронной печатью" in page_text  # the footer on every page


HUGE = (
    "Жібек жолы даңғылы " * 400
)  # ~7,600 characters: taller than a page in its cell, beyond any model's limit


@pytest.mark.parametrize(
    "data",
    [
        very_long_slip(LONG_COURT),
        make_slip(ground=dataclasses.replace(COURT, court_kk=HUGE, court_ru=HUGE)),
    ],
    ids=["long-values", "a-value-taller-than-a-page"],
)
def test_every_line_stays_inside_its_cell_and_above_the_footer(monkeypatch, data):
    """Draw a slip, recording every line's width against the cell it was wrapped for and where it stands."""
    drawn = []
    original = slip_layout.draw_stack

    def recording(canvas, texts, x, top, width):
        line_top = top
        for block in texts:
            style = block.style
            for line in block.lines:
                line_width = slip_layout._width(line, style.font, style.size, style.char_space)
                drawn.append((line_width, width, x, line_top - style.leading))
                line_top -= style.leading
            line_top -= block.after
        return original(canvas, texts, x, top, width)

    monkeypatch.setattr(slip_layout, "draw_stack", recording)
    document = pdf.render_slip_pdf(data)
    assert drawn
    footer_top = slip_layout.MARGIN_BOTTOM - 2.5 * slip_layout.MM
    for line_width, width, x, bottom in drawn:
        assert line_width <= width + 0.01
        assert x >= slip_layout.MARGIN_SIDE - 0.01
        assert x + width <= slip_layout.PAGE_WIDTH - slip_layout.MARGIN_SIDE + 0.01
        # the content's lines stay above the content's bottom edge; the footer's own lines stay on the page
        assert bottom >= (slip_layout.CONTENT_BOTTOM if bottom > footer_top else 0) - 0.01
    # every repetition of the court's name is printed (a cut row's parts stand on several pages)
    phrase = " ".join(data.ground.court_kk.split()[:3])
    assert flat(text_of(document)).count(phrase) >= flat(data.ground.court_kk).count(phrase) > 1


def test_a_row_taller_than_the_limit_is_cut_between_lines():
    slip_layout.register_fonts()
    row = slip_layout.grid_row([(slip_wording.COURT, (HUGE, "суд"))])
    assert row.height > slip_layout.TALLEST_ROW
    parts = row.split(slip_layout.TALLEST_ROW)
    assert len(parts) >= 2
    assert all(part.height <= slip_layout.TALLEST_ROW + 0.01 for part in parts)
    pages = slip_layout.paginate([row])
    assert sum(len(page) for page in pages) == len(parts)


@pytest.mark.parametrize(
    "text",
    [
        "Әбілқайыр Ғалымжан Төлеуұлы",
        "ӘбілқайырҒалымжанТөлеуұлыСейтжановНұрланҮмбетұлы" * 3,
        "a " + "Ж" * 200 + " b",
        "",
    ],
    ids=["words", "one-long-word", "very-long-word", "empty"],
)
def test_wrap_keeps_every_letter_and_no_line_is_wider_than_its_cell(text):
    width = 60.0
    lines = slip_layout.wrap(text, slip_layout.FONT_BOLD, 8.1, width)
    slip_layout.register_fonts()
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert all(slip_layout._width(line, slip_layout.FONT_BOLD, 8.1) <= width for line in lines)


def test_a_section_that_does_not_fit_moves_whole_to_the_next_page():
    slip_layout.register_fonts()
    filler = slip_layout.Block(slip_layout.CONTENT_TOP - slip_layout.CONTENT_BOTTOM - 50, lambda c, t: None)
    rows = [slip_layout.Block(20, lambda c, t: None) for _ in range(3)]
    section = slip_layout.Group(rows)
    pages = slip_layout.paginate([filler, section])
    assert [len(page) for page in pages] == [1, 3]
    assert pages[1][0][1] == slip_layout.CONTENT_TOP


def test_a_section_taller_than_a_page_is_split_between_rows():
    rows = [slip_layout.Block(100, lambda c, t: None) for _ in range(12)]
    pages = slip_layout.paginate([slip_layout.Group(rows)])
    assert len(pages) >= 2
    for page in pages:
        for block, top in page:
            assert top - block.height >= slip_layout.CONTENT_BOTTOM - 0.01


def test_every_wording_of_the_slip_is_translated_in_kazakh_and_russian():
    wordings = {name: value for name, value in vars(slip_wording).items() if isinstance(value, Promise)}
    assert len(wordings) > 40
    untranslated = [
        name
        for name, wording in wordings.items()
        if {pdf.in_language(wording, "kk"), pdf.in_language(wording, "ru")} & {pdf.in_language(wording, "en")}
    ]
    assert not untranslated


# --- PDF/A-3u -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slip_pdf() -> bytes:
    return pdf.render_slip_pdf(make_slip())


def test_xmp_repeats_the_info_dictionary(slip_pdf):
    reader = PdfReader(io.BytesIO(slip_pdf))
    info = reader.metadata
    xmp = reader.xmp_metadata
    assert xmp.dc_title["x-default"] == info.title
    assert xmp.dc_creator == [info.author]
    assert xmp.dc_description["x-default"] == info.subject
    assert xmp.pdf_producer == info.producer
    assert xmp.pdf_keywords == info["/Keywords"]
    assert xmp.xmp_creator_tool == info.creator
    packet = xmp.stream.get_data().decode()
    assert "<xmp:CreateDate>2025-11-27T10:05:00+05:00</xmp:CreateDate>" in packet
    assert "<xmp:ModifyDate>2025-11-27T10:05:00+05:00</xmp:ModifyDate>" in packet
    assert info["/CreationDate"] == info["/ModDate"] == "D:20251127100500+05'00'"
    assert reader.trailer["/Root"]["/Metadata"].get("/Filter") is None  # PDF/A: metadata stream unfiltered


def test_pdf_a_identification_output_intent_and_trailer_id(slip_pdf):
    reader = PdfReader(io.BytesIO(slip_pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>U</pdfaid:conformance>" in xmp
    intent = reader.trailer["/Root"]["/OutputIntents"][0]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    assert profile.get_data() == slip_pdfa.SRGB_PROFILE.read_bytes()
    assert profile.get_data()[36:40] == b"acsp"  # an ICC profile's signature
    assert len(reader.trailer["/ID"]) == 2
    assert slip_pdf.startswith(b"%PDF-1.7")


def test_the_printed_url_is_a_printable_link_to_the_verification_page(slip_pdf):
    page = PdfReader(io.BytesIO(slip_pdf)).pages[0]
    links = [annotation.get_object() for annotation in page["/Annots"]]
    assert [link["/A"]["/URI"] for link in links] == [VERIFY_URL]
    assert links[0]["/F"] == 4  # PDF/A: annotations are printed


def test_fonts_carry_a_unicode_map(slip_pdf):
    page = PdfReader(io.BytesIO(slip_pdf)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts
    assert all("/ToUnicode" in font for font in fonts)


def test_plain_pdf_has_no_pdf_a_parts_and_other_variants_are_refused():
    plain = PdfReader(io.BytesIO(pdf.render_slip_pdf(make_slip(), pdf_variant=None)))
    assert "/OutputIntents" not in plain.trailer["/Root"]
    assert "/Metadata" not in plain.trailer["/Root"]
    with pytest.raises(ValueError, match="PDF/A-3u"):
        pdf.render_slip_pdf(make_slip(), pdf_variant="pdf/ua-1")


def test_markup_and_template_syntax_in_values_print_as_their_characters():
    person = dataclasses.replace(make_slip().person, first_name="</td><td>x", patronymic="&amp; {{ x }}")
    text = flat(text_of(pdf.render_slip_pdf(make_slip(person=person))))
    assert "</td><td>x &amp; {{ x }}" in text
    assert "Тегі, аты, әкесінің аты" in text
