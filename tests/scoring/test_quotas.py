"""Quota places: stated rounding, a minimum, the places documents show, and why a town was demoted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.report.ranking import build_ranking
from tests.scoring.helpers import outcome_of, town_marks


def quota_rule(rubric, rounding: str = "floor", min_places: int | None = None):
    return rubric.model_copy(update={"quota_rounding": rounding, "quota_min_places": min_places})


def distinct_towns(n: int, values: dict[int, str] | None = None):
    """n complete towns in rank order 镇0, 镇1 …, all above 优秀's 9 points; ``values`` ties some."""
    marks = []
    for index in range(n):
        value = (values or {}).get(index, str(Decimal(100 - index) / 100))
        marks += town_marks(f"镇{index}", B3={"points": value, "comment": "x"})
    return marks


@pytest.mark.parametrize(("rounding", "min_places", "places"), [
    ("floor", None, 0), ("round", None, 1), ("ceil", None, 1), ("floor", 1, 1), ("ceil", 5, 3)])
def test_quota_rounding_and_minimum_decide_the_places_of_a_small_district(minimal_rubric, rounding, min_places,
                                                                         places):
    # 3 towns × 30 % = 0.9 places: floor 0, round (half up) 1, ceil 1; never more than the towns
    outcome = outcome_of(quota_rule(minimal_rubric, rounding, min_places), distinct_towns(3))
    assert outcome.places == {"优秀": places}
    assert (outcome.ranking["grade"] == "优秀").sum() == places


def test_round_is_half_up_like_every_other_rounding(minimal_rubric):
    # 15 towns × 30 % = 4.5 places -> 5 (half to even would give 4)
    assert outcome_of(quota_rule(minimal_rubric, "round"), distinct_towns(15)).places == {"优秀": 5}


def test_the_ranking_document_states_the_places_rank_towns_applied(minimal_rubric):
    rubric = quota_rule(minimal_rubric, "ceil")
    report = build_ranking(rubric=rubric, outcome=outcome_of(rubric, distinct_towns(3)), district="区",
                           assessment="考核", year=2025, released="")
    assert report.band_lines[0].quota == "不超过30%（最多1个）" and report.band_lines[0].awarded == 1


def test_a_tie_group_that_does_not_fit_the_places_left_says_so_and_closes_the_band(minimal_rubric):
    # 10 towns, 3 places: 镇0 admitted, 镇1-镇3 tied need 3 of the 2 places left
    outcome = outcome_of(minimal_rubric, distinct_towns(10, {1: "0.99", 2: "0.99", 3: "0.99"}))
    grades = outcome.ranking.set_index("town")["grade"]
    assert [grades[f"镇{i}"] for i in range(5)] == ["优秀", "良好", "良好", "良好", "良好"]
    assert str(outcome.town("镇2")["grade_note"]) == "同分单位超出优秀名额（限3个），整组顺延"
    assert str(outcome.town("镇4")["grade_note"]) == "排名在前的同分单位整组顺延，优秀不再评定（限3个）"


def test_places_used_up_say_the_band_is_full(minimal_rubric):
    outcome = outcome_of(minimal_rubric, distinct_towns(10))
    assert str(outcome.town("镇3")["grade_note"]) == "优秀名额已满（限3个）"
    assert outcome.town("镇2")["grade_note"] is None


def test_when_every_town_is_tied_and_they_do_not_fit_none_gets_the_band(minimal_rubric):
    outcome = outcome_of(minimal_rubric, [m for t in ("甲镇", "乙镇", "丙镇", "丁镇") for m in town_marks(t)])
    assert outcome.places == {"优秀": 1}
    assert set(outcome.ranking["grade"]) == {"良好"} and set(outcome.ranking["rank"]) == {1}
    assert {str(n) for n in outcome.ranking["grade_note"]} == {"同分单位超出优秀名额（限1个），整组顺延"}


def test_quota_fields_without_any_quota_band_are_refused(tmp_path):
    from scoring.errors import RubricError
    from scoring.rubric.load import load_rubric
    from tests.conftest import DATA

    text = (DATA / "rubrics" / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text(text.replace(", quota: 0.3", "").replace("tie_break:", "quota_min_places: 1\ntie_break:"),
                    encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert "quota_min_places: 没有设名额比例的等次，此项无效" in str(info.value)
