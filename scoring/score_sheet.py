"""A reviewer's score sheet (评分表): an XLSX workbook to score offline, and reading it back.

One row per town and item the reviewer scores, in the columns of a marks file
(``scoring.marks_io``), each input cell with the data validation its method asks for
(``cell_rule``: the item's levels as a list, a ratio or points as a range). A hidden column
keeps, per row, the town and item, the mark's version when exported and a digest of the
row's cells as exported. Reading back:

* a row whose cells still match its digest was not edited and is skipped;
* an edited row is parsed and validated like any marks file; any problem refuses the file;
* an edited row whose mark was changed on the server since the export is a conflict
  (found by the service, which knows the current versions), never silently overwritten.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from scoring.errors import CellProblem, MarksFileError
from scoring.marks import Mark, needs_confirmation
from scoring.marks_io import COLUMNS, METHOD_COLUMNS, parse_row
from scoring.messages import N_, Message
from scoring.methods import METHODS
from scoring.methods.base import CellRule
from scoring.rubric import Rubric
from scoring.tablefiles import Sheet, read_table
from scoring.textfiles import spreadsheet_safe

SHEET = "评分表"
CHOICES_SHEET = "选项"
EDITABLE = (*(c.name for c in METHOD_COLUMNS), "triggered", "claims", "not_applicable", "comment")
NOTHING = "无"  # typed where a deduct item has no deduction or a bonus item no claim: confirms it
_INFO = {"town": "单位", "item": "项目", "title": "项目名称", "max": "满分", "hint": "填写说明"}
_KEY = "校验"
HEADER = [*_INFO.values(), *(COLUMNS[c] for c in EDITABLE), _KEY]
_CONFIRMS = {"deductions", "claims"}


@dataclass(frozen=True)
class SheetRow:
    """One row to export: the item for a town, what to type, and the mark as it stands."""

    town_id: int
    town: str
    item_id: str
    kind: str  # "item", "bonus" or "veto"
    title: str
    max_points: str
    rule: CellRule | None  # the input cell's rule (scored items)
    cells: dict[str, str]  # editable column -> text, as ``row_cells`` gives
    version: int  # the stored mark's version (0: none yet)


@dataclass(frozen=True)
class SheetEdit:
    """An edited row of an imported sheet: a valid mark and the version it was edited from."""

    sheet: str
    row: int
    town_id: int
    item_id: str
    mark: Mark
    version: int
    column: str  # the header of the first edited cell, to name in a conflict


def row_cells(kind: str, method_kind: str | None, mark: Mark | None, complete: bool) -> dict[str, str]:
    """The editable cells of a row: the mark's, with 无 where a complete mark has no findings."""
    from scoring.marks_io import mark_cells

    cells = dict.fromkeys(EDITABLE, "") if mark is None else mark_cells(mark)
    if mark is not None and complete and not mark.not_applicable:
        if kind == "bonus" and not cells["claims"]:
            cells["claims"] = NOTHING
        method = METHODS.get(method_kind or "")
        if kind == "item" and method is not None and method.EMPTY_IS_FULL:
            for field in method.FIELDS:
                if field in _CONFIRMS and not cells[field]:
                    cells[field] = NOTHING
    return cells


