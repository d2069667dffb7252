"""Read a table of marks from CSV or XLSX, all-or-nothing, naming sheet, row and column.

One row per mark. Columns (header names in English or Chinese):

===============  ==========  ===========================================================
column           中文         value
===============  ==========  ===========================================================
town             单位         town name
item             项目         item, bonus or veto id from the rubric
reviewer         评分人       reviewer name or id
deductions       扣分         ``rule:count`` pairs separated by ``;`` (count 1 if omitted)
level            档次         level name (levels method)
met              达标         是/否, yes/no, true/false, 1/0 (binary method)
ratio            完成率       0.9 or 90% (ratio method)
points           得分         points (judgement method)
triggered        否决         是/否 (veto items)
claims           加分事项     ``matter:level`` pairs separated by ``;`` (bonus items)
not_applicable   不适用       是/否
comment          理由         reason or comment
===============  ==========  ===========================================================
"""

from __future__ import annotations

import re
from decimal import InvalidOperation
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from scoring.errors import CellProblem, InvalidMark, MarksFileError
from scoring.marks import BonusClaim, Mark, MarkTable, mark_table, validate_mark
from scoring.messages import N_
from scoring.methods import file_columns
from scoring.rubric import Rubric
from scoring.rubric.names import normalised
from scoring.tablefiles import Sheet, read_table
from scoring.textfiles import spreadsheet_safe
from scoring.validation_messages import pydantic_message

METHOD_COLUMNS = file_columns()  # each scoring method's own columns (scoring.methods.<kind>.COLUMNS)
COLUMNS = {
    "town": "单位", "item": "项目", "reviewer": "评分人", **{c.name: c.chinese for c in METHOD_COLUMNS},
    "triggered": "否决", "claims": "加分事项", "not_applicable": "不适用", "comment": "理由",
}
_ALIASES = {**{v: k for k, v in COLUMNS.items()}, **{k: k for k in COLUMNS}}
_TRUE = {"1", "true", "yes", "y", "是", "√", "否决"}
_FALSE = {"0", "false", "no", "n", "否", "×", ""}
_PAIR_SPLIT = re.compile(r"[;；\n]")


def read_marks(path: str | Path, rubric: Rubric) -> MarkTable:
    """Return the marks in a CSV or XLSX file; raise MarksFileError listing every bad cell.

    All or nothing: one bad cell, formula or duplicate row and no mark of the file is used.
    """
    path = Path(path)
    sheets, problems = read_table(path)
    unreadable = {(p.sheet, p.row) for p in problems}  # e.g. a formula: the row is not parsed
    marks: list[Mark] = []
    first_row: dict[tuple[str, str, str], tuple[str, int]] = {}
    for sheet in sheets:
        header_problems = _header_problems(sheet)
        problems += header_problems
        if header_problems:
            continue
        columns = [_ALIASES[c] for c in sheet.header]
        for number, cells in sheet.rows:
            if (sheet.name, number) in unreadable:
                continue
            row = dict(zip(columns, cells, strict=False))
            key = tuple(normalised(str(row.get(c, ""))) for c in ("town", "item", "reviewer"))
            if key in first_row and all(key):
                other_sheet, other_row = first_row[key]
                problems.append(CellProblem(sheet.name, number, _DUPLICATE_COLUMNS, N_(
                    "与 %(sheet)s 第 %(row)s 行重复：同一评分人对同一单位的同一项目只能有一行",
                    sheet=other_sheet, row=other_row)))
                continue
            first_row.setdefault(key, (sheet.name, number))
            mark, row_problems = parse_row(rubric, sheet.name, number, row)
            problems += row_problems
            if mark is not None:
                marks.append(mark)
    if problems:
        raise MarksFileError(str(path), problems)
    return mark_table(marks)


_DUPLICATE_COLUMNS = "单位、项目、评分人 (town, item, reviewer)"


