"""Each mark's points: how every scoring method turns a reviewer's inputs into cents.

Array code over the whole ``MarkTable`` at once (4.8 M marks take about a second);
``mark_points`` gives the per-mark frame, ``scoring.results`` combines the marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.errors import InvalidMark
from scoring.marks import MarkTable
from scoring.points import div_round_half_up, to_cents
from scoring.rubric import (
    BinaryMethod,
    DeductMethod,
    JudgementMethod,
    LevelsMethod,
    RatioMethod,
    Rubric,
)

_KINDS = {DeductMethod: 0, LevelsMethod: 1, BinaryMethod: 2, RatioMethod: 3, JudgementMethod: 4}


class ItemTables:
    """Per-item attributes as arrays indexed by item position, for vectorised lookups."""

    def __init__(self, rubric: Rubric) -> None:
        pairs = list(rubric.all_items())
        self.ids = [item.id for _, item in pairs]
        self.category_ids = [category.id for category in rubric.categories]
        self.category = np.array([self.category_ids.index(category.id) for category, _ in pairs])
        self.max = np.array([item.max_cents for _, item in pairs], dtype=np.int64)
        self.kind = np.array([_KINDS[type(item.method)] for _, item in pairs])
        self.na_policy = np.array([item.not_applicable for _, item in pairs], dtype=object)
        self.deduct_cap = self.max.copy()
        self.full_bp = np.full(len(pairs), 10_000, dtype=np.int64)
        self.level_names: list[str] = []
        self.rule_names: list[str] = []
        levels, rules = {}, {}
        for index, (_, item) in enumerate(pairs):
            method = item.method
            if isinstance(method, DeductMethod):
                if method.cap is not None:
                    self.deduct_cap[index] = to_cents(method.cap)
                for rule in method.rules:
                    cap = to_cents(rule.cap) if rule.cap is not None else 10**12
                    rules[(index, rule.id)] = (to_cents(rule.amount), cap)
            elif isinstance(method, LevelsMethod):
                for level in method.levels:
                    levels[(index, level.name)] = to_cents(level.points)
            elif isinstance(method, RatioMethod):
                self.full_bp[index] = int(method.full_at * 10_000)
        self.level_names = sorted({name for _, name in levels})
        self.rule_names = sorted({name for _, name in rules})
        self.level_points = np.full((len(pairs), max(len(self.level_names), 1)), np.nan)
        for (index, name), cents in levels.items():
            self.level_points[index, self.level_names.index(name)] = cents
        self.rule_amount = np.full((len(pairs), max(len(self.rule_names), 1)), np.nan)
        self.rule_cap = np.full_like(self.rule_amount, np.nan)
        for (index, name), (amount, cap) in rules.items():
            self.rule_amount[index, self.rule_names.index(name)] = amount
            self.rule_cap[index, self.rule_names.index(name)] = cap


@dataclass(frozen=True)
class MarkPoints:
    """Per-mark arrays aligned with ``table.marks`` rows (item code -1: not a scored item)."""

    item: np.ndarray
    points: np.ndarray
    not_applicable: np.ndarray
    occurrences: np.ndarray


def compute_mark_points(tables: ItemTables, table: MarkTable) -> MarkPoints:
    """Compute each mark's points (cents) with array operations; see ``mark_points``."""
    marks = table.marks
    codes = codes_of(marks["item"], tables.ids)
    is_item = codes >= 0
    safe = codes.clip(0)
    kind = np.where(is_item, tables.kind[safe], -1)
    max_cents = tables.max[safe]
    points = np.full(len(marks), np.nan)
    not_applicable = marks["not_applicable"].to_numpy(dtype=bool) & is_item

    deducted, occurrences = _deductions(tables, table.deductions, marks, codes)
    is_deduct = kind == 0
    lost = np.minimum(np.minimum(deducted, tables.deduct_cap[safe]), max_cents)
    points[is_deduct] = (max_cents - lost)[is_deduct]

    is_level = kind == 1
    if is_level.any():
        level_codes = codes_of(marks["level"], tables.level_names)
        chosen = np.where(level_codes >= 0, tables.level_points[safe, level_codes.clip(0)], np.nan)
        _refuse_unknown(is_level & np.isnan(chosen) & ~not_applicable, marks, "level")
        points[is_level] = chosen[is_level]

    is_binary = kind == 2
    points[is_binary] = (marks["met"].to_numpy(dtype=float) * max_cents)[is_binary]

    is_ratio = kind == 3
    if is_ratio.any():
        ratio = marks["ratio_bp"].to_numpy(dtype=float)
        full = tables.full_bp[safe]
        achieved = np.minimum(np.nan_to_num(ratio), full).astype(np.int64)
        ratio_points = div_round_half_up(max_cents * achieved, full).astype(float)
        ratio_points[np.isnan(ratio)] = np.nan
        points[is_ratio] = ratio_points[is_ratio]

    is_judgement = kind == 4
    points[is_judgement] = np.minimum(marks["points"].to_numpy(dtype=float), max_cents)[is_judgement]

    points[not_applicable] = np.nan
    return MarkPoints(codes, points, not_applicable, occurrences)


