"""Fast text drawing on an fpdf2 document, for documents of thousands of lines.

fpdf2's ``cell``, ``multi_cell`` and ``table`` re-parse, re-measure and re-break every text
(with styles, markdown, bidirectional text and a copy of the graphics state on each call):
about a millisecond per cell, two minutes for the report of a 1,200-pupil school. The
documents here only need plain left-aligned lines, so :class:`Canvas` measures with the
fonts' width tables, breaks lines itself and writes each line with fpdf2's plain
:meth:`~fpdf.FPDF.text` (which still picks the glyphs of the embedded font subset), at the
very place ``cell`` would have put it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode

#: Smallest font size (pt) a login is shrunk to; below it the text overflows its margin.
MIN_LOGIN_SIZE = 5.0


@dataclass(frozen=True)
class CellText:
    """A table cell laid out: its ``lines`` in ``family`` at ``size`` pt."""

    lines: Sequence[str]
    family: str
    size: float


@dataclass(frozen=True)
class RowLayout:
    """A table row laid out: its cells and its height (mm)."""

    cells: Sequence[CellText]
    height: float
    style: str


class Canvas(FPDF):
    """An fpdf2 document with cheap measuring, line breaking and one-line text cells.

    ``self.family`` (text) and ``self.mono`` (logins) are set by the subclass.
    """

    family: str
    mono: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._encoded: dict[tuple[int, str], str] = {}
        self._fonts_on_page: set[tuple[int, int]] = set()
        self._widths: dict[tuple[int, str], float] = {}
        self._paths: dict[Any, str] = {}
        self._blocks: dict[tuple[int, float, float, tuple[str, ...]], str] = {}

    def font_of(self, family: str, style: str = "") -> Any:
        """fpdf2's font object of ``family`` and ``style`` (loaded on first use)."""
        font = self.fonts.get(f"{family.lower()}{style}")
        if font is None:
            self.set_font(family, style)
            font = self.current_font
        return font

    def measure(self, text: str, size: float, family: str = "", style: str = "") -> float:
        """The width in mm of ``text`` (already :meth:`clean`) at ``size`` pt, as
        :meth:`~fpdf.FPDF.get_string_width` gives it, without re-parsing the text."""
        return self._width(self.font_of(family or self.family, style), text) * size

    def _width(self, font: Any, text: str) -> float:
        """The width in mm of ``text`` at 1 pt in ``font``, measured once per text: labels,
        words of names and of the first-login steps come back on every slip."""
        key = (font.i, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = float(font.get_text_width(text, 1, None)[1]) / self.k
        return width

    def clean(self, value: Any) -> str:
        """A text this document's fonts can draw (the subclass transliterates if needed)."""
        return "" if value is None else str(value)

    def fit_size(self, text: str, width: float, size: float, family: str = "",
                 style: str = "") -> float:
        """The largest font size up to ``size`` at which ``text`` fits ``width`` mm, in
        ``family`` (default: the monospace font of logins).

        Never below :data:`MIN_LOGIN_SIZE`: a login longer still overflows its cell's
        margin rather than being wrapped or cut.
        """
        needed = self.measure(self.clean(text), size, family or self.mono, style)
        if needed <= width or needed == 0:
            return size
        return max(MIN_LOGIN_SIZE, size * width / needed)

    def put(self, x: float, y: float, h: float, text: str, size: float, family: str = "",
            style: str = "") -> None:
        """``text`` (already clean) on one line, where ``cell(w, h, text)`` at (x, y) would
        print it left-aligned: after the cell margin, on the baseline of a ``h`` mm line."""
        if text:
            self._show(x + self.c_margin, y + 0.5 * h + 0.3 * size / self.k, text,
                       family or self.family, style, size)

    def put_lines(self, x: float, y: float, h: float, lines: Sequence[str], size: float,
                  family: str = "", style: str = "") -> None:
        """``lines`` (already clean) one under the other, ``h`` mm apart, each where
        :meth:`put` would print it, as one text object: the first-login steps of every
        slip cost one write."""
        family = family or self.family
        font = self.font_of(family, style)
        if len(lines) < 2 or not self._fast(font):  # one line: no block to cache
            for index, line in enumerate(lines):
                self.put(x, y + index * h, h, line, size, family, style)
            return
        key = (font.i, size, h, tuple(lines))
        body = self._blocks.get(key)
        if body is None:
            step = f" 0 {-h * self.k:.2f} Td "
            body = self._blocks[key] = step.join(self._encode(font, line) for line in lines)
        self._write(font, size, x + self.c_margin, y + 0.5 * h + 0.3 * size / self.k, body)

    def _show(self, x: float, y: float, text: str, family: str, style: str,
              size: float) -> None:
        """:meth:`~fpdf.FPDF.text` at baseline (x, y), without its per-call costs.

        The first text of a font on a page goes through fpdf2 (which adds the font to the
        page's resources), and so does anything but plain filled text in the fill colour;
        the others are written as one self-contained text object (``q BT /F size Tf ... ET
        Q``: fpdf2's own font state is left as it was), with the glyph codes of each
        distinct text encoded once: the same lines (labels, first-login steps) are printed
        on every slip and letter.
        """
        font = self.font_of(family, style)
        if self._fast(font):
            self._write(font, size, x, y, self._encode(font, text))
            return
        self.set_font(family, style, size)
        self.text(x, y, text)
        self._fonts_on_page.add((self.page, font.i))

    def _fast(self, font: Any) -> bool:
        """Whether text in ``font`` can be written directly on this page."""
        return ((self.page, font.i) in self._fonts_on_page
                and self.text_mode == TextMode.FILL and not self.underline
                and not self.strikethrough and self.text_color == self.fill_color)

    def _encode(self, font: Any, text: str) -> str:
        key = (font.i, text)
        encoded = self._encoded.get(key)
        if encoded is None:
            encoded = self._encoded[key] = font.encode_text(self.normalize_text(text))
        return encoded

    def _write(self, font: Any, size: float, x: float, y: float, shown: str) -> None:
        k = self.k
        self._out(f"q BT /F{font.i} {size:.2f} Tf {x * k:.2f} {(self.h - y) * k:.2f} Td "
                  f"{shown} ET Q")

    def wrap(self, text: str, width: float, size: float, family: str = "",
             style: str = "") -> list[str]:
        """``text`` broken into lines of at most ``width`` mm of text, at spaces (as
        ``multi_cell`` does); a word longer than a line is cut between characters."""
        font = self.font_of(family or self.family, style)

        def width_of(part: str) -> float:
            return self._width(font, part) * size

        space = width_of(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            words: list[str] = []
            used = 0.0
            for word in paragraph.split():
                needed = width_of(word)
                if words and used + space + needed <= width:
                    words.append(word)
                    used += space + needed
                    continue
                if words:
                    lines.append(" ".join(words))
                while needed > width and len(word) > 1:
                    cut = self._cut(word, width, width_of)
                    lines.append(word[:cut])
                    word = word[cut:]
                    needed = width_of(word)
                words, used = [word], needed
            lines.append(" ".join(words))
        return lines

    @staticmethod
    def _cut(word: str, width: float, width_of: Any) -> int:
        """How many leading characters of ``word`` fit ``width`` mm (at least one)."""
        used = 0.0
        for index, char in enumerate(word):
            used += width_of(char)
            if used > width:
                return max(1, index)
        return len(word)

    def dashed_lines(self, lines: tuple[tuple[float, float, float, float], ...], gray: int,
                     width: float, dash: tuple[float, float]) -> None:
        """Straight dashed lines (x1, y1, x2, y2 in mm) in ``gray`` (0-255), ``width`` mm
        wide, as one self-contained path (the document's drawing state is left as it was),
        built once per set of lines: the cut marks of every page are the same."""
        key = (lines, gray, width, dash)
        path = self._paths.get(key)
        if path is None:
            k, top = self.k, self.h
            moves = " ".join(f"{x1 * k:.2f} {(top - y1) * k:.2f} m {x2 * k:.2f} "
                             f"{(top - y2) * k:.2f} l" for x1, y1, x2, y2 in lines)
            path = self._paths[key] = (
                f"q {gray / 255:.3f} G {width * k:.2f} w [{dash[0] * k:.2f} "
                f"{dash[1] * k:.2f}] 0 d {moves} S Q")
        self._out(path)

    # Tables: bordered cells, lines of ``line_height`` mm, vertically centred.

    def row_layout(self, texts: Sequence[str], columns: Sequence[float], size: float,
                   style: str = "", mono: Sequence[int] = (),
                   line_height: float = 5) -> RowLayout:
        """Lay out one table row: text cells wrapped, ``mono`` cells on one line, fitted."""
        cells = []
        for index, text in enumerate(texts):
            inner = columns[index] - 2 * self.c_margin
            if index in mono:
                cells.append(CellText([text], self.mono, self.fit_size(text, inner, size)))
            else:
                cells.append(CellText(self.wrap(text, inner, size, self.family, style),
                                      self.family, size))
        height = line_height * max((len(c.lines) for c in cells), default=1)
        return RowLayout(cells, height, style)

    def draw_row(self, row: RowLayout, columns: Sequence[float],
                 line_height: float = 5) -> None:
        """Draw ``row`` at the current position; the position moves below it.

        The cells' borders are one path (what ``rect`` draws for each, in the current line
        width and colour); each cell's lines are one text object.
        """
        x, y, k = self.l_margin, self.y, self.k
        boxes = []
        for cell, width in zip(row.cells, columns, strict=False):
            boxes.append(f"{x * k:.2f} {(self.h - y) * k:.2f} {width * k:.2f} "
                         f"{-row.height * k:.2f} re")
            top = y + (row.height - line_height * len(cell.lines)) / 2
            style = row.style if cell.family == self.family else ""
            self.put_lines(x, top, line_height, cell.lines, cell.size, cell.family, style)
            x += width
        self._out(" ".join(boxes) + " S")
        self.set_xy(self.l_margin, y + row.height)

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[str]],
             columns: Sequence[float], mono: Sequence[int] = (), size: float = 9) -> None:
        """A bordered table of clean texts: ``header`` in bold, repeated atop every page."""
        head = self.row_layout(header, columns, size, "B")
        for number, texts in enumerate(rows):
            row = self.row_layout(texts, columns, size, mono=mono)
            needed = row.height + (head.height if number == 0 else 0)
            if self.y + needed > self.page_break_trigger:
                self.add_page()
                self.draw_row(head, columns)
            elif number == 0:
                self.draw_row(head, columns)
            self.draw_row(row, columns)
        if not rows:
            self.draw_row(head, columns)
        self.set_font(self.family, "", size)
