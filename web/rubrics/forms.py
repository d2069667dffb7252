"""The rubric editor's form: flat fields to rubric data, and that data back onto the YAML text.

The structured editor names every input by its place in the rubric: ``c0-i2-max_points`` is
the max points of the third item of the first category; ``c0-g1-i0-r3-amount`` the amount
of a deduction rule of an item in a group. Row prefixes are ``c`` (category), ``g`` (group),
``i`` (item), ``r`` (deduction rule), ``l`` (level), ``grade``, ``b`` (bonus item) and ``v``
(veto item), ``t`` (a step of the tie-break chain, ``t0-step``); a row with ``<prefix>-delete`` ticked is dropped. The same names come back
from ``web.rubrics.problems.located_problems``, so a loader problem lands next to the input it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from scoring.rubric import Rubric, routes
from scoring.rubric.load import MAX_RUBRIC_BYTES
from scoring.rubric.roundtrip import apply_rubric
from scoring.rubric.source import dump_yaml

MAX_YAML_BYTES = MAX_RUBRIC_BYTES
MAX_NOTE_CHARS = 400  # the store's column
# Beyond this many objects (categories, items, rules, levels …) the structured editor's page
# would be megabytes of inputs; such a rubric is edited in the YAML view.
MAX_EDITOR_OBJECTS = 600

_NAME = re.compile(r"^((?:[a-z]+\d{1,4}-){0,5})([a-z_.]+)$")
_SEGMENT = re.compile(r"^([a-z]+)(\d{1,4})$")
_LIST_KEY = re.compile(r"^((?:[a-z]+\d{1,4}-){0,4})([a-z]+)$")
# Which rows may sit under which: the parent's row kind ("" for the rubric) -> child kinds.
_CHILDREN = {"": {"c", "grade", "b", "v", "t"}, "c": {"i", "g"}, "g": {"i"}, "i": {"r", "l"}, "b": {"l"}}
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
    "t": {"step"},
}
# Steps of the tie-break chain offered besides one per category (``category:<id>``).
TIE_BREAK_STEPS = ("total", "fewer_veto_findings", "fewer_deductions")


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
    data["tie_break"] = [_text(row.fields.get("step")) for row in root.rows("t", keep_blank=False)]
    data["categories"] = [_category(row, keep_blank) for row in root.rows("c", keep_blank)]
    bonus_items = [_bonus_item(row, keep_blank) for row in root.rows("b", keep_blank)]
    cap = _number(f.get("bonus.cap"))
    if bonus_items or cap is not None:
        data["bonus"] = {"cap": cap, "items": bonus_items} if cap is not None else {"items": bonus_items}
        _put(data["bonus"], "combine", _text(f.get("bonus.combine")))
    data["vetoes"] = [_veto(row) for row in root.rows("v", keep_blank)]
    return data


def rubric_yaml(data: dict, base_text: str, base: Rubric) -> str:
    """Return the data as rubric YAML: when valid, ``base_text`` with only what changed written
    into it (comments, key order and untouched lines kept); else the data as plain YAML."""
    try:
        edited = Rubric.model_validate(data)
    except ValidationError:
        return dump_yaml(data)
    return apply_rubric(base_text, base, edited)


def editable_data(rubric: Rubric) -> dict:
    """The rubric as the structured editor shows it (every field, defaults included)."""
    return rubric.model_dump(mode="python")


def too_large_for_editor(data: dict) -> int | None:
    """The number of objects of a rubric too large for the structured editor, else None."""
    count = sum(1 for _ in routes.objects(data))
    return count if count > MAX_EDITOR_OBJECTS else None


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
    data = _fields(row, ("name",), numbers=("min_total",))
    _put(data, "quota", _fraction(row.fields.get("quota")))
    return data


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


def _fraction(value: str | None) -> Decimal | str | None:
    """A percentage as typed (30, 30 %, 12.5) as the fraction the rubric holds (0.3)."""
    number = _number((value or "").strip().removesuffix("%"))
    return number / 100 if isinstance(number, Decimal) else (_text(value) if number is not None else None)


def percent(fraction: object) -> str:
    """The percentage the editor shows for a quota (0.3 -> "30"); text kept as typed."""
    if isinstance(fraction, Decimal):
        return f"{(fraction * 100).normalize():f}"
    return "" if fraction is None else str(fraction)


def tie_break_choices(data: dict) -> list[str]:
    """Every step the tie-break chain may take: the fixed ones and one per category."""
    categories = [c.get("id") for c in data.get("categories") or [] if isinstance(c, dict) and c.get("id")]
    return [TIE_BREAK_STEPS[0], *(f"category:{c}" for c in categories), *TIE_BREAK_STEPS[1:]]


def _integer(value: str | None) -> int | str | None:
    text = _text(value)
    return int(text) if text is not None and text.isascii() and text.isdigit() else text
