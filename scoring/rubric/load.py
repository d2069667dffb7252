"""Load a rubric from YAML, reporting every problem with file, line, object and field.

Messages read ``rubrics/x.yaml:41 → category C → item C2 → max_points: ...``: the
line comes from the YAML node tree, the object route from the ids in the data.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from scoring.errors import Problem, RubricError
from scoring.rubric.checks import (
    Found,
    Loc,
    bonus_problems,
    check_category,
    check_rubric,
    duplicate_ids,
    grade_problems,
    tie_break_problems,
    veto_problems,
)
from scoring.rubric.model import BonusSection, Category, GradeBand, Rubric, TieBreak, VetoItem

# Names used for list elements in the human route, by the key that holds the list.
ELEMENT_NAMES = {
    "categories": "category",
    "groups": "group",
    "items": "item",
    "rules": "rule",
    "levels": "level",
    "vetoes": "veto",
    "grades": "grade",
    "tie_break": "tie-break",
}


def load_rubric(path: str | Path) -> Rubric:
    """Return the rubric in a YAML file; raise RubricError listing every problem."""
    path = Path(path)
    return parse_rubric(path.read_text(encoding="utf-8"), str(path))


def parse_rubric(text: str, file: str = "<rubric>") -> Rubric:
    """Return the rubric in YAML ``text``; raise RubricError listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RubricError(
            file,
            [Problem(file, f"YAML syntax error: {exc.problem or exc}",
                     line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None)],
        ) from None
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        line = text.count("\n", 0, getattr(exc, "position", 0)) + 1
        raise RubricError(file, [Problem(file, f"unreadable YAML: {exc}", line=line)]) from None
    lines = _line_map(node)
    if not isinstance(data, dict):
        raise RubricError(file, [Problem(file, "a rubric must be a mapping of fields", line=1)])

    found: list[Found] = []
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        found += [(_clean_loc(data, e["loc"]), _message(e)) for e in exc.errors()]
        found += _checks_of_valid_parts(data)
        rubric = None
    else:
        found += check_rubric(rubric)
    if found:
        raise RubricError(file, [_problem(file, data, lines, loc, msg) for loc, msg in _unique(found)])
    assert rubric is not None
    return rubric


def dump_rubric(rubric: Rubric) -> str:
    """Return the rubric as YAML that ``parse_rubric`` reads back to an equal rubric."""
    data = rubric.model_dump(mode="python", exclude_defaults=True)
    return yaml.dump(data, Dumper=_RubricDumper, allow_unicode=True, sort_keys=False, width=100)


class _RubricDumper(yaml.SafeDumper):
    """Writes Decimal points as plain YAML numbers (12, 0.5), never as strings."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = f"{value.normalize():f}"
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_RubricDumper.add_representer(Decimal, _represent_decimal)


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
        found.append((("total_points",), f"categories sum to {declared.normalize():f}, rubric says {total}"))
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


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field (check its spelling)"
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "union_tag_invalid":
        return f"unknown scoring method {error['input'].get('kind')!r}; use one of " + error["ctx"]["expected_tags"]
    return error["msg"]


def _clean_loc(data: Any, loc: tuple) -> Loc:
    """Drop pydantic's union-tag steps (``method.deduct.rules``) that are not data keys."""
    cleaned: list[str | int] = []
    node = data
    for index, step in enumerate(loc):
        is_tag = isinstance(node, dict) and isinstance(step, str) and node.get("kind") == step
        # pydantic names the union member ("levels") before the field, which may share its name
        if is_tag and (step not in node or loc[index + 1: index + 2] == (step,)):
            continue
        cleaned.append(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(cleaned)


def _problem(file: str, data: Any, lines: dict[Loc, tuple[int, int]], loc: Loc, message: str) -> Problem:
    route, field = _route(data, loc)
    line = _nearest_line(lines, loc)
    return Problem(file, message, path=tuple(route), field=field,
                   line=line[0] if line else None, column=line[1] if line else None)


def _route(data: Any, loc: Loc) -> tuple[list[str], str]:
    """Turn a loc into (['category C', 'item C2'], 'method.rules[0].amount')."""
    route: list[str] = []
    field_parts: list[str] = []
    node = data
    for position, step in enumerate(loc):
        nxt = None
        try:
            nxt = node[step]
        except (KeyError, IndexError, TypeError):
            pass
        if isinstance(step, int) and position and isinstance(loc[position - 1], str):
            name = ELEMENT_NAMES.get(str(loc[position - 1]))
            if name and field_parts and field_parts[-1] == loc[position - 1] and isinstance(nxt, dict):
                field_parts.pop()
                ident = nxt.get("id") or nxt.get("name") or f"#{step + 1}"
                label = "bonus item" if loc[:2] == ("bonus", "items") and position == 2 else name
                route += [*field_parts, f"{label} {ident}"]
                field_parts = []
            else:
                field_parts[-1:] = [f"{field_parts[-1]}[{step}]"] if field_parts else [f"[{step}]"]
        else:
            field_parts.append(str(step))
        node = nxt
    return route, ".".join(field_parts)


def _line_map(node: yaml.Node | None) -> dict[Loc, tuple[int, int]]:
    """Map each loc in the YAML document to the 1-based (line, column) where it starts."""
    lines: dict[Loc, tuple[int, int]] = {}

    def walk(n: yaml.Node, loc: Loc) -> None:
        lines.setdefault(loc, (n.start_mark.line + 1, n.start_mark.column + 1))
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                child = (*loc, key.value)
                lines[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                walk(value, child)
        elif isinstance(n, yaml.SequenceNode):
            for index, value in enumerate(n.value):
                walk(value, (*loc, index))

    if node is not None:
        walk(node, ())
    return lines


def _nearest_line(lines: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int, int] | None:
    """The line of the loc, or of its closest ancestor present in the file."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _unique(found: list[Found]) -> list[Found]:
    seen: set[tuple] = set()
    unique: list[Found] = []
    for item in found:
        key = (item[0], item[1])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
