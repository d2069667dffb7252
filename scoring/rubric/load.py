"""Load a rubric from YAML, reporting every problem with file, line, object and field.

Messages read ``rubrics/x.yaml:41 → 一级指标 C → 考核项目 C2 → max_points: …``: the line
comes from the YAML node tree (``scoring.rubric.source``), the object route from the ids in
the data (``scoring.rubric.routes``), the message is a Chinese message id with parameters.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from scoring.errors import Problem, RubricError
from scoring.messages import N_, Message
from scoring.rubric import routes
from scoring.rubric.checks import (
    Found,
    Loc,
    bonus_problems,
    check_category,
    check_rubric,
    duplicate_ids,
    fmt,
    grade_problems,
    name_problems,
    tie_break_problems,
    veto_problems,
)
from scoring.rubric.model import BonusSection, Category, GradeBand, Rubric, TieBreak, VetoItem
from scoring.rubric.source import Lines, dump_yaml, read_yaml
from scoring.textfiles import MAX_TEXT_BYTES, UnreadableText, decode_text, read_text_file
from scoring.validation_messages import pydantic_message

MAX_RUBRIC_BYTES = MAX_TEXT_BYTES


def load_rubric(path: str | Path) -> Rubric:
    """Return the rubric in a YAML file (UTF-8, GB18030 or with a BOM); raise RubricError."""
    try:
        text = read_text_file(path, MAX_RUBRIC_BYTES)
    except UnreadableText as exc:
        raise RubricError(str(path), [Problem(str(path), exc.message, line=exc.line)]) from None
    return parse_rubric(text, str(path))


def rubric_text(data: bytes, file: str) -> str:
    """The text of an uploaded rubric file; RubricError if too large or not readable text."""
    try:
        return decode_text(data, MAX_RUBRIC_BYTES)
    except UnreadableText as exc:
        raise RubricError(file, [Problem(file, exc.message, line=exc.line)]) from None


def parse_rubric(text: str, file: str = "<rubric>") -> Rubric:
    """Return the rubric in YAML ``text``; raise RubricError listing every problem."""
    data, lines = read_yaml(text, file)
    if not isinstance(data, dict):
        raise RubricError(file, [Problem(file, N_("细则应由若干字段组成（YAML 映射）"), line=1)])

    found: list[Found] = []
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        named = name_problems(data)
        refused = {loc for loc, _ in named}
        found += named
        found += [(loc, _message(e)) for e in exc.errors() if (loc := _clean_loc(e["loc"])) not in refused]
        found += _checks_of_valid_parts(data)
        rubric = None
    else:
        found += check_rubric(rubric, data)
    if found:
        raise RubricError(file, [_problem(file, data, lines, loc, msg) for loc, msg in _unique(found)])
    assert rubric is not None
    return rubric


def dump_rubric(rubric: Rubric) -> str:
    """Return the rubric as YAML that ``parse_rubric`` reads back to an equal rubric."""
    return dump_yaml(rubric.model_dump(mode="python", exclude_defaults=True))


def _checks_of_valid_parts(data: dict) -> list[Found]:
    """When the whole rubric does not parse, still check the parts that do."""
    found: list[Found] = duplicate_ids(data)
    try:
        grades = TypeAdapter(list[GradeBand]).validate_python(data.get("grades"))
    except ValidationError:
        pass
    else:
        found += grade_problems(grades)
    categories = data.get("categories")
    if not isinstance(categories, list):
        return found
    category_ids = {str(raw.get("id")) for raw in categories if isinstance(raw, dict)}
    for index, raw in enumerate(categories):
        try:
            category = Category.model_validate(raw)
        except ValidationError:
            continue
        found += check_category(category, ("categories", index))
    points = [raw.get("points") if isinstance(raw, dict) else None for raw in categories]
    declared = sum((Decimal(str(p)) for p in points), Decimal(0)) if all(
        isinstance(p, int | float) for p in points) else None
    total = data.get("total_points")
    if declared is not None and isinstance(total, int | float) and Decimal(str(total)) != declared:
        found.append((("total_points",), N_("各一级指标分值合计 %(sum)s 分，与总分 %(total)s 分不符",
                                            sum=fmt(declared), total=fmt(Decimal(str(total))))))
    found += _valid_part(data, "tie_break", list[TieBreak], lambda v: tie_break_problems(v, category_ids))
    found += _valid_part(data, "bonus", BonusSection, bonus_problems)
    grade_names = {str(g.get("name")) for g in data.get("grades") or [] if isinstance(g, dict)}
    found += _valid_part(data, "vetoes", list[VetoItem], lambda v: veto_problems(v, grade_names))
    return found


def _valid_part(data: dict, key: str, kind: Any, check: Any) -> list[Found]:
    """Run ``check`` on ``data[key]`` if that part is valid on its own."""
    if key not in data:
        return []
    try:
        value = TypeAdapter(kind).validate_python(data[key])
    except ValidationError:
        return []
    return check(value)


def _message(error: dict) -> Message:
    if error["type"] == "union_tag_invalid":
        tags = error["ctx"]["expected_tags"].replace("'", "").replace(", ", "、")
        return N_("未知的计分方式 %(kind)s，可选：%(choices)s", kind=error["ctx"]["tag"], choices=tags)
    return pydantic_message(error)


def _clean_loc(loc: tuple) -> Loc:
    """Drop the union tag pydantic inserts after ``method`` (``method.levels.levels[0]``).

    Pydantic names the chosen member of a discriminated union right after the field that
    holds it, always; only ``method`` is such a field. The tag may equal a data key (the
    ``levels`` method has ``levels``), so it is recognised by position, not by name.
    """
    cleaned: list[str | int] = []
    for index, step in enumerate(loc):
        if index and loc[index - 1] == "method" and step in _METHOD_KINDS:
            continue
        cleaned.append(step)
    return tuple(cleaned)


_METHOD_KINDS = frozenset({"deduct", "levels", "binary", "ratio", "judgement"})


def _problem(file: str, data: Any, lines: Lines, loc: Loc, message: Message) -> Problem:
    route, field = routes.split(data, loc)
    line = _nearest_line(lines, loc)
    return Problem(file, message, path=route, field=field,
                   line=line[0] if line else None, column=line[1] if line else None)


def _nearest_line(lines: Lines, loc: Loc) -> tuple[int, int] | None:
    """The line of the loc, or of its closest ancestor present in the file."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _unique(found: list[Found]) -> list[Found]:
    seen: set[tuple] = set()
    unique: list[Found] = []
    for loc, message in found:
        key = (loc, str(message))
        if key not in seen:
            seen.add(key)
            unique.append((loc, message))
    return unique
