"""Bonus items are findings: combined by the rubric's stated rule, never averaged; vetoes stay findings."""

from __future__ import annotations

import pytest

from scoring.bonus_veto import normalise_matter
from scoring.marks import BonusClaim, Mark
from tests.scoring.helpers import outcome_of, town_marks


def combine(rubric, rule: str):
    return rubric.model_copy(update={"bonus": rubric.bonus.model_copy(update={"combine": rule})})


def found(reviewer: str, *claims: tuple[str, str], item: str = "X1", town: str = "东港镇") -> Mark:
    return Mark(town=town, item=item, reviewer=reviewer, claims=[BonusClaim(matter=m, level=lv) for m, lv in claims])


def bonus(rubric, *marks: Mark) -> int:
    return outcome_of(rubric, town_marks("东港镇") + list(marks)).town("东港镇")["bonus"]


def test_one_matter_at_two_levels_counts_once_at_the_highest_by_default(minimal_rubric):
    assert minimal_rubric.bonus.combine == "highest"
    # 市 = 1 by one reviewer, 区 = 0.5 by another: 1, not their mean 0.75
    assert bonus(minimal_rubric, found("r1", ("普法创新", "市")), found("r2", ("普法创新", "区"))) == 100


def test_two_matters_found_by_two_reviewers_both_count(minimal_rubric):
    # 1 + 0.5 = 1.5 (the item cap), not the mean of the two reviewers' sums
    assert bonus(minimal_rubric, found("r1", ("普法创新", "市")), found("r2", ("调解品牌", "区"))) == 150


@pytest.mark.parametrize("rule", ["highest", "majority"])
def test_a_reviewer_who_found_nothing_does_not_dilute_one_who_did(minimal_rubric, rule):
    rubric = combine(minimal_rubric, rule)
    assert bonus(rubric, found("r1", ("普法创新", "市")), found("r2"), found("r3")) == 100


def test_majority_takes_the_level_most_reviewers_gave_and_a_tie_goes_lower(minimal_rubric):
    rubric = combine(minimal_rubric, "majority")
    assert bonus(rubric, *(found(r, ("普法创新", lv)) for r, lv in
                           (("r1", "市"), ("r2", "市"), ("r3", "国家")))) == 100
    assert bonus(rubric, found("r1", ("普法创新", "国家")), found("r2", ("普法创新", "区"))) == 50


def test_a_matter_is_the_same_whatever_its_spacing_or_full_width_characters(minimal_rubric):
    assert normalise_matter("  普法　创新 ＡＢ\n") == "普法 创新 AB"
    assert bonus(minimal_rubric, found("r1", ("普法 创新AB", "市")), found("r2", ("普法　创新ＡＢ", "市")),
                 found("r3", ("普法  创新AB ", "区"))) == 100


def test_item_and_section_caps_still_apply_after_combining(minimal_rubric):
    two_items = minimal_rubric.bonus.model_copy(update={"items": [
        minimal_rubric.bonus.items[0], minimal_rubric.bonus.items[0].model_copy(update={"id": "X2"})]})
    rubric = minimal_rubric.model_copy(update={"bonus": two_items})
    marks = [found("r1", ("甲", "国家"), ("乙", "国家")), found("r2", ("丙", "国家"), item="X2")]
    assert bonus(rubric, *marks) == 200  # X1 capped at 1.5, X2 1.5: section cap 2


def test_a_veto_one_reviewer_records_is_a_finding_whatever_the_others_say(minimal_rubric):
    marks = town_marks("东港镇") + [
        Mark(town="东港镇", item="V1", reviewer="r1", triggered=True, comment="台账系补做"),
        Mark(town="东港镇", item="V1", reviewer="r2", triggered=False),
        Mark(town="东港镇", item="V1", reviewer="r3", triggered=False)]
    row = outcome_of(minimal_rubric, marks).town("东港镇")
    assert (row["veto_findings"], row["grade"]) == (1, "不合格")


def test_an_unknown_combine_rule_is_refused_with_the_rubric(minimal_rubric):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        type(minimal_rubric.bonus).model_validate({**minimal_rubric.bonus.model_dump(), "combine": "mean"})


def test_the_scorecard_lists_each_matter_once_at_the_level_counted(minimal_rubric):
    from scoring.report.scorecard import MarkContext, build_scorecard

    marks = town_marks("东港镇") + [found("r1", ("普法创新", "市")), found("r2", (" 普法创新 ", "区"), ("调解", "区"))]
    card = build_scorecard(rubric=minimal_rubric, outcome=outcome_of(minimal_rubric, marks), town="东港镇",
                           marks=marks, context=MarkContext(departments={"r1": "区司法局", "r2": "区法院"}, passages={}),
                           district="区", assessment="考核", year=2025, released="")
    assert [(f.text, f.department) for f in card.bonus_findings] == [("普法创新（市）", "区司法局"),
                                                                    ("调解（区）", "区法院")]
    assert card.bonus == "1.5"
