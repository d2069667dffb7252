"""Ranks, ties, tie-breaks, grade bands and quotas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.scoring.helpers import deduct, outcome_of, town_marks


def no_quota(rubric):
    return rubric.model_copy(update={"grades": [g.model_copy(update={"quota": None}) for g in rubric.grades]})


def with_tie_break(rubric, chain):
    return rubric.model_copy(update={"tie_break": chain})


def ranks(outcome) -> dict[str, int | None]:
    return {town: outcome.town(town)["rank"] for town in outcome.ranking["town"]}


def test_equal_totals_share_a_rank_and_the_next_rank_skips(minimal_rubric):
    rubric = with_tie_break(minimal_rubric, ["total"])
    marks = (town_marks("甲镇") + town_marks("乙镇", A1=deduct("A1-each"))
             + town_marks("丙镇", A1=deduct("A1-each")) + town_marks("丁镇", A1=deduct("A1-each", 2)))
    assert ranks(outcome_of(rubric, marks)) == {"甲镇": 1, "乙镇": 2, "丙镇": 2, "丁镇": 4}


def test_tie_break_by_a_named_category_then_fewer_veto_findings(minimal_rubric):
    # 乙 and 丙 both total 9.7; 乙 lost it in A (A: 5.7), 丙 in B (A: 6) -> 丙 ahead by category A.
    rubric = with_tie_break(minimal_rubric, ["total", "category:A"])
    marks = (town_marks("乙镇", A1=deduct("A1-each"))
             + town_marks("丙镇", B1={"ratio": "0.8075"}))  # 2 × 0.8075/0.95 = 1.70
    outcome = outcome_of(rubric, marks)
    assert outcome.town("乙镇")["total"] == outcome.town("丙镇")["total"] == 970
    assert ranks(outcome) == {"丙镇": 1, "乙镇": 2}


def test_fewer_veto_findings_break_a_tie_on_points(minimal_rubric):
    from scoring.marks import Mark

    rubric = with_tie_break(minimal_rubric, ["total", "fewer_veto_findings"])
    veto = Mark(town="甲镇", item="V2", reviewer="r1", triggered=True, comment="未履行判决")
    outcome = outcome_of(rubric, town_marks("甲镇") + [veto] + town_marks("乙镇"))
    assert ranks(outcome) == {"乙镇": 1, "甲镇": 2}


def test_rank_does_not_depend_on_town_names_when_tied(minimal_rubric):
    rubric = with_tie_break(minimal_rubric, ["total"])
    outcome = outcome_of(rubric, town_marks("Z镇") + town_marks("A镇"))
    assert ranks(outcome) == {"A镇": 1, "Z镇": 1}


@pytest.mark.parametrize(
    ("overrides", "total", "grade"),
    [
        ({}, "10", "优秀"),
        ({"A1": deduct("A1-each", 4)}, "8.8", "良好"),  # 4 × 0.3 capped at 1.2
        ({"A2": {"level": "一般"}}, "7", "合格"),
        ({"A2": {"level": "差"}}, "5.5", "不合格"),
    ],
)
def test_grade_bands_follow_the_minimum_totals(minimal_rubric, overrides, total, grade):
    outcome = outcome_of(no_quota(minimal_rubric), town_marks("甲镇", **overrides))
    row = outcome.town("甲镇")
    assert (Decimal(row["total"]) / 100, row["grade"]) == (Decimal(total), grade)


def test_quota_limits_the_top_band_and_the_rest_fall_to_the_next(minimal_rubric):
    # 10 towns all at 10 points except for distinct small deductions: 30 % quota -> 3 优秀
    marks = []
    for index in range(10):
        marks += town_marks(f"镇{index}", B3={"points": str(Decimal(100 - index) / 100), "comment": "x"})
    outcome = outcome_of(minimal_rubric, marks)
    grades = outcome.ranking.set_index("town")["grade"]
    assert [grades[f"镇{i}"] for i in range(10)] == ["优秀"] * 3 + ["良好"] * 7
    assert str(outcome.town("镇3")["grade_note"]) == "优秀名额已满（限3个）"


def test_towns_tied_at_the_quota_edge_fall_together_so_the_quota_is_not_exceeded(minimal_rubric):
    rubric = with_tie_break(minimal_rubric, ["total"])
    marks = []
    for index in range(10):  # 镇2 and 镇3 tie at the edge of the 3-town quota
        value = {0: "1", 1: "0.99", 2: "0.98", 3: "0.98"}.get(index, str(Decimal(90 - index) / 100))
        marks += town_marks(f"镇{index}", B3={"points": value, "comment": "x"})
    grades = outcome_of(rubric, marks).ranking.set_index("town")["grade"]
    assert (grades == "优秀").sum() == 2
    assert grades["镇2"] == grades["镇3"] == "良好"
    assert grades["镇4"] == "良好"  # a lower rank never takes the place the tied pair could not


def test_incomplete_towns_do_not_take_quota_places_or_ranks(minimal_rubric):
    marks = town_marks("甲镇") + [m for m in town_marks("乙镇") if m.item != "A1"]
    outcome = outcome_of(minimal_rubric, marks)
    assert ranks(outcome) == {"甲镇": 1, "乙镇": None}
    assert list(outcome.ranking["town"]) == ["甲镇", "乙镇"]  # incomplete listed after the ranked
