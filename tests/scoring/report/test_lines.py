"""Rows placed on one line of text: the widths they rely on are the bundled font's, and a
field that cannot be placed keeps a cell of its own (where it wraps) instead of running
into the next column."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from scoring.report import lines
from scoring.report.lines import Cell, row_cells, text_width
from scoring.report.pdf import FONT_DIR


@pytest.fixture(scope="module")
def advances() -> dict[int, int]:
    with TTFont(FONT_DIR / "NotoSansSC-Regular.ttf", lazy=True) as font:
        metrics = font["hmtx"].metrics
        return {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}


def test_the_widths_are_those_of_the_bundled_font(advances):
    assert {char: advances[ord(char)] for char in lines.WIDTHS} == lines.WIDTHS
    for low, high in lines.FULL_WIDTH:
        assert {advances.get(code) for code in range(low, high + 1)} == {1000}, hex(low)


def test_a_character_of_unknown_width_makes_the_text_unmeasured():
    assert text_width("第0189镇") == 1000 + 4 * 555 + 1000
    assert text_width("Harbour 港") is None
    assert text_width("𬒔") is None  # supplementary ideographs are not all in the font


def test_fields_that_fit_share_one_line_and_stand_on_their_columns():
    (cell,) = row_cells([("1", 45), ("白河街道", 150), ("12.5", 69), ("优秀", 51)])
    assert cell.span == 4 and cell.placed
    texts = [t.strip(" \u2002\u3000") for t in cell.text.split("\t")]
    assert texts == ["1", "白河街道", "12.5", "优秀"]
    # Each field's spaces end inside the grid cell before its column, so the tab lands on it.
    x, offset = 0.0, 0
    for part, width in zip(cell.text.split("\t"), (45, 150, 69, 51), strict=False):
        x += text_width(part)
        offset += width
        target = offset * lines._UNITS_PER_PX
        if offset < 45 + 150 + 69 + 51:
            assert target - lines._GRID < x < target
            x = target


def test_a_field_too_wide_or_unmeasured_keeps_its_own_cell():
    long_name = "特别长的名字用来测试单位栏换行的街道办事处"
    cells = row_cells([("2", 45), (long_name, 150), ("12.5", 69), ("9", 69), ("良好", 51)])
    assert cells[0] == Cell("2", 1, False)
    assert cells[1] == Cell(long_name, 1, False)
    assert cells[2].placed and cells[2].span == 3
    cells = row_cells([("3", 45), ("Harbour港区", 150), ("12.5", 69)])
    assert [c.text for c in cells] == ["3", "Harbour港区", "12.5"] and not any(c.placed for c in cells)


def test_column_widths_off_the_grid_are_refused():
    with pytest.raises(ValueError, match="multiple"):
        row_cells([("1", 44), ("白河街道", 150)])
