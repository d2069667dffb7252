"""Item points per method, reviewer aggregation, categories, bonus, veto and totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.errors import InvalidMark
from scoring.marks import BonusClaim, Deduction, Mark, mark_table, validate_mark
from scoring.points import from_cents
from scoring.results import item_scores
from tests.scoring.helpers import deduct, outcome_of, points, town_marks


def total_of(outcome, town: str) -> Decimal:
    return from_cents(outcome.town(town)["total"])


def test_full_marks_everywhere_gives_the_rubric_total(minimal_rubric):
    outcome = outcome_of(minimal_rubric, town_marks("东港镇"))
    assert total_of(outcome, "东港镇") == Decimal("10.00")


def test_deductions_per_occurrence_stop_at_the_rule_cap(minimal_rubric):
    # 每少一次扣0.3分，累计扣分不超过1.2分: 5 occurrences lose 1.2, not 1.5
    outcome = outcome_of(minimal_rubric, town_marks("东港镇", A1=deduct("A1-each", 5)))
    assert points(outcome, "东港镇", "A1") == pytest.approx(0.3)


def test_item_never_goes_below_zero_whatever_the_deductions(minimal_rubric):
    marks = town_marks("东港镇", A1={"deductions": [Deduction(rule="A1-each", count=9),
                                                   Deduction(rule="A1-none", count=9)]})
    outcome = outcome_of(minimal_rubric, marks)
    assert points(outcome, "东港镇", "A1") == 0


def test_three_deductions_of_a_third_point_add_up_exactly(minimal_rubric):
    # the classic float trap: 10 - 0.3 - 0.3 - 0.3 must be 9.1, not 9.099999
    outcome = outcome_of(minimal_rubric, town_marks("东港镇", A1=deduct("A1-each", 3)))
    assert total_of(outcome, "东港镇") == Decimal("9.10")
    assert str(total_of(outcome, "东港镇")) == "9.10"


def test_levels_give_their_named_points(minimal_rubric):
    outcome = outcome_of(minimal_rubric, town_marks("东港镇", A2={"level": "一般"}))
    assert points(outcome, "东港镇", "A2") == 1.5


def test_binary_item_not_met_gives_zero(minimal_rubric):
    outcome = outcome_of(minimal_rubric, town_marks("东港镇", B2={"met": False}))
    assert points(outcome, "东港镇", "B2") == 0


def test_ratio_counts_as_full_from_its_threshold_and_rounds_half_up(minimal_rubric):
    # B1: 2 points, full at 95 %: 0.96 -> 2; 0.9 -> 2 × 0.9 / 0.95 = 1.8947 -> 1.89
    outcome = outcome_of(minimal_rubric, town_marks("东港镇", B1={"ratio": "0.96"})
                         + town_marks("西岭镇", B1={"ratio": "0.9"}))
    assert points(outcome, "东港镇", "B1") == 2
    assert points(outcome, "西岭镇", "B1") == pytest.approx(1.89)


def test_judgement_needs_a_reason_and_stays_within_the_maximum(minimal_rubric):
    with pytest.raises(InvalidMark, match="理由"):
        validate_mark(minimal_rubric, Mark(town="t", item="B3", reviewer="r", points=Decimal("0.5")))
    with pytest.raises(InvalidMark, match="不能超过"):
        validate_mark(minimal_rubric, Mark(town="t", item="B3", reviewer="r", points=Decimal(2), comment="x"))


@pytest.mark.parametrize(
    ("mark", "field"),
    [
        ({"item": "A2", "level": "极好"}, "level"),
        ({"item": "A1", "deductions": [Deduction(rule="nope")]}, "deductions"),
        ({"item": "B2"}, "met"),
        ({"item": "ZZ"}, "item"),
        ({"item": "V1", "triggered": True}, "comment"),
        ({"item": "A1", "not_applicable": True, "comment": "无此项工作"}, "not_applicable"),
        ({"item": "X1", "claims": [BonusClaim(matter="m", level="省")]}, "claims"),
    ],
)
def test_a_mark_that_does_not_fit_its_item_is_refused_naming_the_field(minimal_rubric, mark, field):
    with pytest.raises(InvalidMark) as info:
        validate_mark(minimal_rubric, Mark(town="t", reviewer="r", **mark))
    assert info.value.field == field


def test_reviewers_are_combined_by_trimmed_mean_dropping_highest_and_lowest(minimal_rubric):
    levels = {"r1": "好", "r2": "较好", "r3": "差"}  # 4.5, 3, 0 -> trimmed mean 3
    marks = town_marks("东港镇", reviewers=("r1", "r2", "r3"), A2=lambda r: {"level": levels[r]})
    outcome = outcome_of(minimal_rubric, marks)
    assert points(outcome, "东港镇", "A2") == 3


def test_two_reviewers_are_averaged_and_rounded_half_up(minimal_rubric):
    # B3 judgement: 0.55 and 0.6 -> 0.575 -> 0.58
    given = {"r1": "0.55", "r2": "0.6"}
    marks = town_marks("东港镇", reviewers=("r1", "r2"), B3=lambda r: {"points": given[r], "comment": "x"})
    assert points(outcome_of(minimal_rubric, marks), "东港镇", "B3") == pytest.approx(0.58)


@pytest.mark.parametrize(("rule", "expected"), [("mean", 2.4), ("median", 3.0), ("trimmed_mean", 2.5)])
def test_each_aggregation_rule(minimal_rubric, rule, expected):
    rubric = minimal_rubric.model_copy(update={
        "aggregation": minimal_rubric.aggregation.model_copy(update={"rule": rule})})
    levels = {"r1": "好", "r2": "好", "r3": "较好", "r4": "差", "r5": "差"}  # 4.5 4.5 3 0 0
    marks = town_marks("东港镇", reviewers=tuple(levels), A2=lambda r: {"level": levels[r]})
    assert points(outcome_of(rubric, marks), "东港镇", "A2") == expected


def test_reviewers_who_disagree_by_more_than_the_threshold_are_flagged(minimal_rubric):
    levels = {"r1": "好", "r2": "一般"}  # 4.5 vs 1.5: spread 3 > threshold 1
    marks = town_marks("东港镇", reviewers=("r1", "r2"), A2=lambda r: {"level": levels[r]})
    scores = outcome_of(minimal_rubric, marks).item_scores
    flagged = scores[scores["disagreement"]]
    assert list(flagged["item"]) == ["A2"]
    assert outcome_of(minimal_rubric, marks).town("东港镇")["disagreements"] == 1


def test_not_applicable_with_full_marks_policy_earns_the_maximum(minimal_rubric):
    marks = town_marks("东港镇", A2={"not_applicable": True, "comment": "本年度无此项工作"})
    assert points(outcome_of(minimal_rubric, marks), "东港镇", "A2") == 4.5


def test_not_applicable_with_rescale_policy_scales_the_category(minimal_rubric):
    # B (4 pts): B1 n/a (rescale); B2 met 1/1, B3 0.5/1 -> 1.5 of 2 applicable -> 4 × 0.75 = 3
    marks = town_marks("东港镇", B1={"not_applicable": True, "comment": "无平台任务"},
                       B3={"points": "0.5", "comment": "x"})
    result = outcome_of(minimal_rubric, marks).town("东港镇")
    assert result["cat:B"] == 300
    assert result["complete"]


def test_unscored_items_make_a_town_incomplete_and_unranked_not_zero(minimal_rubric):
    marks = [m for m in town_marks("东港镇") if m.item != "B2"] + town_marks("西岭镇")
    outcome = outcome_of(minimal_rubric, marks, towns=["北塘镇"])
    dong = outcome.town("东港镇")
    assert (dong["missing"], dong["complete"]) == (1, False)
    assert dong["rank"] is None and dong["status"] == "incomplete"
    assert dong["grade"] is None and str(dong["grade_note"]) == "未完成，缺 1 项"
    assert outcome.town("北塘镇")["missing"] == 5
    assert outcome.town("西岭镇")["rank"] == 1


def test_bonus_counts_only_the_highest_level_of_one_matter_and_caps(minimal_rubric):
    same_matter = [BonusClaim(matter="普法创新", level="市"), BonusClaim(matter="普法创新", level="区")]
    marks = town_marks("东港镇") + [Mark(town="东港镇", item="X1", reviewer="r1", claims=same_matter)]
    assert outcome_of(minimal_rubric, marks).town("东港镇")["bonus"] == 100  # 市 = 1, not 1.5
    many = [BonusClaim(matter=f"事项{i}", level="国家") for i in range(3)]
    marks = town_marks("东港镇") + [Mark(town="东港镇", item="X1", reviewer="r1", claims=many)]
    result = outcome_of(minimal_rubric, marks).town("东港镇")
    assert result["bonus"] == 150  # item cap 1.5 (section cap 2)
    assert result["total"] == 1150


def test_veto_forces_the_lowest_grade_whatever_the_points(minimal_rubric):
    rubric = minimal_rubric.model_copy(update={"grades": [
        g.model_copy(update={"quota": None}) for g in minimal_rubric.grades]})
    veto = Mark(town="东港镇", item="V1", reviewer="r1", triggered=True, comment="台账系补做")
    outcome = outcome_of(rubric, town_marks("东港镇") + [veto] + town_marks("西岭镇"))
    dong = outcome.town("东港镇")
    assert dong["total"] == 1000 and dong["grade"] == "不合格"
    assert dong["vetoes"] == "V1" and "一票否决" in str(dong["grade_note"])
    assert outcome.town("西岭镇")["grade"] == "优秀"


def test_veto_with_zero_total_effect_zeroes_the_total(minimal_rubric):
    vetoes = [minimal_rubric.vetoes[0].model_copy(update={"total": "zero"}), minimal_rubric.vetoes[1]]
    rubric = minimal_rubric.model_copy(update={"vetoes": vetoes})
    veto = Mark(town="东港镇", item="V1", reviewer="r1", triggered=True, comment="弄虚作假")
    assert outcome_of(rubric, town_marks("东港镇") + [veto]).town("东港镇")["total"] == 0


def test_a_veto_marked_not_triggered_changes_nothing(minimal_rubric):
    veto = Mark(town="东港镇", item="V1", reviewer="r1", triggered=False)
    result = outcome_of(minimal_rubric, town_marks("东港镇") + [veto]).town("东港镇")
    assert (result["veto_findings"], result["max_grade"]) == (0, None)


def test_item_scores_keep_how_many_marks_were_combined(minimal_rubric):
    scores = item_scores(minimal_rubric, mark_table(town_marks("东港镇", reviewers=("a", "b", "c"))))
    assert set(scores["n_marks"]) == {3}
    assert len(scores) == 5


def test_a_rescaled_category_is_rounded_once_from_the_exact_reviewer_mean(minimal_rubric):
    # B1 n/a (rescale); B2 met; B3 0.55 and 0.6 -> mean 0.575 (item shown as 0.58).
    # B = (1 + 0.575) × 4 / 2 = 3.15; rounding the item first would give 3.16.
    given = {"r1": "0.55", "r2": "0.6"}
    marks = town_marks("东港镇", reviewers=("r1", "r2"), B1={"not_applicable": True, "comment": "无平台任务"},
                       B3=lambda r: {"points": given[r], "comment": "x"})
    outcome = outcome_of(minimal_rubric, marks)
    assert points(outcome, "东港镇", "B3") == pytest.approx(0.58)
    assert outcome.town("东港镇")["cat:B"] == 315


@pytest.mark.parametrize(("rule", "expected"), [("median", 315), ("trimmed_mean", 320)])
def test_a_rescaled_category_uses_the_exact_median_and_trimmed_mean_too(minimal_rubric, rule, expected):
    # median of 0.55 and 0.6 is 0.575 -> B = 1.575 × 2 = 3.15 (not 3.16); the trimmed mean of
    # 0.55, 0.6 and 0.7 keeps 0.6 -> B = 3.2
    rubric = minimal_rubric.model_copy(update={
        "aggregation": minimal_rubric.aggregation.model_copy(update={"rule": rule})})
    given = {"r1": "0.55", "r2": "0.6", "r3": "0.7"} if rule == "trimmed_mean" else {"r1": "0.55", "r2": "0.6"}
    marks = town_marks("东港镇", reviewers=tuple(given), B1={"not_applicable": True, "comment": "无平台任务"},
                       B3=lambda r: {"points": given[r], "comment": "x"})
    assert outcome_of(rubric, marks).town("东港镇")["cat:B"] == expected
