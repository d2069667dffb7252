"""Table rows printed as one line of text per row: the fields placed at their columns.

WeasyPrint's cost grows with text boxes: a ranking row of five cells took five style
cascades, Pango layouts and draws, one line of text takes one. Each field is moved to its
column with space glyphs of known width (the bundled font's advances, below), and a short
tab then snaps it onto a stop of a GRID_PX grid, so a small error in a width cannot shift
a column; column offsets are multiples of the grid. The gap a tab leaves is kept short
because WeasyPrint 70 draws it 2.4% wide (Pango units / 1000 instead of / 1024).
A field whose width is not known (a character outside the table) or that does not fit its
column's content box gets a cell of its own, where it wraps as before.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

GRID_PX = 3  # tab-size of a placed line; every column width is a multiple of it
CELL_PADDING_PX = 4  # 3pt each side of a cell (scorecard.css .sc-rank-table td)
FONT_PT = 8.0  # .sc-rank-table

# Advances of NotoSansSC-Regular.ttf in 1/1000 em (tests/scoring/report/test_lines.py reads
# them from the font): digits are tabular, every ideograph and full-width form is 1 em.
WIDTHS = {**dict.fromkeys("0123456789", 555), ".": 278, "-": 347, "—": 894,
          " ": 224, "\u2002": 500, "\u3000": 1000}
FULL_WIDTH = ((0x3001, 0x3029), (0x3400, 0x4DB5), (0x4E00, 0x9FEF), (0xFF01, 0xFF5E))
_UNITS_PER_PX = 1000 / (FONT_PT * 4 / 3)  # 1/1000 em per CSS px at FONT_PT
_GRID = GRID_PX * _UNITS_PER_PX
_MARGIN = 40  # keep the spaces this far (1/1000 em) inside the tab's window


def text_width(text: str) -> float | None:
    """Advance of ``text`` in 1/1000 em, or None when a character's width is not known."""
    total = 0
    for char in text:
        width = WIDTHS.get(char)
        if width is None:
            code = ord(char)
            if not any(low <= code <= high for low, high in FULL_WIDTH):
                return None
            width = 1000
        total += width
    return total


@dataclass(frozen=True)
class Cell:
    text: str
    span: int  # columns the cell covers
    placed: bool  # several fields placed on one line (white-space: pre)


def row_cells(fields: Sequence[tuple[str, int]]) -> tuple[Cell, ...]:
    """The cells of one table row: ``fields`` are (text, column width in px), one per column.

    Consecutive fields that fit their columns share one cell, placed on one line; a field
    that does not fit, or whose width is not known, gets a cell of its own.
    """
    cells: list[Cell] = []
    run: list[tuple[str, int]] = []

    def close() -> None:
        if len(run) == 1:
            cells.append(Cell(run[0][0], 1, False))
        elif run:
            cells.append(Cell(_placed(run), len(run), True))
        run.clear()

    for text, width_px in fields:
        if width_px % GRID_PX:
            raise ValueError(f"column width {width_px}px is not a multiple of {GRID_PX}px")
        advance = text_width(text)
        if advance is None or advance > (width_px - 2 * CELL_PADDING_PX) * _UNITS_PER_PX:
            close()
            cells.append(Cell(text, 1, False))
        else:
            run.append((text, width_px))
    close()
    return tuple(cells)


def _placed(fields: Sequence[tuple[str, int]]) -> str:
    parts, x, offset = [], 0.0, 0
    for index, (text, width_px) in enumerate(fields):
        if index:
            target = offset * _UNITS_PER_PX
            parts += [_spaces(target - x), "\t"]
            x = target
        parts.append(text)
        x += text_width(text) or 0
        offset += width_px
    return "".join(parts)


@functools.lru_cache(maxsize=4096)  # gaps repeat: integer widths, columns on a grid
def _spaces(gap: float) -> str:
    """The fewest spaces that end inside the grid cell just before ``gap`` (1/1000 em).

    The tab that follows then moves to the stop at ``gap`` exactly. The three widths (224,
    500, 1000) reach every window of 200 units past 450, so the search always finds one;
    every glyph costs time to draw, so the wide ones come first.
    """
    aim, best = gap - _GRID / 2, None
    for ems in range(max(0, int(aim // 1000) - 1), int(aim // 1000) + 1):
        for halves in (0, 1):
            for narrow in range(9):
                value = 1000 * ems + 500 * halves + 224 * narrow
                if gap - _GRID + _MARGIN < value < gap - _MARGIN:
                    key = (ems + halves + narrow, abs(value - aim))
                    if best is None or key < best[0]:
                        best = (key, "\u3000" * ems + "\u2002" * halves + " " * narrow)
    if best is None:
        raise ValueError(f"no spaces fit a gap of {gap:.0f}")
    return best[1]
