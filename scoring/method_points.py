"""Each mark's points: every scoring method turns a reviewer's inputs into cents, in arrays.

Array code over the whole ``MarkTable`` at once (4.8 M marks take about a second): the
rows of each method's items go to that method's ``points`` (``scoring.methods.<kind>``) as a
``Batch`` of arrays; ``values_points`` builds the same batches for a few marks without frames
(a save's one mark). ``mark_points`` gives the per-mark frame, ``scoring.results`` combines the marks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.frames import codes_of, column_values, rows_of, town_codes  # noqa: F401 - re-exported
from scoring.marks import VALUE_COLUMNS, MarkTable
from scoring.methods import KINDS, METHODS, Batch
from scoring.methods.base import NO_DEDUCTIONS, Deductions, by_identity
from scoring.rubric import Rubric


class ItemTables:
    """Per-item attributes as arrays indexed by item position (rubric order)."""

    def __init__(self, rubric: Rubric) -> None:
        pairs = list(rubric.all_items())
        self.items = [item for _, item in pairs]
        self.ids = [item.id for item in self.items]
        self.id_index = pd.Index(self.ids)  # looked up on every computation: hashed once
        self.code = {item_id: index for index, item_id in enumerate(self.ids)}  # the same, for a few marks
        self.category_ids = [category.id for category in rubric.categories]
        self.category = np.array([self.category_ids.index(category.id) for category, _ in pairs])
        self.max = np.array([item.max_cents for item in self.items], dtype=np.int64)
        self.kind = np.array([KINDS.index(item.method.kind) for item in self.items])
        self.kind_of_code = np.append(self.kind, -1).astype(np.int64)  # code -1 (not a scored item) picks -1
        self.na_policy = np.array([item.not_applicable for item in self.items], dtype=object)


@by_identity
def item_tables(rubric: Rubric) -> ItemTables:
    """The rubric's ItemTables, built once per rubric object (rubrics are frozen; a save reuses them)."""
    return ItemTables(rubric)


@dataclass(frozen=True)
class MarkPoints:
    """Per-mark arrays aligned with ``table.marks`` rows (item code -1: not a scored item).

    ``unusable`` marks rows whose inputs their method cannot score (a rule or level the
    item does not have): they get no points and count as no mark, never as a crash.
    """

    item: np.ndarray
    points: np.ndarray
    not_applicable: np.ndarray
    occurrences: np.ndarray
    unusable: np.ndarray


def compute_mark_points(tables: ItemTables, table: MarkTable) -> MarkPoints:
    """Compute each mark's points (cents) with array operations; see ``mark_points``."""
    marks, deductions = table.marks, table.deductions
    codes = codes_of(marks["item"], tables.id_index)
    kind = _kinds(tables, codes)
    # each deduction's mark row (-1: none) and that mark's method
    owner = (rows_of(marks, deductions["mark_id"].to_numpy()) if len(deductions) and len(marks)
             else np.zeros(0, dtype=np.int64))
    owner_kind = np.where(owner >= 0, kind[owner.clip(0)], -1)
    counts = deductions["count"].to_numpy()

    def batch(name: str, rows: np.ndarray) -> Batch:
        columns = {column: column_values(marks[column], rows) for column in METHODS[name].FRAME}
        found = NO_DEDUCTIONS
        mine = np.flatnonzero(owner_kind == KINDS.index(name))
        if mine.size:
            slot = np.full(len(marks), -1, dtype=np.int64)
            slot[rows] = np.arange(len(rows))
            found = Deductions(slot[owner[mine]], column_values(deductions["rule"], mine),
                               counts[mine].astype(np.int64))
        return Batch(codes[rows], tables.max[codes[rows]], columns, found)

    return _computed(tables, codes, kind, marks["not_applicable"].to_numpy(dtype=bool), batch)


_VALUE_AT = {name: index for index, name in enumerate(VALUE_COLUMNS)}
_FEW = 64  # marks up to which the methods present are listed rather than all tried


def values_points(tables: ItemTables, marks: Sequence[tuple[str, tuple]]) -> MarkPoints:
    """The points of a few marks, each given as (item id, ``marks.frame_values``), without frames.

    Exactly what ``compute_mark_points`` gives for a table of these marks: the same methods'
    ``points`` on arrays of these rows alone (one saved mark, a reviewer's sheet: 2 ms of frames
    for one mark otherwise)."""
    codes = np.array([tables.code.get(item, -1) for item, _ in marks], dtype=np.int64)
    kind = _kinds(tables, codes)

    def batch(name: str, rows: np.ndarray) -> Batch:
        picked = [marks[row][1] for row in rows.tolist()]
        columns = {column: np.array([values[0][_VALUE_AT[column]] for values in picked], dtype=object)
                   for column in METHODS[name].FRAME}
        owner, rules, counts = [], [], []
        for slot, (_, own, _) in enumerate(picked):
            for rule, count in own:
                owner.append(slot)
                rules.append(rule)
                counts.append(count)
        found = (Deductions(np.array(owner, dtype=np.int64), np.array(rules, dtype=object),
                            np.array(counts, dtype=np.int64)) if owner else NO_DEDUCTIONS)
        return Batch(codes[rows], tables.max[codes[rows]], columns, found)

    not_applicable = np.array([values[0][_VALUE_AT["not_applicable"]] for _, values in marks], dtype=bool)
    return _computed(tables, codes, kind, not_applicable, batch)


def _kinds(tables: ItemTables, codes: np.ndarray) -> np.ndarray:
    """Each mark's method (position in KINDS; -1: not a scored item)."""
    return tables.kind_of_code[codes]


def _computed(tables: ItemTables, codes: np.ndarray, kind: np.ndarray, not_applicable: np.ndarray,
              batch: Callable[[str, np.ndarray], Batch]) -> MarkPoints:
    """Each method's points over its rows (``batch`` gives them as arrays); a not applicable mark
    has none, and a mark its method cannot score is unusable."""
    points = np.full(len(codes), np.nan)
    occurrences = np.zeros(len(codes), dtype=np.int64)
    not_applicable = not_applicable & (codes >= 0)
    # A few marks: only their own methods (each empty one would cost a scan and a call).
    present = range(len(KINDS)) if len(kind) > _FEW else sorted(set(kind.tolist()) - {-1})
    for index in present:
        rows = np.flatnonzero(kind == index)
        if not rows.size:
            continue
        name = KINDS[index]
        computed = METHODS[name].points(tables.items, batch(name, rows))
        points[rows] = computed.points
        if computed.occurrences is not None:
            occurrences[rows] = computed.occurrences
    unusable = (codes >= 0) & ~not_applicable & np.isnan(points)
    points[not_applicable] = np.nan
    return MarkPoints(codes, points, not_applicable, occurrences, unusable)


def mark_points(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return one row per mark of a scored item with the points (cents) it gives.

    Columns: mark_id, town, item, reviewer, points, not_applicable, deductions (the
    number of deduction occurrences recorded). Each method's rule is stated in its module
    (``scoring.methods``); a mark its method cannot score has NaN points.
    """
    tables = item_tables(rubric)
    computed = compute_mark_points(tables, table)
    keep = computed.item >= 0
    marks = table.marks[keep]
    return pd.DataFrame({
        "mark_id": marks.index.to_numpy(),
        "town": marks["town"].to_numpy(),
        "item": np.asarray(tables.ids, dtype=object)[computed.item[keep]],
        "reviewer": marks["reviewer"].to_numpy(),
        "points": computed.points[keep],
        "not_applicable": computed.not_applicable[keep],
        "deductions": computed.occurrences[keep],
    })