def digest(cells: dict[str, str]) -> str:
    text = "\x1f".join(cells.get(column, "").strip() for column in EDITABLE)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def write_sheet(rows: list[SheetRow], title: str) -> bytes:
    """The workbook of these rows, with each input cell's validation and input message."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    choices = book.create_sheet(CHOICES_SHEET)
    choices.sheet_state = "hidden"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    grey = PatternFill("solid", fgColor="EEEEEE")
    position = {column: HEADER.index(COLUMNS[column]) + 1 for column in EDITABLE}
    validations: dict[tuple, DataValidation] = {}
    lists: dict[tuple[str, ...], str] = {}
    for number, row in enumerate(rows, start=2):
        values = [row.town, row.item_id, row.title, row.max_points, str(row.rule.hint) if row.rule else "",
                  *(row.cells[c] for c in EDITABLE), f"{row.town_id}:{row.item_id}:{row.version}:{digest(row.cells)}"]
        sheet.append([spreadsheet_safe(v) for v in values])
        used = _used_columns(row)
        for column, index in position.items():
            if column not in used:
                sheet.cell(number, index).fill = grey
        if row.rule is not None:
            key = (row.rule.column, row.rule.choices, row.rule.low, row.rule.high, str(row.rule.hint))
            if key not in validations:
                validations[key] = _validation(row.rule, lists, choices, DataValidation)
                sheet.add_data_validation(validations[key])
            validations[key].add(sheet.cell(number, position[row.rule.column]))
    yes = DataValidation(type="list", formula1='"是"', allow_blank=True)
    sheet.add_data_validation(yes)
    if rows:
        yes.add(f"{get_column_letter(position['not_applicable'])}2:"
                f"{get_column_letter(position['not_applicable'])}{len(rows) + 1}")
    widths = {"单位": 14, "项目": 8, "项目名称": 36, "满分": 6, "填写说明": 30, COLUMNS["comment"]: 40}
    for index, header in enumerate(HEADER, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(header, 12)
    sheet.column_dimensions[get_column_letter(len(HEADER))].hidden = True
    for row_cells_ in sheet.iter_rows(min_row=2):
        for cell in row_cells_:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "F2"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _used_columns(row: SheetRow) -> set[str]:
    if row.kind == "bonus":
        return {"claims", "comment"}
    if row.kind == "veto":
        return {"triggered", "comment"}
    return {row.rule.column if row.rule else "", "not_applicable", "comment"}


def _validation(rule: CellRule, lists: dict, choices, factory):
    """A list rule reads its choices from the hidden sheet (names may hold commas; no 255 limit)."""
    if rule.choices:
        if rule.choices not in lists:
            line = len(lists) + 1
            for column, choice in enumerate(rule.choices, start=1):
                choices.cell(line, column, spreadsheet_safe(choice))
            from openpyxl.utils import get_column_letter

            lists[rule.choices] = f"'{CHOICES_SHEET}'!$A${line}:${get_column_letter(len(rule.choices))}${line}"
        validation = factory(type="list", formula1=lists[rule.choices], allow_blank=True)
    elif rule.low is None:  # free text (``rule:count``): only the input message
        validation = factory(allow_blank=True)
    else:
        validation = factory(type="decimal", operator="between", formula1=rule.low, formula2=rule.high,
                             allow_blank=True)
    validation.prompt = str(rule.hint)[:250]
    validation.error = str(N_("输入不符合本项目的评分方式：%(hint)s", hint=rule.hint))[:250]
    validation.showInputMessage = validation.showErrorMessage = True
    return validation


def read_sheet(path: str | Path, rubric: Rubric, *, reviewer: str, towns: dict[int, str],
               name: str = "", data: bytes | None = None) -> list[SheetEdit]:
    """The edited rows of a score sheet, each a valid mark; raise MarksFileError naming every bad cell.

    ``data``: the sheet's bytes, when it is an upload in memory (``path`` then only names it).
    """
    path = Path(path)
    label = name or path.name
    sheets, problems = read_table(path, data=data)
    sheet = next((s for s in sheets if s.name == SHEET), None)
    if sheet is None and not problems:
        problems.append(CellProblem(label, 0, "-", N_("找不到工作表“%(sheet)s”，请使用从系统导出的评分表",
                                                          sheet=SHEET)))
    edits: list[SheetEdit] = []
    if sheet is not None and not problems:
        problems += _header_problems(sheet)
        if not problems:
            for number, cells in sheet.rows:
                edit, row_problems = _read_row(rubric, sheet.name, number, dict(zip(sheet.header, cells, strict=False)),
                                               reviewer, towns)
                problems += row_problems
                if edit is not None:
                    edits.append(edit)
    if problems:
        raise MarksFileError(label, problems)
    return edits


def _header_problems(sheet: Sheet) -> list[CellProblem]:
    missing = [h for h in HEADER if h not in sheet.header]
    unknown = [h for h in sheet.header if h and h not in HEADER]
    return ([CellProblem(sheet.name, 1, h, N_("缺少列，请使用从系统导出的评分表")) for h in missing]
            + [CellProblem(sheet.name, 1, h, N_("未知的列名“%(name)s”", name=h)) for h in unknown])


def _read_row(rubric: Rubric, sheet: str, number: int, row: dict[str, str], reviewer: str,
              towns: dict[int, str]) -> tuple[SheetEdit | None, list[CellProblem]]:
    key = _key(row.get(_KEY, ""))
    if key is None or key[0] not in towns:
        return None, [CellProblem(sheet, number, _KEY, N_("隐藏的校验列缺失或被修改，请重新导出评分表"))]
    town_id, item_id, version, exported = key
    if row.get(_INFO["item"], "").strip() != item_id:
        return None, [CellProblem(sheet, number, _INFO["item"], N_("项目编号被修改，应为 %(item)s", item=item_id))]
    cells = {column: row.get(COLUMNS[column], "").strip() for column in EDITABLE}
    if digest(cells) == exported:
        return None, []  # not edited
    confirmed = {c for c in _CONFIRMS if cells[c] == NOTHING}
    values = {column: ("" if column in confirmed else cells[column]) for column in EDITABLE}
    mark, problems = parse_row(rubric, sheet, number, {"town": towns[town_id], "item": item_id,
                                                        "reviewer": reviewer, **values})
    if mark is None:
        return None, problems
    kind = rubric.kind_of(item_id) or ""
    method_kind = rubric.item(item_id).method.kind if kind == "item" else None
    inputs = mark_inputs(mark)
    if needs_confirmation(kind, method_kind, inputs) and not confirmed:
        column = "claims" if kind == "bonus" else next(c for c in _CONFIRMS if c in METHODS[method_kind].FIELDS)
        return None, [CellProblem(sheet, number, _named(column), N_(
            "没有扣分或加分事项时请填“%(nothing)s”确认（留空不计分）", nothing=NOTHING))]
    edited = next((c for c in EDITABLE if cells[c]), "comment")
    return SheetEdit(sheet, number, town_id, item_id, mark, version, _named(edited)), []


def _named(column: str) -> str:
    """A column as problems name it in every marks file: ``扣分 (deductions)``."""
    return f"{COLUMNS[column]} ({column})"


def _key(text: str) -> tuple[int, str, int, str] | None:
    parts = text.strip().split(":")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in (parts[0], parts[2])):
        return None
    return int(parts[0]), parts[1], int(parts[2]), parts[3]


def mark_inputs(mark: Mark) -> dict:
    """A mark's stored inputs (every field but town, item and reviewer; defaults left out)."""
    return mark.model_dump(mode="json", exclude={"town", "item", "reviewer"}, exclude_defaults=True)


def kept_inputs(imported: dict, current: dict | None) -> dict:
    """The imported inputs with what a sheet cannot carry kept from the stored mark.

    A sheet has no cells for citations or a deduction's own reason: an offline edit must
    not drop them. A deduction under the same rule keeps its reason and citation.
    """
    if not current:
        return imported
    out = dict(imported)
    if current.get("citations") and "citations" not in out:
        out["citations"] = current["citations"]
    before = {d.get("rule"): d for d in current.get("deductions") or [] if isinstance(d, dict)}
    if "deductions" in out:
        out["deductions"] = [{**{k: v for k, v in before.get(d["rule"], {}).items() if k in ("reason", "citation")},
                              **d} for d in out["deductions"]]
    return out


def conflict(edit: SheetEdit, current_version: int, at: str) -> CellProblem:
    message: Message = N_("导出后此项已在系统中修改（版本 %(was)s → %(now)s，%(at)s），未导入；请重新导出后再修改",
                          was=edit.version, now=current_version, at=at)
    return CellProblem(edit.sheet, edit.row, edit.column, message)
