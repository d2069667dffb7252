"""Several reviewers: resolutions, calibration and the ranking's sensitivity, on districts known by hand."""

from __future__ import annotations

import pytest

from scoring.calibration import calibration, offsets
from scoring.marks import Mark, mark_table
from scoring.outcome import compute_outcome
from scoring.resolutions import apply_resolutions, resolve_marks
from scoring.sensitivity import sensitivity
from tests.scoring.helpers import outcome_of, points, town_marks


def b3(values: dict[str, str]):
    """B3 (judgement, max 1) given per reviewer."""
    return lambda reviewer: {"points": values[reviewer], "comment": "评议"}


def test_marks_apart_by_more_than_the_threshold_are_a_disagreement_until_resolved(minimal_rubric):
    # A2 (levels, threshold 1 point): 好 4.5 against 一般 1.5 is 3 points apart.
    marks = town_marks("甲镇", reviewers=("r1", "r2"), A2=lambda r: {"level": "好" if r == "r1" else "一般"})
    before = outcome_of(minimal_rubric, marks)
    scores = before.item_scores
    assert scores.loc[scores["disagreement"], "item"].tolist() == ["A2"]
    assert points(before, "甲镇", "A2") == 3.0  # mean of 4.5 and 1.5

    chosen = Mark(town="甲镇", item="A2", reviewer="r2", level="一般")
    after = compute_outcome(minimal_rubric, apply_resolutions(mark_table(marks), [chosen]))
    assert points(after, "甲镇", "A2") == 1.5
    assert not after.item_scores["disagreement"].any()
    assert after.town("甲镇")["total"] == before.town("甲镇")["total"] - 150
    assert [m.reviewer for m in resolve_marks(marks, [chosen]) if m.item == "A2"] == ["r2"]


def test_a_resolution_keeps_the_other_towns_and_items_and_their_deductions(minimal_rubric):
    from tests.scoring.helpers import deduct

    marks = (town_marks("甲镇", reviewers=("r1", "r2"), A1=deduct("A1-each", 2))
             + town_marks("乙镇", reviewers=("r1", "r2"), A2=lambda r: {"level": "好" if r == "r1" else "差"}))
    resolved = apply_resolutions(mark_table(marks), [Mark(town="乙镇", item="A2", reviewer="admin", level="较好")])
    outcome = compute_outcome(minimal_rubric, resolved)
    assert points(outcome, "甲镇", "A1") == 0.9 and points(outcome, "乙镇", "A2") == 3.0
    assert outcome.town("乙镇")["total"] == 850


def test_calibration_says_who_is_lenient_and_who_is_harsh_by_how_much(minimal_rubric):
    marks = (town_marks("甲镇", reviewers=("r1", "r2"), B3=b3({"r1": "1", "r2": "0.5"}))
             + town_marks("乙镇", reviewers=("r1", "r2"), B3=b3({"r1": "0.8", "r2": "0.4"})))
    table = calibration(minimal_rubric, mark_table(marks)).set_index("reviewer")
    # 5 items × 2 towns compared; on B3 r1 sits +0.5 and +0.4 above r2: mean 0.09 points, 9 % of max.
    assert table.loc["r1", "compared"] == 10 and table.loc["r1", "mean_deviation"] == 9
    assert table.loc["r1", "mean_share"] == pytest.approx(0.09) and table.loc["r1", "lean"] == "lenient"
    assert table.loc["r2", "mean_deviation"] == -9 and table.loc["r2", "lean"] == "harsh"
    assert offsets(calibration(minimal_rubric, mark_table(marks))) == pytest.approx({"r1": 0.09, "r2": -0.09})


def test_the_normalised_outcome_is_beside_the_raw_one_and_does_not_change_it(minimal_rubric):
    marks = town_marks("甲镇", reviewers=("r1", "r2"), B3=b3({"r1": "1", "r2": "0.5"}))
    table = mark_table(marks)
    raw = compute_outcome(minimal_rubric, table)
    shift = offsets(calibration(minimal_rubric, table))  # 5 items compared: r1 +0.1, r2 -0.1 of each max
    normalised = compute_outcome(minimal_rubric, table, offsets=shift)
    assert points(raw, "甲镇", "B3") == 0.75
    assert shift == pytest.approx({"r1": 0.1, "r2": -0.1})
    # B3: r1 1 - 0.1 = 0.9, r2 0.5 + 0.1 = 0.6, mean 0.75.
    assert points(normalised, "甲镇", "B3") == 0.75
    # A2 (max 4.5): r1 4.5 - 0.45 = 4.05, r2 4.5 (no mark passes its maximum): 4.275 -> 4.28
    assert points(normalised, "甲镇", "A2") == 4.28
    assert points(raw, "甲镇", "A2") == 4.5


def test_a_rank_that_depends_on_the_combination_rule_or_one_reviewer_is_flagged(minimal_rubric):
    three = ("r1", "r2", "r3")
    # 甲: B3 1, 1, 0.1 -> median (the rubric's trimmed mean of 3) 1, mean 0.7; 乙: 0.8 from everyone.
    marks = (town_marks("甲镇", reviewers=three, B3=b3({"r1": "1", "r2": "1", "r3": "0.1"}))
             + town_marks("乙镇", reviewers=three, B3=b3({"r1": "0.8", "r2": "0.8", "r3": "0.8"}))
             + town_marks("丙镇", reviewers=three, A2={"level": "差"}, B3=b3({"r1": "0", "r2": "0", "r3": "0"})))
    result = sensitivity(minimal_rubric, mark_table(marks))
    table = result.table.set_index("town")
    assert table.loc["甲镇", "rank"] == 1 and table.loc["乙镇", "rank"] == 2  # 10 against 9.8
    assert table.loc["甲镇", "rank:rule:mean"] == 2  # 9.7 against 9.8
    assert table.loc["甲镇", "rank:rule:median"] == 1
    assert table.loc["甲镇", "rank:without:r1"] == 2  # (1 + 0.1) / 2 = 0.55
    assert table.loc["甲镇", "rank:without:r3"] == 1
    flagged = {v.key for v in result.depends["甲镇"]} - {"normalised"}
    assert flagged == {"rule:mean", "without:r1", "without:r2"}
    assert "丙镇" not in result.depends  # last (4.5 points, 不合格) whatever the choice
