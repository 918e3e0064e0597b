"""The departure slip drawn directly on a PDF canvas (ReportLab), as an A4 PDF/A-3u document.

Why a canvas and not HTML: the slip is a fixed form of ~120 printed lines. Laid out by WeasyPrint it cost
~10× a one-paragraph WeasyPrint page, and the previous profile (docs/benchmarks.md, "Departure slip") showed
that no HTML/CSS trimming could bring it under ~4.6×: the cost is the general layout engine itself. Here each
cell is measured with the font's advance widths, wrapped word by word and placed at computed coordinates.

What the layout guarantees: long values wrap inside their cells and the rows grow with them (a word longer
than its cell is broken between letters); a section moves whole to the next page when it does not fit, and a
section taller than a page is split between rows; every page carries the footer and "page N / M". Values are
drawn as text: nothing in them is interpreted.

Every wording comes from the translation catalogues (lazy gettext strings below, the msgids the HTML template
used, so the existing translations apply), printed in Kazakh and Russian through ``in_both``.
ReportLab is imported inside the functions that need it; its font registry is global, so the two DejaVu
faces are registered once, under a lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from . import slip_wording as words
from .constants import CaseType

if TYPE_CHECKING:
    from .pdf import SlipData

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_REGULAR = "SlipDejaVuSans"
FONT_BOLD = "SlipDejaVuSans-Bold"

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 12 * MM, 20 * MM, 14 * MM
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
CONTENT_TOP, CONTENT_BOTTOM = PAGE_HEIGHT - MARGIN_TOP, MARGIN_BOTTOM
# DejaVu Sans' ascent and descent, per unit of font size (hhea): a line's baseline sits as CSS puts it.
ASCENT, DESCENT = 0.928, 0.236


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return r, g, b


Colour = tuple[float, float, float]
NAVY, INK, GREY, DIM, SOFT = (_rgb(c) for c in ("#1d3557", "#111111", "#3a3f45", "#333333", "#444444"))
LABEL_FILL, RULE, BAR_RU = (_rgb(c) for c in ("#f2f5f8", "#7a8593", "#d5deea"))
WHITE, BLACK, PAGE_GREY = _rgb("#ffffff"), _rgb("#000000"), _rgb("#555555")
LABEL_SHARE, VALUE_SHARE = 0.27, 0.23  # of the grid's width: label, value, label, value
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 0.7 * MM, 0.8 * MM, 1.6 * MM
RULE_WIDTH = 0.5


def _both(text: Any) -> tuple[str, str]:
    from .pdf import in_both

    return in_both(text)


def _slash(text: Any) -> str:
    """ "Kazakh / Russian" of a wording, as the slip's running lines print it."""
    return " / ".join(_both(text))


def _pair(kk: str, ru: str) -> tuple[str, str]:
    """A value in both languages; the Russian line is dropped where it is missing or the same."""
    return kk, ru if ru and ru != kk else ""


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


# --- fonts ------------------------------------------------------------------------------------------------

