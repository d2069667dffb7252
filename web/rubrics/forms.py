"""The rubric editor's forms: flat fields to rubric data, YAML text checks, problems to fields.

The structured editor names every input by its place in the rubric: ``c0-i2-max_points`` is
the max points of the third item of the first category; ``c0-g1-i0-r3-amount`` the amount
of a deduction rule of an item in a group. Row prefixes are ``c`` (category), ``g`` (group),
``i`` (item), ``r`` (deduction rule), ``l`` (level), ``grade``, ``b`` (bonus item) and ``v``
(veto item); a row with ``<prefix>-delete`` ticked is dropped. The same names come back
from ``located_problems``, so a loader problem lands next to the input it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from pydantic import ValidationError

from scoring.errors import Problem, RubricError
from scoring.rubric import Rubric, routes
from scoring.rubric.load import MAX_RUBRIC_BYTES, dump_rubric, parse_rubric
from scoring.rubric.source import dump_yaml
from web.i18n import translate

MAX_YAML_BYTES = MAX_RUBRIC_BYTES
MAX_NOTE_CHARS = 400  # the store's column
# Beyond this many objects (categories, items, rules, levels …) the structured editor's page
# would be megabytes of inputs; such a rubric is edited in the YAML view.
MAX_EDITOR_OBJECTS = 600

_NAME = re.compile(r"^((?:[a-z]+\d{1,4}-){0,5})([a-z_.]+)$")
_SEGMENT = re.compile(r"^([a-z]+)(\d{1,4})$")
_LIST_KEY = re.compile(r"^((?:[a-z]+\d{1,4}-){0,4})([a-z]+)$")
# Which rows may sit under which: the parent's row kind ("" for the rubric) -> child kinds.
_CHILDREN = {"": {"c", "grade", "b", "v"}, "c": {"i", "g"}, "g": {"i"}, "i": {"r", "l"}, "b": {"l"}}
# Inputs that always have a value (choices): they do not make a row "filled in".
_CHOICES = {"method.kind", "not_applicable", "total", "delete"}

# The inputs each kind of object has, including list containers (where list-wide problems
# such as "at least 2 levels" are shown). A problem on any other field is shown on the object.
FIELDS = {
    "": {"id", "title", "year", "issuer", "total_points", "aggregation.rule", "quota_rounding", "quota_min_places",
         "bonus.combine",
         "aggregation.disagreement_threshold", "aggregation.reviewers", "tie_break", "bonus.cap", "bonus.items", "categories",
         "grades", "vetoes", "note"},
    "c": {"id", "title", "points", "items", "groups"},
    "g": {"id", "title", "points", "items"},
    "i": {"id", "title", "max_points", "method.kind", "method.cap", "method.full_at", "method.rules",
          "method.levels", "criteria", "scoring_rules", "evidence_required", "department", "reviewers",
          "not_applicable", "sources"},
    "r": {"id", "reason", "amount", "cap"},
    "l": {"name", "points", "description"},
    "grade": {"name", "min_total", "quota"},
    "b": {"id", "title", "max_points", "department", "levels"},
    "bl": {"name", "points"},
    "v": {"id", "title", "max_grade", "total", "total_cap", "department"},
}


@dataclass
class _Row:
    fields: dict[str, str] = field(default_factory=dict)
    children: dict[str, dict[int, _Row]] = field(default_factory=dict)

    def rows(self, kind: str, keep_blank: bool) -> Iterator[_Row]:
        """The child rows of a kind in index order, without deleted (and blank) ones."""
        for _index, row in sorted(self.children.get(kind, {}).items()):
            if row.fields.get("delete"):
                continue
            if keep_blank or not row.blank():
                yield row

    def blank(self) -> bool:
        return all(not v.strip() for k, v in self.fields.items() if k not in _CHOICES) and all(
            row.blank() for rows in self.children.values() for row in rows.values())


# ---- form -> rubric data ----------------------------------------------------------------


def rubric_data(form: Mapping[str, str], *, key: str, version: int, add: str = "",
                keep_blank: bool = False) -> dict:
    """Return the rubric data the structured editor's fields describe (not yet validated).

    The rubric id is always ``key``: the editor saves versions of one rubric. Empty fields
    are left out, so a required one is reported missing; numbers that do not parse are kept
    as typed, so validation reports them. ``add`` names a list (``c0-i``) that gets one empty
    row; blank rows are dropped unless ``keep_blank``.
    """
    root = _tree(form)
    if add:
        _add_row(root, add)
    f = root.fields
    data: dict[str, Any] = {"id": key, "version": version}
    _put(data, "title", _text(f.get("title")))
    _put(data, "year", _integer(f.get("year")))
    _put(data, "issuer", _text(f.get("issuer")))
    _put(data, "total_points", _number(f.get("total_points")))
    aggregation: dict[str, Any] = {}
    _put(aggregation, "rule", _text(f.get("aggregation.rule")))
    _put(aggregation, "disagreement_threshold", _number(f.get("aggregation.disagreement_threshold")))
    _put(aggregation, "reviewers", _integer(f.get("aggregation.reviewers")))
    if aggregation:
        data["aggregation"] = aggregation
    data["grades"] = [_grade(row) for row in root.rows("grade", keep_blank)]
    _put(data, "quota_rounding", _text(f.get("quota_rounding")))
    _put(data, "quota_min_places", _integer(f.get("quota_min_places")))
    data["tie_break"] = _lines(f.get("tie_break"))
    data["categories"] = [_category(row, keep_blank) for row in root.rows("c", keep_blank)]
    bonus_items = [_bonus_item(row, keep_blank) for row in root.rows("b", keep_blank)]
    cap = _number(f.get("bonus.cap"))
    if bonus_items or cap is not None:
        data["bonus"] = {"cap": cap, "items": bonus_items} if cap is not None else {"items": bonus_items}
        _put(data["bonus"], "combine", _text(f.get("bonus.combine")))
    data["vetoes"] = [_veto(row) for row in root.rows("v", keep_blank)]
    return data


def rubric_yaml(data: dict) -> str:
    """Return the data as rubric YAML: canonical (``dump_rubric``) when it is a valid model."""
    try:
        return dump_rubric(Rubric.model_validate(data))
    except ValidationError:
        return dump_yaml(data)


def editable_data(rubric: Rubric) -> dict:
    """The rubric as the structured editor shows it (every field, defaults included)."""
    return rubric.model_dump(mode="python")


def too_large_for_editor(data: dict) -> int | None:
    """The number of objects of a rubric too large for the structured editor, else None."""
    count = sum(1 for _ in routes.objects(data))
    return count if count > MAX_EDITOR_OBJECTS else None


def has_comments(yaml_text: str) -> bool:
    """Whether the YAML has comment lines (a structured save would not keep them)."""
    return any(line.lstrip().startswith("#") for line in yaml_text.splitlines())


def _tree(form: Mapping[str, str]) -> _Row:
    root = _Row()
    for name in form:
        match = _NAME.match(name)
        if not match:
            continue
        row: _Row | None = root
        parent = ""
        for segment in filter(None, match[1].split("-")):
            kind, index = _SEGMENT.match(segment).groups()  # type: ignore[union-attr]
            if kind not in _CHILDREN.get(parent, set()):
                row = None
                break
            row = row.children.setdefault(kind, {}).setdefault(int(index), _Row())
            parent = kind
        if row is not None:
            row.fields[match[2]] = str(form.get(name) or "")
    return root


def _add_row(root: _Row, list_key: str) -> None:
    match = _LIST_KEY.match(list_key)
    if not match:
        return
    row, parent = root, ""
    for segment in filter(None, match[1].split("-")):
        kind, index = _SEGMENT.match(segment).groups()  # type: ignore[union-attr]
        if kind not in _CHILDREN.get(parent, set()) or int(index) not in row.children.get(kind, {}):
            return
        row, parent = row.children[kind][int(index)], kind
    kind = match[2]
    if kind in _CHILDREN.get(parent, set()):
        rows = row.children.setdefault(kind, {})
        rows[max(rows, default=-1) + 1] = _Row()


def _category(row: _Row, keep_blank: bool) -> dict:
    data = _fields(row, ("id", "title"), numbers=("points",))
    data["items"] = [_item(r, keep_blank) for r in row.rows("i", keep_blank)]
    data["groups"] = [_group(r, keep_blank) for r in row.rows("g", keep_blank)]
    return data


def _group(row: _Row, keep_blank: bool) -> dict:
    data = _fields(row, ("id", "title"), numbers=("points",))
    data["items"] = [_item(r, keep_blank) for r in row.rows("i", keep_blank)]
    return data


def _item(row: _Row, keep_blank: bool) -> dict:
    f = row.fields
    kind = f.get("method.kind") or "deduct"
    method: dict[str, Any] = {"kind": kind}
    # Only the chosen method's inputs count: switching an item from 扣分 to 档次 drops its rules.
    if kind == "deduct":
        method["rules"] = [_fields(r, ("id", "reason"), numbers=("amount", "cap"))
                           for r in row.rows("r", keep_blank)]
        _put(method, "cap", _number(f.get("method.cap")))
    elif kind == "levels":
        method["levels"] = [_fields(r, ("name", "description"), numbers=("points",))
                            for r in row.rows("l", keep_blank)]
    elif kind == "ratio":
        _put(method, "full_at", _number(f.get("method.full_at")))
    data = _fields(row, ("id", "title"), numbers=("max_points",))
    data["method"] = method
    _put(data, "criteria", _text(f.get("criteria")))
    _put(data, "scoring_rules", _text(f.get("scoring_rules")))
    data["evidence_required"] = _lines(f.get("evidence_required"))
    _put(data, "department", _text(f.get("department")))
    _put(data, "reviewers", _integer(f.get("reviewers")))
    _put(data, "not_applicable", _text(f.get("not_applicable")))
    data["sources"] = _lines(f.get("sources"))
    return data


def _grade(row: _Row) -> dict:
    return _fields(row, ("name",), numbers=("min_total", "quota"))


def _bonus_item(row: _Row, keep_blank: bool) -> dict:
    data = _fields(row, ("id", "title"))
    data["levels"] = [_fields(r, ("name",), numbers=("points",)) for r in row.rows("l", keep_blank)]
    _put(data, "max_points", _number(row.fields.get("max_points")))
    _put(data, "department", _text(row.fields.get("department")))
    return data


def _veto(row: _Row) -> dict:
    data = _fields(row, ("id", "title", "max_grade", "total"), numbers=("total_cap",))
    _put(data, "department", _text(row.fields.get("department")))
    return data


def _fields(row: _Row, texts: tuple[str, ...], numbers: tuple[str, ...] = ()) -> dict:
    data: dict[str, Any] = {}
    for name in texts:
        _put(data, name, _text(row.fields.get(name)))
    for name in numbers:
        _put(data, name, _number(row.fields.get(name)))
    return data


def _put(data: dict, key: str, value: Any) -> None:
    if value is not None:
        data[key] = value


def _text(value: str | None) -> str | None:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (_text(value) or "").split("\n") if line.strip()]


def _number(value: str | None) -> Decimal | str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text  # kept as typed: validation says what is wrong with it
    return number if number.is_finite() else text


def _integer(value: str | None) -> int | str | None:
    text = _text(value)
    return int(text) if text is not None and text.isascii() and text.isdigit() else text


# ---- checks before saving ---------------------------------------------------------------


def note_problems(note: str) -> list[Problem]:
    """The revision note (修订说明) is required and fits the store."""
    if not note.strip():
        return [Problem("", _("请填写修订说明（本次修改的内容和理由）"), field="note")]
    if len(note) > MAX_NOTE_CHARS:
        return [Problem("", _("修订说明不能超过 %(n)s 字", n=MAX_NOTE_CHARS), field="note")]
    return []


def save_problems(yaml_text: str, file: str, note: str, key: str | None = None) -> list[Problem]:
    """Every problem of a save: the note, the text, the rubric; [] when it may be saved.

    This is the CLI's ``scoring rubric check`` (``parse_rubric``: size, characters, YAML,
    model, checks) plus the note. An edit
    (``key`` given) saves a new version of the rubric it was opened on, so the text must keep
    the rubric's id; another rubric is started by uploading a file.
    """
    problems = note_problems(note)
    try:
        rubric = parse_rubric(yaml_text, file)
    except RubricError as error:
        return problems + error.problems
    if key is not None and rubric.id != key:
        problems.append(Problem(file, _("编辑器只能保存细则 %(key)s 的新版本；新建另一套细则请使用上传", key=key), field="id"))
    return problems


# ---- problems -> inputs -------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A problem and the name of the structured editor's input it is shown at."""

    problem: Problem
    name: str