def mark_points(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return one row per mark of a scored item with the points (cents) it gives.

    Columns: mark_id, town, item, reviewer, points, not_applicable, deductions (the
    number of deduction occurrences recorded). A deduct item loses, per rule,
    ``min(count × amount, rule cap)``; the rules' sum is capped by the item's cap and the
    item's maximum, so an item never goes below 0. A ratio item earns
    ``max × min(ratio, full_at) / full_at``, rounded half up to the hundredth.
    """
    tables = ItemTables(rubric)
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


def _deductions(tables: ItemTables, deductions: pd.DataFrame, marks: pd.DataFrame,
                codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (cents deducted, occurrences) per mark row, aligned with ``marks``."""
    deducted = np.zeros(len(marks), dtype=np.int64)
    occurrences = np.zeros(len(marks), dtype=np.int64)
    if deductions.empty:
        return deducted, occurrences
    rows = rows_of(marks, deductions["mark_id"].to_numpy())
    valid = rows >= 0
    valid[valid] = codes[rows[valid]] >= 0
    rows = rows[valid]
    rule_codes = codes_of(deductions["rule"], tables.rule_names)[valid]
    item_codes = codes[rows]
    amount = np.where(rule_codes >= 0, tables.rule_amount[item_codes, rule_codes.clip(0)], np.nan)
    if np.isnan(amount).any():
        first = int(np.flatnonzero(np.isnan(amount))[0])
        raise InvalidMark(tables.ids[item_codes[first]], "deductions",
                          f"unknown rule {deductions['rule'].to_numpy()[valid][first]!r}")
    count = deductions["count"].to_numpy()[valid].astype(np.int64)
    cap = tables.rule_cap[item_codes, rule_codes]
    lost = np.minimum(count * amount.astype(np.int64), cap.astype(np.int64))
    deducted += np.bincount(rows, weights=lost, minlength=len(marks)).astype(np.int64)
    occurrences += np.bincount(rows, weights=count, minlength=len(marks)).astype(np.int64)
    return deducted, occurrences


def rows_of(marks: pd.DataFrame, mark_ids: np.ndarray) -> np.ndarray:
    """Row positions of these mark ids in ``marks`` (-1 if absent); positional when possible."""
    index = marks.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        mark_ids = mark_ids.astype(np.int64)
        return np.where((mark_ids >= 0) & (mark_ids < len(index)), mark_ids, -1)
    return index.get_indexer(mark_ids)


def codes_of(values: pd.Series, names: list[str]) -> np.ndarray:
    """Position of each value in ``names``, -1 when absent; fast for categorical columns."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.append(pd.Index(names).get_indexer(values.cat.categories), -1)
        return lookup[values.cat.codes.to_numpy()]  # code -1 (missing) picks the appended -1
    return pd.Index(names).get_indexer(values.to_numpy())


def town_codes(table: MarkTable, extra: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """Return each mark's town position in the sorted list of towns, and that list."""
    column = table.marks["town"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.unique(column.cat.codes.to_numpy())
        present = [str(name) for name in column.cat.categories[used[used >= 0]]]
    else:
        present = [str(name) for name in pd.unique(column.to_numpy())]
    names = sorted(set(present) | set(extra or []))
    return codes_of(column.astype(str) if not isinstance(column.dtype, pd.CategoricalDtype) else column, names), names


def _refuse_unknown(bad: np.ndarray, marks: pd.DataFrame, field: str) -> None:
    if bad.any():
        row = marks.iloc[int(np.flatnonzero(bad)[0])]
        raise InvalidMark(str(row["item"]), field, f"unknown {field} {row[field]!r}")
