"""The departure slip's form: what stands where on the page, drawn with slip_layout.py's blocks.

The header (both organisations), the title in Kazakh and Russian, the grid of the slip's number and channel, the
five sections with their bars (the person, the address left, the ground with its details per case type, the
destination where known, the check of authenticity with the QR code), and on every page the footer and
"page N / M". The values are the ``SlipData``'s; every wording is a lazy translation (slip_wording.py).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import TYPE_CHECKING, Any

from . import slip_layout as layout
from . import slip_wording as words
from .constants import CaseType
from .slip_layout import (
    ASCENT,
    CONTENT_WIDTH,
    DIM,
    FONT_BOLD,
    FONT_REGULAR,
    LABEL,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MM,
    NAVY,
    PAGE_GREY,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    RULE_WIDTH,
    SOFT,
    Block,
    Group,
    Style,
    Text,
    both,
    draw_qr,
    grid_row,
    paginate,
    register_fonts,
    section,
    stack_height,
    text,
)

if TYPE_CHECKING:
    from .pdf import SlipData


def _slash(text: Any) -> str:
    """A wording as "Kazakh / Russian", as the slip's running lines print it."""
    return " / ".join(both(text))


def _pair(kk: str, ru: str) -> tuple[str, str]:
    """A value in both languages; the Russian line is dropped where it is missing or the same."""
    return kk, ru if ru and ru != kk else ""


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def state_header(data: SlipData) -> Block:
    """The two organisation names, Kazakh left and Russian right, over a rule."""
    column = CONTENT_WIDTH * 0.48
    state_kk, state_ru = (name.upper() for name in both(words.REPUBLIC))
    head, body = Style(FONT_BOLD, 7.4, NAVY, spacing=0.05), Style(FONT_REGULAR, 6.8, DIM)
    left = [text(state_kk, head, column, after=0.5 * MM), text(data.issuer_kk, body, column)]
    right = [
        text(state_ru, head, column, after=0.5 * MM, align="right"),
        text(data.issuer_ru, body, column, align="right"),
    ]
    rule_at = max(stack_height(left), stack_height(right)) + 1.8 * MM
    height = rule_at + 0.7

    def draw(canvas: Any, top: float) -> None:
        layout.draw_stack(canvas, left, MARGIN_SIDE, top, column)
        layout.draw_stack(canvas, right, PAGE_WIDTH - MARGIN_SIDE - column, top, column)
        canvas.setStrokeColorRGB(*NAVY)
        canvas.setLineWidth(1.4)
        canvas.line(MARGIN_SIDE, top - height + 0.7, PAGE_WIDTH - MARGIN_SIDE, top - height + 0.7)

    return Block(height, draw)


def title(slip_kk: str, slip_ru: str) -> Block:
    heading = Style(FONT_BOLD, 12.5, NAVY, 1.25, spacing=0.03)
    subtitle = Style(FONT_REGULAR, 6.9, SOFT)
    texts = [
        text(slip_kk.upper(), heading, CONTENT_WIDTH, align="center"),
        text(slip_ru.upper(), heading, CONTENT_WIDTH, after=0.8 * MM, align="center"),
        text(" · ".join(both(words.SUBTITLE)), subtitle, CONTENT_WIDTH, align="center"),
    ]
    top_space = 3.6 * MM

    def draw(canvas: Any, top: float) -> None:
        layout.draw_stack(canvas, texts, MARGIN_SIDE, top - top_space, CONTENT_WIDTH)

    return Block(top_space + stack_height(texts), draw, after=2.4 * MM)


