"""Calibration computed on arrays must give exactly the figures of the pandas computation it
replaced (kept here as the reference): the normalised ranking subtracts its shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from pandas.testing import assert_frame_equal

from scoring.calibration import (
    COLUMNS,
    HARSH,
    IN_LINE,
    LENIENT,
    TOLERANCE,
    calibration,
    compared_marks,
    offsets,
)
from scoring.marks import mark_table
from scoring.method_points import mark_points
from tests.scoring.test_sensitivity import MINIMAL, district


def reference_compared(rubric, table) -> pd.DataFrame:
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


def reference_calibration(rubric, table) -> pd.DataFrame:
    frame = mark_points(rubric, table)
    given = frame[frame["points"].notna()].groupby(frame["reviewer"].astype(str)).size()
    shared = reference_compared(rubric, table)
    by = shared.groupby(shared["reviewer"].astype(str))
    result = pd.DataFrame({"marks": given})
    result["compared"] = by.size().reindex(result.index).fillna(0).astype(int)
    result["mean_deviation"] = np.floor(by["deviation"].mean().reindex(result.index) + 0.5)
    result["mean_share"] = by["share"].mean().reindex(result.index)
    share = result["mean_share"].fillna(0.0).to_numpy()
    result["lean"] = np.where(share > TOLERANCE, LENIENT, np.where(share < -TOLERANCE, HARSH, IN_LINE))
    return result.rename_axis("reviewer").reset_index().sort_values("reviewer", ignore_index=True)[COLUMNS]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(district())
def test_calibration_gives_exactly_the_figures_of_the_reference(case):
    marks = case[0]
    table = mark_table(marks)
    expected = reference_calibration(MINIMAL, table)
    found = calibration(MINIMAL, table)
    assert_frame_equal(found, expected, check_exact=True, check_index_type=False)
    assert offsets(found) == offsets(expected)  # the shares themselves, bit for bit
    assert_frame_equal(compared_marks(MINIMAL, table), reference_compared(MINIMAL, table), check_exact=True,
                       check_index_type=False)
