"""Read and write tables people exchange as CSV or XLSX: bounded, formula-aware, injection-safe.

Reading returns every sheet as its header and its rows, each row with its 1-based row
number as a spreadsheet shows it, all cells as text. CSV text goes through
``scoring.textfiles.decode_text`` (BOM, UTF-8, GB18030). XLSX is read with openpyxl, not
pandas, so that a formula cell is seen: with no cached value pandas reads it as empty, so a
mark could silently become full points; a formula is refused, naming its cell. An XLSX is a
zip file: its unpacked size is bounded before anything is parsed.
Writing prefixes text that a spreadsheet would run as a formula with ``'`` (OWASP).
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from scoring.errors import CellProblem
from scoring.messages import N_
from scoring.textfiles import UnreadableText, decode_text, unescape_cell

MAX_TABLE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 200_000


@dataclass
class Sheet:
    """One sheet: header cells, and (row number, cells) for every row that is not blank."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_table(path: str | Path, *, data: bytes | None = None) -> tuple[list[Sheet], list[CellProblem]]:
    """Return the sheets of a .csv or .xlsx file and the problems that make it unreadable.

    ``data``: the file's bytes (an upload read into memory, so no copy of it is ever left on
    disk); ``path`` then only names it (its suffix says which kind of table it is).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xlsm"}:
        return [], [CellProblem(path.name, 0, "-", N_("请使用 .csv 或 .xlsx 文件"))]
    if (len(data) if data is not None else path.stat().st_size) > MAX_TABLE_BYTES:
        return [], [CellProblem(path.name, 0, "-", N_("文件超过 %(n)s MB", n=MAX_TABLE_BYTES // 1024 // 1024))]
    content = data if data is not None else path.read_bytes()
    if suffix == ".csv":
        return _read_csv(path.name, content)
    return _read_xlsx(path.name, content)


def _read_csv(name: str, content: bytes) -> tuple[list[Sheet], list[CellProblem]]:
    try:
        text = decode_text(content, MAX_TABLE_BYTES)
    except UnreadableText as exc:
        return [], [CellProblem(name, exc.line or 0, "-", exc.message)]
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + 1:
                return [], [CellProblem(name, len(records), "-", N_("超过 %(n)s 行", n=MAX_ROWS))]
    except csv.Error as exc:
        return [], [CellProblem(name, len(records) + 1, "-", N_("CSV 格式错误：%(detail)s", detail=exc))]
    return [_sheet(name, records)], []


def _read_xlsx(name: str, content: bytes) -> tuple[list[Sheet], list[CellProblem]]:
    import openpyxl  # slow to import; only XLSX needs it

    not_xlsx = [CellProblem(name, 0, "-", N_("不是有效的 XLSX 文件"))]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                return [], [CellProblem(name, 0, "-", N_("XLSX 文件解压后超过 %(n)s MB",
                                                              n=MAX_UNPACKED_BYTES // 1024 // 1024))]
    except zipfile.BadZipFile:
        return [], not_xlsx
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it drops (validation, styles)
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            return [], not_xlsx
    sheets, problems = [], []
    try:
        for sheet in book.worksheets:
            records: list[list[str]] = []
            for number, row in enumerate(sheet.iter_rows(), start=1):
                if number > MAX_ROWS + 1:
                    problems.append(CellProblem(sheet.title, number, "-", N_("超过 %(n)s 行", n=MAX_ROWS)))
                    break
                cells = []
                for column, cell in enumerate(row):
                    if getattr(cell, "data_type", None) == "f":
                        header = records[0][column] if records and column < len(records[0]) else ""
                        problems.append(CellProblem(sheet.title, number, header or _letter(column),
                                                    N_("单元格含公式，请另存为数值后再导入")))
                    cells.append(_text(cell.value))
                records.append(cells)
            sheets.append(_sheet(sheet.title, records))
    finally:
        book.close()
    return sheets, problems


def _sheet(name: str, records: list[list[str]]) -> Sheet:
    header = [cell.strip() for cell in records[0]] if records else []
    while header and not header[-1]:
        header.pop()
    sheet = Sheet(name, header)
    for number, record in enumerate(records[1:], start=2):
        cells = [unescape_cell(cell) for cell in record]
        if any(cell.strip() for cell in cells):
            sheet.rows.append((number, cells))
    return sheet


def _text(value: object) -> str:
    """A cell's value as the text a person typed: 3 not 3.0, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _letter(column: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