def verification(data: SlipData) -> Block:
    """Section 5's box: the QR code of the verify URL, how to check, the code and the URL."""
    qr_side, qr_cell = 28 * MM, 31 * MM
    pad_x, pad_y = 2.5 * MM, 1.5 * MM
    inner = CONTENT_WIDTH - qr_cell - 2 * pad_x
    hint = Style(FONT_REGULAR, 6.9, DIM)
    how_kk, how_ru = both(words.HOW_TO_CHECK)
    texts = [
        text(how_kk, hint, inner, after=0.8 * MM),
        text(how_ru, hint, inner, after=0.8 * MM + 1.8 * MM),
        text(_slash(words.VERIFICATION_CODE), LABEL, inner, after=0.4 * MM),
        text(data.verification_code, Style(FONT_BOLD, 14, NAVY, spacing=0.12), inner, after=1 * MM),
        text(data.verify_url, Style(FONT_REGULAR, 7, NAVY), inner),
    ]
    height = max(qr_side + 2.4 * MM, stack_height(texts) + 2 * pad_y)

    def draw(canvas: Any, top: float) -> None:
        canvas.setStrokeColorRGB(*RULE)
        canvas.setLineWidth(RULE_WIDTH)
        canvas.rect(MARGIN_SIDE, top - height, qr_cell, height, stroke=1, fill=0)
        canvas.rect(MARGIN_SIDE + qr_cell, top - height, CONTENT_WIDTH - qr_cell, height, stroke=1, fill=0)
        qr_x = MARGIN_SIDE + (qr_cell - qr_side) / 2
        draw_qr(canvas, data.verify_url, qr_x, top - (height + qr_side) / 2, qr_side)
        text_x, text_top = MARGIN_SIDE + qr_cell + pad_x, top - (height - stack_height(texts)) / 2
        layout.draw_stack(canvas, texts, text_x, text_top, inner)
        # The printed URL is also a link (F=4: printable, as PDF/A wants every annotation).
        url_top = text_top - stack_height(texts[:-1])
        url_rect = (text_x, url_top - texts[-1].height, text_x + inner, url_top)
        canvas.linkURL(data.verify_url, url_rect, thickness=0, F=4)

    return Block(height, draw)


def footer(data: SlipData, issued: str) -> list[Text]:
    """The lines under every page: the seal's statement in both languages, the slip's number and time."""
    from .pdf import in_language

    width = 145 * MM
    line = Style(FONT_REGULAR, 6.4, DIM, 1.25)
    texts = [
        text(in_language(words.SEALED_BY, "kk") % {"issuer": data.issuer_kk}, line, width, after=0.5 * MM),
        text(in_language(words.SEALED_BY, "ru") % {"issuer": data.issuer_ru}, line, width, after=0.5 * MM),
        text(
            f"{_slash(words.SLIP_NO)} {data.slip_number} · {issued} ({_slash(words.ALMATY_TIME)})",
            line,
            width,
        ),
    ]
    return texts


def draw_footer(canvas: Any, texts: list[Text], page: int, pages: int) -> None:
    top = MARGIN_BOTTOM - 2.5 * MM
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN_SIDE, top, MARGIN_SIDE + 145 * MM, top)
    layout.draw_stack(canvas, texts, MARGIN_SIDE, top - 0.4 - 1.2 * MM, 145 * MM)
    canvas.setFont(FONT_REGULAR, 6.5)
    canvas.setFillColorRGB(*PAGE_GREY)
    number = f"{_slash(words.PAGE)} {page} / {pages}"
    canvas.drawRightString(PAGE_WIDTH - MARGIN_SIDE, MARGIN_BOTTOM - 3.2 * MM - 6.5 * ASCENT, number)


