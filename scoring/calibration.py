"""Calibration of reviewers: how far each one's marks sit from the others' on the same items.

Only town × item pairs that at least two reviewers scored (and did not mark not
applicable) are compared. For each such mark, its deviation is the mark's points less
the mean of the other reviewers' points on that pair; a reviewer's figures are the mean
of their deviations, in points and as a share of the item's maximum. A reviewer whose
mean share is above ``TOLERANCE`` is lenient (宽松), below minus it harsh (严格).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.marks import MarkTable
from scoring.method_points import (
    MarkPoints,
    compute_mark_points,
    item_tables,
    mark_points,
    town_codes,
)
from scoring.rubric import Rubric

TOLERANCE = 0.05  # 5 % of an item's maximum, on average: within it a reviewer is in line
LENIENT, HARSH, IN_LINE = "lenient", "harsh", "in_line"
COLUMNS = ["reviewer", "marks", "compared", "mean_deviation", "mean_share", "lean"]


@dataclass(frozen=True)
class _Compared:
    """Arrays over the marks of scored items with points (``mark_points``' rows that have points),
    in table order; ``shared`` picks those on a pair others scored too, the rows of the figures."""

    row: np.ndarray  # position in ``mark_points``' frame (rows of scored items, table order)
    reviewer: np.ndarray  # the reviewer's name (str)
    points: np.ndarray
    shared: np.ndarray
    others: np.ndarray
    deviation: np.ndarray
    share: np.ndarray
    max: np.ndarray


def _compare(rubric: Rubric, table: MarkTable, computed: MarkPoints | None = None,
             towns: np.ndarray | None = None) -> _Compared:
    """Each scored mark against the mean of the other reviewers' points on its town × item pair
    (``computed``: the table's ``compute_mark_points``, ``towns`` each mark's town code, when known)."""
    tables = item_tables(rubric)
    computed = computed if computed is not None else compute_mark_points(tables, table)
    is_item = computed.item >= 0
    position = np.cumsum(is_item) - 1  # the row in mark_points' frame, which keeps scored items only
    marked = np.flatnonzero(is_item & ~computed.not_applicable & ~np.isnan(computed.points))
    towns = towns if towns is not None else town_codes(table, None)[0]
    key = towns[marked] * len(tables.ids) + computed.item[marked]
    points = computed.points[marked]
    n = np.bincount(key)[key] if len(key) else np.zeros(0, dtype=np.int64)
    total = np.bincount(key, weights=points)[key] if len(key) else np.zeros(0)  # integer cents: exact sums
    shared = n > 1
    maximum = tables.max[computed.item[marked]].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        others = np.where(shared, (total - points) / np.maximum(n - 1, 1), np.nan)
        deviation = points - others
        share = deviation / np.where(maximum > 0, maximum, np.nan)
    return _Compared(position[marked], table.marks["reviewer"].to_numpy()[marked], points, shared,
                     others, deviation, share, maximum)


def compared_marks(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """One row per mark on a pair others scored too: town, item, reviewer, points, others, deviation, share (cents)."""
    found = _compare(rubric, table)
    rows = found.row[found.shared]
    frame = mark_points(rubric, table).iloc[rows][["town", "item", "reviewer"]]
    frame["town"], frame["item"] = frame["town"].astype(str), frame["item"].astype(str)
    for column in ("points", "others", "deviation", "share", "max"):
        frame[column] = getattr(found, column)[found.shared]
    return frame


def calibration(rubric: Rubric, table: MarkTable, computed: MarkPoints | None = None,
                towns: np.ndarray | None = None) -> pd.DataFrame:
    """Return one row per reviewer: marks given, marks compared, mean deviation (cents), mean share, lean.

    ``mean_deviation`` is signed (positive: more generous than the others) and rounded
    half up to the hundredth; a reviewer with nothing to compare has NaN figures and
    lean ``in_line``. Reviewers are listed by name. ``computed`` (the table's
    ``compute_mark_points``) and ``towns`` (each mark's town code, any numbering) save
    computing them again when the caller has them.
    """
    found = _compare(rubric, table, computed, towns)
    codes, names = pd.factorize(pd.Series(found.reviewer, dtype=object).astype(str).to_numpy())
    order = sorted(range(len(names)), key=lambda code: names[code])
    reviewers = pd.Index(pd.Series([names[code] for code in order], dtype=object).astype(str), name="reviewer")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    by = rank[codes][found.shared]  # grouped by integer codes: the same groups, rows and sums as by name
    result = pd.DataFrame({"marks": np.bincount(rank[codes], minlength=len(names)).astype(np.int64)}, index=reviewers)
    result["compared"] = np.bincount(by, minlength=len(names)).astype(int)
    deviation = pd.Series(found.deviation[found.shared]).groupby(by).mean().reindex(range(len(names)))
    share = pd.Series(found.share[found.shared]).groupby(by).mean().reindex(range(len(names)))
    result["mean_deviation"] = np.floor(deviation.to_numpy() + 0.5)
    result["mean_share"] = share.to_numpy()
    lean = result["mean_share"].fillna(0.0).to_numpy()
    result["lean"] = np.where(lean > TOLERANCE, LENIENT, np.where(lean < -TOLERANCE, HARSH, IN_LINE))
    return result.reset_index()[COLUMNS]


def offsets(table: pd.DataFrame) -> dict[str, float]:
    """Reviewer -> the share of an item's maximum to take off their marks (offset correction).

    Subtracting each reviewer's mean share moves their marks to where the others' sit on
    average; reviewers with nothing compared are left as they are.
    """
    known = table[table["mean_share"].notna()]
    return {str(r): float(s) for r, s in zip(known["reviewer"], known["mean_share"], strict=True) if s}
