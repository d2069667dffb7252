"""Counting marks read column-wise into a MarkTable, each stored mark checked once per process.

Pages used to load every complete mark as an ORM row and validate it again with pydantic
on every view (6 of 7 s of a 200-town admin page). Here one Core query returns plain
columns, the inputs as the JSON text stored; a mark's check (``marks.read_mark``, the
same one every save passes) is remembered under that text, so only a mark that changed
is checked again. A mark edited outside the service has a new text: it is checked, and
if it is not valid it does not count and is listed as unusable (no page fails on it).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Text, and_, bindparam, cast, select
from sqlalchemy.orm import Session

from scoring.errors import InvalidMark
from scoring.marks import MARK_COLUMNS, MarkTable, frame_values, read_mark
from scoring.store.lean import core_read
from scoring.store.models import Assessment, AssessmentTown, MarkRow, Town, User
from scoring.store.queries import UnusableMark, counting_clause, rubric_of_version

_MAX_REMEMBERED = 500_000  # about 2,000 towns × 100 items × 2 reviewers; then start again
_checked: dict[tuple, tuple | object] = {}


@dataclass(frozen=True)
class _Problem:
    message: object


@dataclass(frozen=True)
class CountingMarks:
    """The marks that count, as the results pipeline's table, and the stored ones that cannot."""

    table: MarkTable
    unusable: list[UnusableMark]

    @property
    def items(self) -> set[str]:
        """Item ids with at least one counting mark."""
        return set(self.table.marks["item"])


def entries(session: Session, assessment_id: int, town_id: int | None = None,
            rubric_version_id: int | None = None) -> list[tuple[tuple, tuple | _Problem]]:
    """(key, checked entry) of each stored complete mark of assigned reviewers, in id order.

    The key (rubric version, item, town, reviewer, the inputs' stored text) names the mark's
    content: equal keys are equal marks, so a set of keys names a town's counting marks.
    """
    return [(key, entry) for _, key, entry in _entries(session, assessment_id, town_id, rubric_version_id)]


def _entries(session: Session, assessment_id: int, town_id: int | None = None,
             rubric_version_id: int | None = None) -> list[tuple[int, tuple, tuple | _Problem]]:
    """``entries`` with each stored mark's id first."""
    if rubric_version_id is None:
        rubric_version_id = session.execute(select(Assessment.rubric_version_id)
                                            .where(Assessment.id == assessment_id)).scalar_one()
    if town_id is None:
        rows = core_read(session, _DISTRICT_QUERY, {"assessment_id": assessment_id}).all()
    else:  # sorted here: with ORDER BY, SQLite scans the assessment's marks instead of the town's (7 ms, 0.1 ms)
        rows = sorted(core_read(session, _TOWN_QUERY, {"assessment_id": assessment_id, "town_id": town_id}).all())
    rubric, out = None, []
    for mark_id, item, town, reviewer, text in rows:
        key = (rubric_version_id, item, town, reviewer, text)
        entry = _checked.get(key)
        if entry is None:
            rubric = rubric or rubric_of_version(session, rubric_version_id)
            entry = _check(rubric, item, town, reviewer, text)
            if len(_checked) >= _MAX_REMEMBERED:
                _checked.clear()
            _checked[key] = entry
        out.append((mark_id, key, entry))
    return out


def _query():
    """The counting marks' columns, built once with bound parameters (building it took 3 ms a save)."""
    return (select(MarkRow.id, MarkRow.item_id, Town.name, User.username, cast(MarkRow.inputs, Text))
            .join(AssessmentTown, and_(AssessmentTown.assessment_id == MarkRow.assessment_id,
                                       AssessmentTown.town_id == MarkRow.town_id))
            .join(Town, Town.id == MarkRow.town_id).join(User, User.id == MarkRow.reviewer_id)
            .where(MarkRow.assessment_id == bindparam("assessment_id"), MarkRow.complete.is_(True),
                   counting_clause()))


_DISTRICT_QUERY = _query().order_by(MarkRow.id)
_TOWN_QUERY = _query().where(MarkRow.town_id == bindparam("town_id"))


def is_counting(entry: tuple | _Problem) -> bool:
    """Whether a checked entry is a valid mark (it counts); else it is listed as unusable."""
    return not isinstance(entry, _Problem)


def counted_items(session: Session, assessment_id: int, town_id: int) -> set[str]:
    """Item ids of the town with at least one counting mark (no frames built)."""
    return {key[1] for key, entry in entries(session, assessment_id, town_id) if is_counting(entry)}


def counting_marks(session: Session, assessment_id: int, town_id: int | None = None) -> CountingMarks:
    """The same marks as ``queries.complete_marks`` (assigned reviewers, valid), as frames."""
    return table_of(entries(session, assessment_id, town_id))