def slip_items(data: SlipData, issued: str) -> list[Block | Group]:
    """The slip's blocks from top to bottom, laid out but not yet placed on pages (``paginate``)."""
    from .pdf import GROUND_LABELS, SEX_LABELS

    person, address, ground, destination = data.person, data.address_left, data.ground, data.destination
    document = person.document
    slip_kk, slip_ru = both(words.DEPARTURE_SLIP)
    meta = [
        grid_row([(words.SLIP_NUMBER, data.slip_number), (words.ISSUED_AT, issued)]),
        grid_row(
            [
                (words.APPLICATION_NUMBER, data.application_number),
                (words.CHANNEL, _pair(data.channel_kk, data.channel_ru)),
            ]
        ),
    ]
    meta[-1].after = 2.4 * MM
    person_rows = [
        grid_row([(words.FULL_NAME, person.full_name)]),
        grid_row([(words.IIN, person.iin), (words.SEX, _pair(*both(SEX_LABELS[person.sex])))]),
        grid_row([(words.BIRTH_DATE, _date(person.birth_date)), (words.BIRTH_PLACE, person.birth_place)]),
        grid_row([(words.CITIZENSHIP, _pair(person.citizenship_kk, person.citizenship_ru))]),
        grid_row(
            [
                (words.IDENTITY_DOCUMENT, _pair(document.type_kk, document.type_ru)),
                (words.DOCUMENT_NUMBER, f"№ {document.number}, {_date(document.issued_on)}"),
            ]
        ),
        grid_row([(words.ISSUING_AUTHORITY, _pair(document.issued_by_kk, document.issued_by_ru))]),
    ]
    address_rows = [
        grid_row(
            [
                (words.REGION, _pair(address.region_kk, address.region_ru)),
                (words.DISTRICT, _pair(address.district_kk, address.district_ru)),
            ]
        ),
        grid_row(
            [
                (words.SETTLEMENT, _pair(address.locality_kk, address.locality_ru)),
                (words.STREET, _pair(address.street_kk, address.street_ru)),
            ]
        ),
        grid_row(
            [
                (words.BUILDING, f"{address.building} / {address.block or '—'} / {address.apartment or '—'}"),
                (words.POSTCODE, address.postcode or "—"),
            ]
        ),
        grid_row([(words.KATO, address.kato), (words.ADDRESS_CODE, address.address_code)]),
        grid_row(
            [
                (words.REGISTERED_ON, _date(data.registered_on)),
                (words.DEREGISTERED_ON, _date(data.deregistered_on)),
            ]
        ),
    ]
    ground_rows = [grid_row([(words.GROUND, _pair(*both(GROUND_LABELS[CaseType(ground.case_type)])))])]
    if ground.case_type == CaseType.OWNER_APPLICATION:
        ground_rows.append(grid_row([(words.OWNER, ground.owner_full_name)]))
    elif ground.case_type == CaseType.EMIGRATION:
        ground_rows.append(
            grid_row(
                [
                    (words.PERMIT_NUMBER, ground.permit_number),
                    (words.PERMIT_ISSUED_ON, _date(ground.permit_issued_on)),
                ]
            )
        )
        ground_rows.append(grid_row([(words.RESIDENCE_COUNTRY, _pair(ground.country_kk, ground.country_ru))]))
    else:
        decided = f"{_date(ground.decision_on)} / {_date(ground.decision_in_force_on)}"
        ground_rows.append(grid_row([(words.COURT, _pair(ground.court_kk, ground.court_ru))]))
        ground_rows.append(
            grid_row([(words.CASE_NUMBER, ground.court_case_number), (words.DECISION_DATES, decided)])
        )
    destination_rows = []
    if destination and destination.country_kk:
        destination_rows.append(
            grid_row([(words.COUNTRY, _pair(destination.country_kk, destination.country_ru))])
        )
    if destination and destination.address_kk:
        destination_rows.append(
            grid_row([(words.ADDRESS, _pair(destination.address_kk, destination.address_ru))])
        )
    if not destination_rows:
        destination_rows.append(
            grid_row([(words.DESTINATION, _pair(*both(words.NO_INFORMATION)))], bold=False)
        )
    return [
        state_header(data),
        title(slip_kk, slip_ru),
        *meta,
        section(1, words.PERSON, person_rows),
        section(2, words.ADDRESS_LEFT, address_rows),
        section(3, words.GROUND_SECTION, ground_rows),
        section(4, words.DESTINATION, destination_rows),
        section(5, words.AUTHENTICITY, [verification(data)]),
    ]


def draw_slip(data: SlipData, *, pdf_a: bool = True) -> bytes:
    """The slip as PDF bytes (PDF/A-3u unless ``pdf_a`` is false)."""
    from reportlab.pdfgen.canvas import Canvas

    from .pdf import DISPLAY_TZ
    from .slip_pdfa import describe, make_pdf_a

    register_fonts()
    issued = data.issued_at.astimezone(DISPLAY_TZ).strftime("%d.%m.%Y %H:%M")
    pages = paginate(slip_items(data, issued))
    footer_texts = footer(data, issued)
    output = BytesIO()
    canvas = Canvas(
        output,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageCompression=1,
        pdfVersion=(1, 7),
        initialFontName=FONT_REGULAR,
        initialFontSize=8,
        lang="kk",
    )
    describe(canvas, data)
    if pdf_a:
        make_pdf_a(canvas, data)
    for number, page in enumerate(pages, start=1):
        for block, top in page:
            block.draw(canvas, top)
        draw_footer(canvas, footer_texts, number, len(pages))
        canvas.showPage()
    canvas.save()
    return output.getvalue()
