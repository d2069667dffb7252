"""Text of Word (python-docx) and Excel (openpyxl) evidence, as reader blocks.

A table row, in Word or Excel, becomes one block with its cells joined by " | ", so a
ledger line ("2025-03-12 | 合同审查 | 张律师") is cited as a whole.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .passages import Block

CELL_SEPARATOR = " | "
# Columns beyond this are ignored: a hostile sheet can declare a cell in column XFD on every
# row, and openpyxl pads each row to its last cell.
MAX_XLSX_COLUMNS = 256
_MAX_TABLE_DEPTH = 5
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)", re.IGNORECASE)


def _heading_level(paragraph: Paragraph) -> int:
    try:
        name = paragraph.style.name if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):  # dangling style reference
        return 0
    if name in ("Title", "标题"):
        return 2
    match = _HEADING_STYLE.match(name or "")
    if not match:
        return 0
    return 1 if match.group(1) == "1" else 2


def _cell_text(cell: _Cell, depth: int) -> str:
    parts = [p.text for p in cell.paragraphs]
    if depth < _MAX_TABLE_DEPTH:
        for table in cell.tables:
            parts.extend(_row_text(row, depth + 1) for row in table.rows)
    return " ".join(" ".join(parts).split())


def _row_text(row: _Row, depth: int = 0) -> str:
    texts, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
            continue
        seen.add(id(cell._tc))
        text = _cell_text(cell, depth)
        if text:
            texts.append(text)
    return CELL_SEPARATOR.join(texts)


def _body_items(element: object, parent: object) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in document order, including those inside content controls."""
    for child in element.iterchildren():  # type: ignore[attr-defined]
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)  # type: ignore[arg-type]
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)  # type: ignore[arg-type]
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_items(content, parent)


def docx_blocks(data: bytes) -> Iterator[Block]:
    """Body paragraphs (with their heading level) and table rows, in reading order.

    Headers, footers, footnotes, comments and text boxes are not read.
    """
    document = docx.Document(io.BytesIO(data))
    for item in _body_items(document.element.body, document._body):
        if isinstance(item, Paragraph):
            yield Block(item.text, heading_level=_heading_level(item))
        else:
            for row in item.rows:
                yield Block(_row_text(row))


def _value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Excel stores 3 as 3.0
    return " ".join(str(value).split())


def xlsx_blocks(data: bytes) -> Iterator[Block]:
    """One block per non-empty row of every worksheet, tagged with sheet name and row number.

    Cached values are read (what the town saw in Excel); a formula never calculated by Excel
    has no cached value and reads as empty.
    """
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            if not isinstance(sheet, ReadOnlyWorksheet):
                continue
            # The <dimension> tag is the file's claim, not the truth; size rows by their cells.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(min_row=1, max_col=MAX_XLSX_COLUMNS, values_only=True)
            for number, values in enumerate(rows, start=1):
                texts = [t for t in map(_value_text, values) if t]
                if texts:
                    yield Block(CELL_SEPARATOR.join(texts), sheet=sheet.title, row=number)
    finally:
        workbook.close()