def located_problems(problems: list[Problem], data: dict) -> list[Located]:
    """Place each problem at the input it concerns, or at its object when it has no input.

    Problems name objects by route (``一级指标 C → 考核项目 C2``) and a field; the route is
    built by ``scoring.rubric.routes`` from the same data the form is rendered from.
    """
    objects = dict(_objects(data))
    located = []
    for problem in problems:
        route = problem.path
        while route and route not in objects:
            route = route[:-1]  # e.g. a rule whose id was blank: show it on the item
        prefix, kind = objects.get(route, ("", ""))
        name = problem.field if route == problem.path else ""
        row = re.match(r"^method\.(rules|levels)\[(\d+)\]\.(\w+)$", name)
        if kind == "i" and row:
            prefix, kind, name = f"{prefix}-{row[1][0]}{row[2]}", row[1][0], row[3]
        name = re.sub(r"(\[\d+\])+$", "", name)
        name = "method.kind" if name == "method" else name
        if name not in FIELDS[kind]:
            name = ""
        located.append(Located(problem, "-".join(p for p in (prefix, name) if p) or "rubric"))
    return located


def errors_by_name(located: list[Located]) -> dict[str, list[str]]:
    """Input name -> its messages in the reader's language, for showing under each input."""
    by_name: dict[str, list[str]] = {}
    for entry in located:
        by_name.setdefault(entry.name, []).append(translate(entry.problem.message))
    return by_name


def rows_with_errors(located: list[Located]) -> set[str]:
    """Prefixes of the rows holding a problem (``c0``, ``c0-i1`` …): the editor opens them."""
    rows: set[str] = set()
    for entry in located:
        parts = entry.name.split("-")
        rows.update("-".join(parts[:n]) for n in range(1, len(parts) + 1))
    return rows


# Input name prefixes of list elements, by the key of the list (bonus items are "b").
_PREFIX = {"categories": "c", "groups": "g", "items": "i", "rules": "r", "levels": "l", "grades": "grade",
           "vetoes": "v"}


def _objects(data: dict) -> Iterator[tuple[tuple[str, ...], tuple[str, str]]]:
    """Yield (route, (input prefix, kind)) for every object, routes as ``scoring.rubric.routes`` names them."""
    yield (), ("", "")
    for loc, route in routes.objects(data):
        parts, kind = [], ""
        for position, step in enumerate(loc):
            if isinstance(step, int):
                letter = "b" if loc[:position] == ("bonus", "items") else _PREFIX[str(loc[position - 1])]
                parts.append(f"{letter}{step}")
                kind = "bl" if letter == "l" and loc[0] == "bonus" else letter
        yield route, ("-".join(parts), kind)
