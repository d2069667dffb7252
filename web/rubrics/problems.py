"""The rubric editor's checks before a save, and its problems placed at the inputs they concern.

Input names are those of ``web.rubrics.forms`` (``c0-i2-max_points`` …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _

from scoring.errors import Problem, RubricError
from scoring.rubric import routes
from scoring.rubric.load import parse_rubric
from web.i18n import translate
from web.rubrics.forms import FIELDS, MAX_NOTE_CHARS

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