_fonts_lock = threading.Lock()
_fonts_registered = False
# ReportLab's TrueType subsetter reads the shared font file through a cursor kept on the font object: two
# documents written at once would move each other's cursor. Writing a font's subsets takes this lock.
_font_program_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child starts with free locks (a parent's thread may have held one at the fork)."""
    global _fonts_lock, _font_program_lock
    _fonts_lock, _font_program_lock = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def register_fonts() -> None:
    """Register the two DejaVu faces from static/fonts with ReportLab, once per process."""
    global _fonts_registered
    if _fonts_registered:
        return
    with _fonts_lock:
        if _fonts_registered:
            return
        from reportlab import rl_config
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        # Streams Flate-compressed only: ReportLab's default also wraps them in ASCII85, which makes the file
        # a quarter larger and costs a pure-Python pass over every stream. This process draws no other PDFs.
        rl_config.useA85 = 0

        class SlipFont(TTFont):
            def addObjects(self, doc: Any) -> None:
                with _font_program_lock:
                    super().addObjects(doc)

        for name, file_name in ((FONT_REGULAR, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
            pdfmetrics.registerFont(SlipFont(name, str(FONTS_DIR / file_name)))
        _fonts_registered = True


def _width(text: str, font: str, size: float, char_space: float = 0.0) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size) + char_space * len(text)


def wrap(text: str, font: str, size: float, width: float, char_space: float = 0.0) -> list[str]:
    """``text`` in lines no wider than ``width``: broken between words, and inside a word only when the word
    alone is wider (as CSS ``overflow-wrap: break-word``). ``char_space``: letter spacing, in points."""
    lines: list[str] = []
    current, current_width = "", 0.0
    space = _width(" ", font, size, char_space)
    for word in text.split():
        word_width = _width(word, font, size, char_space)
        if current and current_width + space + word_width <= width:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if current:
            lines.append(current)
        while word_width > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _width(word[:cut], font, size, char_space) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            word_width = _width(word, font, size, char_space)
        current, current_width = word, word_width
    if current:
        lines.append(current)
    return lines


# --- blocks of text ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    font: str
    size: float
    color: Colour
    line_height: float = 1.2
    spacing: float = 0.0  # letter spacing, in em

    @property
    def char_space(self) -> float:
        return self.spacing * self.size

    @property
    def leading(self) -> float:
        return self.size * self.line_height

    def baseline(self, line_top: float) -> float:
        """The baseline of a line whose box starts at ``line_top`` (CSS half-leading)."""
        return line_top - (self.leading - (ASCENT + DESCENT) * self.size) / 2 - ASCENT * self.size


LABEL = Style(FONT_REGULAR, 6.8, GREY, 1.18)
VALUE = Style(FONT_BOLD, 8.1, INK)
VALUE_RU = Style(FONT_REGULAR, 7.3, GREY)
NONE = Style(FONT_REGULAR, 8.1, SOFT)
NONE_RU = Style(FONT_REGULAR, 7.3, GREY)


@dataclass
class Text:
    """Wrapped lines in one style, with the space kept after them."""

    lines: list[str]
    style: Style
    after: float = 0.0
    align: str = "left"

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading + self.after


def text(value: str, style: Style, width: float, *, after: float = 0.0, align: str = "left") -> Text:
    return Text(wrap(value, style.font, style.size, width, style.char_space), style, after, align)


def stack_height(texts: Sequence[Text]) -> float:
    return sum(t.height for t in texts)


def draw_stack(canvas: Any, texts: Sequence[Text], x: float, top: float, width: float) -> None:
    """Draw the texts one under the other from ``top``, each line aligned within ``width``."""
    for block in texts:
        canvas.setFont(block.style.font, block.style.size)
        canvas.setFillColorRGB(*block.style.color)
        spacing = block.style.char_space
        for line in block.lines:
            baseline = block.style.baseline(top)
            if block.align == "center":
                canvas.drawCentredString(x + width / 2, baseline, line, charSpace=spacing)
            elif block.align == "right":
                canvas.drawRightString(x + width, baseline, line, charSpace=spacing)
            else:
                canvas.drawString(x, baseline, line, charSpace=spacing)
            top -= block.style.leading
        top -= block.after


# --- the page's blocks ------------------------------------------------------------------------------------


@dataclass
class Block:
    """Something drawn across the content width: its height, how to draw it from a top edge, and the space
    kept below it."""

    height: float
    draw: Callable[[Any, float], None]
    after: float = 0.0
    # How to cut the block into parts no taller than a given height (rows of the grid), where it can be cut.
    split: Callable[[float], list[Block]] | None = None


@dataclass
class Group:
    """Blocks kept on one page when they fit on one (a section: its bar and its rows)."""

    blocks: list[Block] = field(default_factory=list)
    after: float = 0.0

    @property
    def height(self) -> float:
        return sum(block.height + block.after for block in self.blocks) + self.after


def label_cell(wording: Any, width: float) -> list[Text]:
    kk, ru = _both(wording)
    inner = width - 2 * PAD_SIDE
    return [text(kk, LABEL, inner), text(ru, LABEL, inner)]


def value_cell(kk: str, ru: str, width: float, *, bold: bool = True) -> list[Text]:
    inner = width - 2 * PAD_SIDE
    first, second = (VALUE, VALUE_RU) if bold else (NONE, NONE_RU)
    cell = [text(kk, first, inner)]
    if ru:
        cell.append(text(ru, second, inner))
    return cell


Value = str | tuple[str, str]
Field = tuple[Any, Value]  # (label wording, value: text, or (Kazakh, Russian))


def grid_row(fields: Sequence[Field], *, bold: bool = True) -> Block:
    """One row of the four-column grid: one field across the row, or two side by side."""
    widths = (
        [CONTENT_WIDTH * LABEL_SHARE, CONTENT_WIDTH * (1 - LABEL_SHARE)]
        if len(fields) == 1
        else [CONTENT_WIDTH * share for share in (LABEL_SHARE, VALUE_SHARE) * 2]
    )
    cells: list[tuple[list[Text], bool]] = []
    for (wording, value), label_width, value_width in zip(fields, widths[::2], widths[1::2], strict=True):
        kk, ru = (value, "") if isinstance(value, str) else value
        cells.append((label_cell(wording, label_width), True))
        cells.append((value_cell(kk, ru, value_width, bold=bold), False))
    return _row(cells, widths)


def _row(cells: list[tuple[list[Text], bool]], widths: list[float]) -> Block:
    """A row of the grid: its cells (texts, shaded or not) in columns of ``widths``, as tall as its tallest."""
    height = max(stack_height(cell) for cell, _ in cells) + PAD_TOP + PAD_BOTTOM

    def draw(canvas: Any, top: float) -> None:
        x = MARGIN_SIDE
        canvas.setStrokeColorRGB(*RULE)
        canvas.setLineWidth(RULE_WIDTH)
        for (cell, shaded), width in zip(cells, widths, strict=True):
            canvas.setFillColorRGB(*LABEL_FILL)
            canvas.rect(x, top - height, width, height, stroke=1, fill=1 if shaded else 0)
            draw_stack(canvas, cell, x + PAD_SIDE, top - PAD_TOP, width - 2 * PAD_SIDE)
            x += width

    def split(most: float) -> list[Block]:
        parts = [_cut(cell, most - PAD_TOP - PAD_BOTTOM) for cell, _ in cells]
        return [
            _row(
                [
                    (part[n] if n < len(part) else [], shaded)
                    for part, (_, shaded) in zip(parts, cells, strict=True)
                ],
                widths,
            )
            for n in range(max(len(part) for part in parts))
        ]

    return Block(height, draw, split=split)


def _cut(cell: list[Text], most: float) -> list[list[Text]]:
    """A cell's texts in pieces no taller than ``most`` (at least one line each), cut between lines."""
    pieces: list[list[Text]] = [[]]
    used = 0.0
    for block in cell:
        lines = list(block.lines)
        while lines:
            room = max(int((most - used) // block.style.leading), 0 if pieces[-1] else 1)
            if room == 0:
                pieces.append([])
                used = 0.0
                continue
            taken, lines = lines[:room], lines[room:]
            piece = Text(taken, block.style, 0.0 if lines else block.after, block.align)
            pieces[-1].append(piece)
            used += piece.height
    return pieces


def section_bar(number: int, wording: Any) -> Block:
    kk, ru = _both(wording)
    size, pad_y, pad_x = 7.6, 0.9 * MM, 1.5 * MM
    head, tail = f"{number}. {kk} ", f"/ {ru}"
    head_width = _width(head, FONT_BOLD, size)
    one_line = head_width + _width(tail, FONT_REGULAR, size) <= CONTENT_WIDTH - 2 * pad_x
    leading = size * 1.2
    height = leading * (1 if one_line else 2) + 2 * pad_y

    def draw(canvas: Any, top: float) -> None:
        canvas.setFillColorRGB(*NAVY)
        canvas.setStrokeColorRGB(*NAVY)
        canvas.setLineWidth(RULE_WIDTH)
        canvas.rect(MARGIN_SIDE, top - height, CONTENT_WIDTH, height, stroke=1, fill=1)
        style = Style(FONT_BOLD, size, WHITE)
        baseline = style.baseline(top - pad_y)
        canvas.setFont(FONT_BOLD, size)
        canvas.setFillColorRGB(*WHITE)
        canvas.drawString(MARGIN_SIDE + pad_x, baseline, head)
        canvas.setFont(FONT_REGULAR, size)
        canvas.setFillColorRGB(*BAR_RU)
        if one_line:
            canvas.drawString(MARGIN_SIDE + pad_x + head_width, baseline, tail)
        else:
            canvas.drawString(MARGIN_SIDE + pad_x, baseline - leading, tail)

    return Block(height, draw)


def section(number: int, wording: Any, rows: Sequence[Block]) -> Group:
    return Group([section_bar(number, wording), *rows], after=2.2 * MM)


def state_header(data: SlipData) -> Block:
    """The two organisation names, Kazakh left and Russian right, over a rule."""
    column = CONTENT_WIDTH * 0.48
    state_kk, state_ru = (name.upper() for name in _both(words.REPUBLIC))
    head, body = Style(FONT_BOLD, 7.4, NAVY, spacing=0.05), Style(FONT_REGULAR, 6.8, DIM)
    left = [text(state_kk, head, column, after=0.5 * MM), text(data.issuer_kk, body, column)]
    right = [
        text(state_ru, head, column, after=0.5 * MM, align="right"),
        text(data.issuer_ru, body, column, align="right"),
    ]
    rule_at = max(stack_height(left), stack_height(right)) + 1.8 * MM
    height = rule_at + 0.7

    def draw(canvas: Any, top: float) -> None:
        draw_stack(canvas, left, MARGIN_SIDE, top, column)
        draw_stack(canvas, right, PAGE_WIDTH - MARGIN_SIDE - column, top, column)
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
        text(" · ".join(_both(words.SUBTITLE)), subtitle, CONTENT_WIDTH, align="center"),
    ]
    top_space = 3.6 * MM

    def draw(canvas: Any, top: float) -> None:
        draw_stack(canvas, texts, MARGIN_SIDE, top - top_space, CONTENT_WIDTH)

    return Block(top_space + stack_height(texts), draw, after=2.4 * MM)


def verification(data: SlipData) -> Block:
    """Section 5's box: the QR code of the verify URL, how to check, the code and the URL."""
    qr_side, qr_cell = 28 * MM, 31 * MM
    pad_x, pad_y = 2.5 * MM, 1.5 * MM
    inner = CONTENT_WIDTH - qr_cell - 2 * pad_x
    hint = Style(FONT_REGULAR, 6.9, DIM)
    how_kk, how_ru = _both(words.HOW_TO_CHECK)
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
        draw_stack(canvas, texts, text_x, text_top, inner)
        # The printed URL is also a link (F=4: printable, as PDF/A wants every annotation).
        url_top = text_top - stack_height(texts[:-1])
        url_rect = (text_x, url_top - texts[-1].height, text_x + inner, url_top)
        canvas.linkURL(data.verify_url, url_rect, thickness=0, F=4)

    return Block(height, draw)


QR_BORDER = 2  # quiet zone, in modules


def qr_runs(url: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR code of ``url`` (error correction M) as its side in modules (quiet zone included) and the dark
    runs of each row: (row, first column, length)."""
    import segno

    matrix = segno.make(url, error="m", micro=False).matrix
    runs = []
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row + QR_BORDER, start + QR_BORDER, column - start))
                start = None
    return len(matrix) + 2 * QR_BORDER, runs


def draw_qr(canvas: Any, url: str, x: float, y: float, side: float) -> None:
    """The QR code as one vector path (a rectangle per dark run), no image; (x, y) is its lower left."""
    modules, runs = qr_runs(url)
    unit = side / modules
    path = canvas.beginPath()
    for row, column, length in runs:
        path.rect(x + column * unit, y + side - (row + 1) * unit, length * unit, unit)
    canvas.setFillColorRGB(*BLACK)
    canvas.drawPath(path, stroke=0, fill=1)


def footer(data: SlipData, issued: str) -> tuple[list[Text], Style]:
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
    return texts, line


def draw_footer(canvas: Any, texts: list[Text], page: int, pages: int) -> None:
    top = MARGIN_BOTTOM - 2.5 * MM
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN_SIDE, top, MARGIN_SIDE + 145 * MM, top)
    draw_stack(canvas, texts, MARGIN_SIDE, top - 0.4 - 1.2 * MM, 145 * MM)
    canvas.setFont(FONT_REGULAR, 6.5)
    canvas.setFillColorRGB(*PAGE_GREY)
    number = f"{_slash(words.PAGE)} {page} / {pages}"
    canvas.drawRightString(PAGE_WIDTH - MARGIN_SIDE, MARGIN_BOTTOM - 3.2 * MM - 6.5 * ASCENT, number)


# A row taller than this (a value of thousands of characters, beyond what the models store) is cut between
# lines into parts, so that no row can run off a page.
TALLEST_ROW = (CONTENT_TOP - CONTENT_BOTTOM) / 2


def paginate(items: Sequence[Block | Group]) -> list[list[tuple[Block, float]]]:
    """Place the blocks on pages: each block's top edge, page by page. A group moves whole to a new page
    when it does not fit where it is but fits on a page; a taller group is split between its blocks, its
    first block kept with the next; a row taller than ``TALLEST_ROW`` is cut into parts."""
    pages: list[list[tuple[Block, float]]] = [[]]
    top = CONTENT_TOP

    def place(block: Block, keep: float = 0.0) -> None:
        nonlocal top
        if block.height > TALLEST_ROW and block.split is not None:
            for part in block.split(TALLEST_ROW):
                place(part)
            return
        if pages[-1] and top - block.height - keep < CONTENT_BOTTOM:
            pages.append([])
            top = CONTENT_TOP
        pages[-1].append((block, top))
        top -= block.height + block.after

    for item in items:
        if isinstance(item, Block):
            place(item)
            continue
        if pages[-1] and top - item.height + item.after < CONTENT_BOTTOM <= CONTENT_TOP - item.height:
            pages.append([])
            top = CONTENT_TOP
        for index, block in enumerate(item.blocks):
            following = item.blocks[index + 1].height if index == 0 and len(item.blocks) > 1 else 0.0
            place(block, keep=following)
        top -= item.after
    return pages


# --- the slip ---------------------------------------------------------------------------------------------


def slip_items(data: SlipData, issued: str) -> list[Block | Group]:
    from .pdf import GROUND_LABELS, SEX_LABELS

    person, address, ground, destination = data.person, data.address_left, data.ground, data.destination
    document = person.document
    slip_kk, slip_ru = _both(words.DEPARTURE_SLIP)
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
        grid_row([(words.IIN, person.iin), (words.SEX, _pair(*_both(SEX_LABELS[person.sex])))]),
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
    ground_rows = [grid_row([(words.GROUND, _pair(*_both(GROUND_LABELS[CaseType(ground.case_type)])))])]
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
            grid_row([(words.DESTINATION, _pair(*_both(words.NO_INFORMATION)))], bold=False)
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
    footer_texts, _style = footer(data, issued)
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
