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
    """Return the marks in a CSV or XLSX file; raise MarksFileError listing every bad cell."""
    path = Path(path)
    sheets = _read_sheets(path)
    marks: list[Mark] = []
    problems: list[CellProblem] = []
    for sheet, frame in sheets.items():
        unknown = [c for c in frame.columns if c not in _ALIASES]
        problems += [CellProblem(sheet, 1, str(c), "unknown column") for c in unknown]
        frame = frame.rename(columns=_ALIASES)
        for required in ("town", "item", "reviewer"):
            if required not in frame.columns:
                problems.append(CellProblem(sheet, 1, required, "required column is missing"))
        if problems:
            continue
        for offset, row in enumerate(frame.to_dict("records")):
            mark, row_problems = _parse_row(rubric, sheet, offset + 2, row)
            problems += row_problems
            if mark is not None:
                marks.append(mark)
    if problems:
        raise MarksFileError(str(path), problems)
    return mark_table(marks)


def _read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return {path.name: pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")}
    if suffix in {".xlsx", ".xlsm"}:
        return pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    raise MarksFileError(str(path), [CellProblem(path.name, 0, "-", "use a .csv or .xlsx file")])


def _parse_row(rubric: Rubric, sheet: str, row_number: int, row: dict) -> tuple[Mark | None, list[CellProblem]]:
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


def write_marks(marks: list[Mark], path: str | Path) -> Path:
    """Write marks to .csv or .xlsx in the layout ``read_marks`` reads back."""
    path = Path(path)
    rows = []
    for mark in marks:
        rows.append({
            "town": mark.town, "item": mark.item, "reviewer": mark.reviewer,
            **{column.name: column.write(getattr(mark, column.name)) for column in METHOD_COLUMNS},
            "triggered": "" if mark.triggered is None else ("是" if mark.triggered else "否"),
            "claims": "; ".join(f"{c.matter}:{c.level}" for c in mark.claims),
            "not_applicable": "是" if mark.not_applicable else "",
            "comment": mark.comment,
        })
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        frame.to_excel(path, index=False, sheet_name="评分", engine="openpyxl")
    return path
