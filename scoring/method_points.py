"""Each mark's points: every scoring method turns a reviewer's inputs into cents, in arrays.

Array code over the whole ``MarkTable`` at once (4.8 M marks take about a second): the
rows of each method's items go to that method's ``points`` (``scoring.methods.<kind>``);
``mark_points`` gives the per-mark frame, ``scoring.results`` combines the marks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.frames import codes_of, rows_of, town_codes  # noqa: F401 - re-exported
from scoring.marks import MarkTable
from scoring.methods import KINDS, METHODS, Batch
from scoring.rubric import Rubric


class ItemTables:
    """Per-item attributes as arrays indexed by item position (rubric order)."""

    def __init__(self, rubric: Rubric) -> None:
        pairs = list(rubric.all_items())
        self.items = [item for _, item in pairs]
        self.ids = [item.id for item in self.items]
        self.id_index = pd.Index(self.ids)  # looked up on every computation: hashed once
        self.category_ids = [category.id for category in rubric.categories]
        self.category = np.array([self.category_ids.index(category.id) for category, _ in pairs])
        self.max = np.array([item.max_cents for item in self.items], dtype=np.int64)
        self.kind = np.array([KINDS.index(item.method.kind) for item in self.items])
        self.na_policy = np.array([item.not_applicable for item in self.items], dtype=object)


_tables: dict[int, tuple[Rubric, ItemTables]] = {}


def item_tables(rubric: Rubric) -> ItemTables:
    """The rubric's ItemTables, built once per rubric object (rubrics are frozen; a save reuses them)."""
    found = _tables.get(id(rubric))
    if found is not None and found[0] is rubric:
        return found[1]
    if len(_tables) > 64:
        _tables.clear()
    tables = ItemTables(rubric)
    _tables[id(rubric)] = (rubric, tables)
    return tables


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
    marks = table.marks
    codes = codes_of(marks["item"], tables.id_index)
    is_item = codes >= 0
    safe = codes.clip(0)
    kind = np.where(is_item, tables.kind[safe], -1)
    points = np.full(len(marks), np.nan)
    occurrences = np.zeros(len(marks), dtype=np.int64)
    not_applicable = marks["not_applicable"].to_numpy(dtype=bool) & is_item
    for index, name in enumerate(KINDS):
        rows = np.flatnonzero(kind == index)
        if not rows.size:
            continue
        batch = Batch(marks, table.deductions, rows, codes[rows], tables.max[codes[rows]])
        computed = METHODS[name].points(tables.items, batch)
        points[rows] = computed.points
        if computed.occurrences is not None:
            occurrences[rows] = computed.occurrences
    unusable = is_item & ~not_applicable & np.isnan(points)
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
