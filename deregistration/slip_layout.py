"""The departure slip's layout on a PDF canvas (ReportLab): fonts, measured and wrapped text, the grid's rows,
section bars, the QR code, and pagination. What stands where is slip_form.py; the wording is slip_wording.py;
the PDF/A parts are slip_pdfa.py.

Why a canvas and not HTML: the slip is a fixed form of ~120 printed lines. Laid out by WeasyPrint it cost
~10× a one-paragraph WeasyPrint page, and the previous profile (docs/benchmarks.md, "Departure slip") showed
that no HTML/CSS trimming could bring it under ~4.6×: the cost is the general layout engine itself. Here each
cell is measured with the font's advance widths, wrapped word by word and placed at computed coordinates.

What the layout guarantees: long values wrap inside their cells and the rows grow with them (a word longer
than its cell is broken between letters); a section moves whole to the next page when it does not fit, a
section taller than a page is split between rows, and a row taller than half a page is cut between lines.
Values are drawn as text: nothing in them is interpreted.

ReportLab is imported inside the functions that need it; its font registry is global, so the two DejaVu
faces are registered once, under a lock, and writing a font's subsets into a document takes a lock of its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    pass

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


def both(text: Any) -> tuple[str, str]:
    """(Kazakh, Russian) of a lazy translation (``pdf.in_both``, imported late: pdf.py imports this module late)."""
    from .pdf import in_both

    return in_both(text)


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
    kk, ru = both(wording)
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
    kk, ru = both(wording)
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