def _header_problems(sheet: Sheet) -> list[CellProblem]:
    problems = [CellProblem(sheet.name, 1, c or "-", N_("未知的列名“%(name)s”", name=c))
                for c in sheet.header if c not in _ALIASES]
    named = [_ALIASES[c] for c in sheet.header if c in _ALIASES]
    problems += [CellProblem(sheet.name, 1, COLUMNS[c], N_("列 %(name)s 出现了不止一次", name=c))
                 for c in dict.fromkeys(named) if named.count(c) > 1]
    problems += [CellProblem(sheet.name, 1, f"{COLUMNS[c]} ({c})", N_("缺少必需的列"))
                 for c in ("town", "item", "reviewer") if c not in named]
    return problems


def parse_row(rubric: Rubric, sheet: str, row_number: int, row: dict) -> tuple[Mark | None, list[CellProblem]]:
    """One row -> a validated Mark, or the row's problems (each method reads its own columns)."""
    problems: list[CellProblem] = []

    def cell(column: str) -> str:
        return str(row.get(column, "") or "").strip()

    def bad(column: str, message) -> None:
        problems.append(CellProblem(sheet, row_number, _header(column), str(message)))

    values: dict = {"town": cell("town"), "item": cell("item"), "reviewer": cell("reviewer"),
                    "comment": cell("comment")}
    for column in ("triggered", "not_applicable"):
        text = cell(column).lower()
        if text in _TRUE:
            values[column] = True
        elif text not in _FALSE:
            bad(column, N_("“%(value)s”不是“是/否”", value=cell(column)))
        elif text and column != "not_applicable":
            values[column] = False
    for column in METHOD_COLUMNS:
        if not cell(column.name):
            continue
        try:
            value = column.read(cell(column.name))
        except (InvalidOperation, ValueError):
            bad(column.name, N_("无法读取“%(value)s”", value=cell(column.name)))
            continue
        if value is not None:
            values[column.name] = value
    values["claims"] = _pairs(cell("claims"), "claims", bad, lambda a, b: BonusClaim(matter=a, level=b))
    if problems:
        return None, problems
    try:
        mark = Mark.model_validate(values)
        validate_mark(rubric, mark)
    except ValidationError as exc:
        for error in exc.errors():
            bad(str(error["loc"][0]), pydantic_message(error))
        return None, problems
    except InvalidMark as exc:
        bad(exc.field if exc.field in COLUMNS else "item", exc.message)
        return None, problems
    return mark, problems


def _header(column: str) -> str:
    return f"{COLUMNS[column]} ({column})" if column in COLUMNS else column


def _pairs(text: str, column: str, bad, build) -> list:
    out = []
    for part in filter(None, (p.strip() for p in _PAIR_SPLIT.split(text))):
        head, _, tail = part.replace("：", ":").partition(":")
        try:
            out.append(build(head.strip(), tail.strip()))
        except (ValueError, ValidationError):
            bad(column, N_("无法读取“%(value)s”", value=part))
    return out


def mark_cells(mark: Mark) -> dict[str, str]:
    """A mark as the cells of its row (every column but town, item and reviewer), as people read them."""
    return {
        **{column.name: column.write(getattr(mark, column.name)) for column in METHOD_COLUMNS},
        "triggered": "" if mark.triggered is None else ("是" if mark.triggered else "否"),
        "claims": "; ".join(f"{c.matter}:{c.level}" for c in mark.claims),
        "not_applicable": "是" if mark.not_applicable else "",
        "comment": mark.comment,
    }


def write_marks(marks: list[Mark], path: str | Path) -> Path:
    """Write marks to .csv or .xlsx in the layout ``read_marks`` reads back (formulas neutralised)."""
    path = Path(path)
    rows = [{"town": mark.town, "item": mark.item, "reviewer": mark.reviewer, **mark_cells(mark)} for mark in marks]
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).map(spreadsheet_safe)
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        frame.to_excel(path, index=False, sheet_name="评分", engine="openpyxl")
    return path
