"""Calibration of reviewers: how far each one's marks sit from the others' on the same items.

Only town × item pairs that at least two reviewers scored (and did not mark not
applicable) are compared. For each such mark, its deviation is the mark's points less
the mean of the other reviewers' points on that pair; a reviewer's figures are the mean
of their deviations, in points and as a share of the item's maximum. A reviewer whose
mean share is above ``TOLERANCE`` is lenient (宽松), below minus it harsh (严格).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.marks import MarkTable
from scoring.method_points import mark_points
from scoring.rubric import Rubric

TOLERANCE = 0.05  # 5 % of an item's maximum, on average: within it a reviewer is in line
LENIENT, HARSH, IN_LINE = "lenient", "harsh", "in_line"
COLUMNS = ["reviewer", "marks", "compared", "mean_deviation", "mean_share", "lean"]


def compared_marks(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """One row per mark on a pair others scored too: town, item, reviewer, points, others, deviation, share (cents)."""
    frame = mark_points(rubric, table)
    frame = frame[~frame["not_applicable"] & frame["points"].notna()].copy()
    frame["town"], frame["item"] = frame["town"].astype(str), frame["item"].astype(str)
    groups = frame.groupby(["town", "item"], sort=False)["points"]
    n, total = groups.transform("size"), groups.transform("sum")
    maximum = {item.id: item.max_cents for _, item in rubric.all_items()}
    frame["max"] = frame["item"].map(maximum).astype(float)
    shared = frame[n > 1].copy()
    shared["others"] = (total[n > 1] - shared["points"]) / (n[n > 1] - 1)
    shared["deviation"] = shared["points"] - shared["others"]
    shared["share"] = shared["deviation"] / shared["max"].where(shared["max"] > 0, np.nan)
    return shared[["town", "item", "reviewer", "points", "others", "deviation", "share", "max"]]


def calibration(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return one row per reviewer: marks given, marks compared, mean deviation (cents), mean share, lean.

    ``mean_deviation`` is signed (positive: more generous than the others) and rounded
    half up to the hundredth; a reviewer with nothing to compare has NaN figures and
    lean ``in_line``. Reviewers are listed by name.
    """
    frame = mark_points(rubric, table)
    given = frame[frame["points"].notna()].groupby(frame["reviewer"].astype(str)).size()
    shared = compared_marks(rubric, table)
    by = shared.groupby(shared["reviewer"].astype(str))
    result = pd.DataFrame({"marks": given})
    result["compared"] = by.size().reindex(result.index).fillna(0).astype(int)
    result["mean_deviation"] = np.floor(by["deviation"].mean().reindex(result.index) + 0.5)
    result["mean_share"] = by["share"].mean().reindex(result.index)
    share = result["mean_share"].fillna(0.0).to_numpy()
    result["lean"] = np.where(share > TOLERANCE, LENIENT, np.where(share < -TOLERANCE, HARSH, IN_LINE))
    return result.rename_axis("reviewer").reset_index().sort_values("reviewer", ignore_index=True)[COLUMNS]


def offsets(table: pd.DataFrame) -> dict[str, float]:
    """Reviewer -> the share of an item's maximum to take off their marks (offset correction).

    Subtracting each reviewer's mean share moves their marks to where the others' sit on
    average; reviewers with nothing compared are left as they are.
    """
    known = table[table["mean_share"].notna()]
    return {str(r): float(s) for r, s in zip(known["reviewer"], known["mean_share"], strict=True) if s}