def table_of(checked: list[tuple[tuple, tuple | _Problem]]) -> CountingMarks:
    """The frames of checked entries (``entries``): the valid ones count, the others are listed."""
    rows, deductions, claims, unusable = [], [], [], []
    same: dict[str, str] = {}
    for (_, item, town, reviewer, _), entry in checked:
        if isinstance(entry, _Problem):
            unusable.append(UnusableMark(town, item, reviewer, entry.message))  # type: ignore[arg-type]
            continue
        values, own_deductions, own_claims = entry
        mark_id = len(rows)
        # one string object per name: each row's own copy would be hashed anew by every lookup of the column
        rows.append((same.setdefault(town, town), same.setdefault(item, item), same.setdefault(reviewer, reviewer),
                     *values))
        deductions += [(mark_id, *d) for d in own_deductions]
        claims += [(mark_id, *c) for c in own_claims]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in MARK_COLUMNS]
    table = MarkTable(
        marks=pd.DataFrame({name: list(values) for name, values in zip(MARK_COLUMNS, columns, strict=True)},
                           columns=MARK_COLUMNS, index=pd.RangeIndex(len(rows), name="mark_id")),  # no copy
        deductions=pd.DataFrame(deductions, columns=["mark_id", "rule", "count"]),
        claims=pd.DataFrame(claims, columns=["mark_id", "matter", "level"]))
    return CountingMarks(table, unusable)


@dataclass(frozen=True)
class MarksById:
    """The counting marks' table (``counting_marks``) with each row's stored mark id, in id order."""

    table: MarkTable
    ids: np.ndarray


def marks_by_id(session: Session, assessment_id: int, town_ids: Collection[int] | None = None) -> MarksById:
    """The counting marks of the assessment (or of these towns) and their ids, in id order."""
    if town_ids is None:
        rows = _entries(session, assessment_id)
    else:
        rows = sorted(row for town_id in town_ids for row in _entries(session, assessment_id, town_id))
    counting = [row for row in rows if is_counting(row[2])]
    return MarksById(table_of([(key, entry) for _, key, entry in counting]).table,
                     np.array([mark_id for mark_id, _, _ in counting], dtype=np.int64))


def with_towns_read_again(known: MarksById, fresh: MarksById, towns: Collection[str]) -> MarksById:
    """``known`` with the marks of ``towns`` replaced by ``fresh`` (those towns' marks read again):
    the same rows in the same (id) order as reading every town again, deductions and claims
    renumbered to match."""
    marks = known.table.marks
    kept = np.flatnonzero(~marks["town"].isin(list(towns)).to_numpy(dtype=bool))
    ids = np.concatenate([known.ids[kept], fresh.ids])
    order = np.argsort(ids, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))  # row of the joined frame -> row in id order
    old_row = np.full(len(marks), -1, dtype=np.int64)
    old_row[kept] = position[:len(kept)]
    new_row = position[len(kept):]
    joined = _joined(marks.iloc[kept], fresh.table.marks).take(order)
    joined.index = pd.RangeIndex(len(joined), name="mark_id")

    def children(name: str) -> pd.DataFrame:
        mine, theirs = getattr(known.table, name), getattr(fresh.table, name)
        mine = mine[old_row[mine["mark_id"].to_numpy(dtype=np.int64)] >= 0] if len(mine) else mine
        parts = [part for part in (mine.assign(mark_id=old_row[mine["mark_id"].to_numpy(dtype=np.int64)]),
                                   theirs.assign(mark_id=new_row[theirs["mark_id"].to_numpy(dtype=np.int64)]))
                 if len(part)]
        if not parts:
            return mine.iloc[:0].reset_index(drop=True)
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        return frame.sort_values("mark_id", kind="stable", ignore_index=True)  # as read: by mark, in its order

    return MarksById(MarkTable(marks=joined, deductions=children("deductions"), claims=children("claims")),
                     ids[order])


def _joined(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """The rows of both frames; a column whose types differ (one side all empty, say) takes the type
    its values would have had read together (``table_of`` infers each column from its values)."""
    if not len(second) or not len(first):
        return (first if len(first) else second).reset_index(drop=True)
    columns = {}
    for name in first.columns:
        a, b = first[name], second[name]
        columns[name] = pd.concat([a, b], ignore_index=True) if a.dtype == b.dtype else \
            pd.Series([*a.tolist(), *b.tolist()])
    return pd.DataFrame(columns, columns=first.columns)


def _check(rubric, item: str, town: str, reviewer: str, text: str) -> tuple | _Problem:
    """The mark's frame values, or why it is not a valid mark (the check every save passes)."""
    try:
        inputs = json.loads(text) if text else {}
    except ValueError:
        inputs = {"inputs": text}  # not JSON at all: refused below as a field no mark has
    if not isinstance(inputs, dict):
        inputs = {"inputs": inputs}
    try:
        mark = read_mark(rubric, town=town, item=item, reviewer=reviewer, inputs=inputs)
    except InvalidMark as exc:
        return _Problem(exc.message)
    return frame_values(mark)
