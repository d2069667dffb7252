"""Properties that must hold for any marks (hypothesis)."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.marks import BonusClaim, Deduction, Mark, mark_table
from scoring.outcome import compute_outcome
from scoring.rubric.load import load_rubric
from tests.conftest import DATA

RUBRIC = load_rubric(DATA / "rubrics" / "minimal.yaml")
MAX = {item.id: item.max_cents for _, item in RUBRIC.all_items()}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def item_mark(draw, town: str, item: str, reviewer: str) -> Mark:
    base = {"town": town, "item": item, "reviewer": reviewer}
    if draw(st.integers(0, 9)) == 0 and item in ("A2", "B1"):
        return Mark(**base, not_applicable=True, comment="不适用")
    if item == "A1":
        rules = draw(st.lists(st.tuples(st.sampled_from(["A1-none", "A1-each"]), st.integers(1, 12)),
                              max_size=3))
        return Mark(**base, deductions=[Deduction(rule=r, count=c) for r, c in rules])
    if item == "A2":
        return Mark(**base, level=draw(st.sampled_from(["好", "较好", "一般", "差"])))
    if item == "B1":
        return Mark(**base, ratio=Decimal(draw(st.integers(0, 10_000))) / 10_000)
    if item == "B2":
        return Mark(**base, met=draw(st.booleans()))
    return Mark(**base, points=Decimal(draw(st.integers(0, 100))) / 100, comment="理由")


@st.composite
def assessment(draw) -> list[Mark]:
    towns = [f"镇{i}" for i in range(draw(st.integers(1, 12)))]
    reviewers = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    marks = []
    for town in towns:
        for item in MAX:
            if draw(st.integers(0, 19)) == 0:
                continue  # sometimes a missing mark: the town is incomplete
            for reviewer in reviewers:
                marks.append(draw(item_mark(town, item, reviewer)))
        if draw(st.booleans()):
            claims = draw(st.lists(st.tuples(st.sampled_from(["甲", "乙"]), st.sampled_from(["国家", "市", "区"])),
                                   max_size=4))
            marks.append(Mark(town=town, item="X1", reviewer="r0",
                              claims=[BonusClaim(matter=m, level=lv) for m, lv in claims]))
        if draw(st.integers(0, 5)) == 0:
            marks.append(Mark(town=town, item=draw(st.sampled_from(["V1", "V2"])), reviewer="r0",
                              triggered=True, comment="否决"))
    return marks


@SETTINGS
@given(assessment())
def test_an_item_score_is_always_between_zero_and_its_maximum(marks):
    scores = compute_outcome(RUBRIC, mark_table(marks)).item_scores.dropna(subset=["points"])
    assert (scores["points"] >= 0).all()
    assert (scores["points"] <= scores["item"].map(MAX).astype(float)).all()


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["A1-none", "A1-each"]), st.integers(1, 8)), max_size=4),
       st.sampled_from(["A1-none", "A1-each"]))
def test_a_further_deduction_never_raises_a_score(rules, extra):
    def a1(deductions):
        mark = Mark(town="镇", item="A1", reviewer="r", deductions=[Deduction(rule=r, count=c) for r, c in deductions])
        scores = compute_outcome(RUBRIC, mark_table([mark])).item_scores
        return scores.loc[scores["item"] == "A1", "points"].iloc[0]

    assert a1([*rules, (extra, 1)]) <= a1(rules)


@SETTINGS
@given(assessment())
def test_a_total_equals_the_sum_of_its_parts(marks):
    results = compute_outcome(RUBRIC, mark_table(marks)).results
    categories = results[[f"cat:{c.id}" for c in RUBRIC.categories]].sum(axis=1)
    assert (results["items_total"] == categories).all()
    uncapped = results[results["veto_findings"] == 0]
    assert (uncapped["total"] == uncapped["items_total"] + uncapped["bonus"]).all()
    assert (results["bonus"] <= 200).all()


@SETTINGS
@given(assessment())
def test_quotas_are_never_exceeded_and_better_ranks_never_get_worse_grades(marks):
    outcome = compute_outcome(RUBRIC, mark_table(marks))
    ranked = outcome.ranked
    order = {band.name: index for index, band in enumerate(RUBRIC.grades)}
    for band in RUBRIC.grades:
        if band.quota is not None:  # the rubric's default rounding is floor
            assert (ranked["grade"] == band.name).sum() <= outcome.places[band.name] == math.floor(
                band.quota * len(ranked))
    free = ranked[ranked["veto_findings"] == 0].sort_values("rank")
    grade_order = [order[g] for g in free["grade"]]
    assert grade_order == sorted(grade_order)


@SETTINGS
@given(assessment(), st.randoms(use_true_random=False))
def test_ranking_does_not_depend_on_the_order_of_input_rows(marks, rnd):
    shuffled = list(marks)
    rnd.shuffle(shuffled)
    first = compute_outcome(RUBRIC, mark_table(marks)).ranking
    second = compute_outcome(RUBRIC, mark_table(shuffled)).ranking
    columns = ["town", "total", "rank", "grade", "bonus", "missing"]
    assert first[columns].equals(second[columns])


CLAIMS = st.lists(st.tuples(st.sampled_from(["甲", "乙", "丙"]), st.sampled_from(["国家", "市", "区"])), max_size=4)


@SETTINGS
@given(st.lists(CLAIMS, min_size=1, max_size=4), st.sampled_from(["highest", "majority"]))
def test_bonus_never_exceeds_its_caps_and_a_reviewer_finding_nothing_never_lowers_it(findings, rule):
    rubric = RUBRIC.model_copy(update={"bonus": RUBRIC.bonus.model_copy(update={"combine": rule})})

    def bonus(marks):
        return compute_outcome(rubric, mark_table(marks)).town("镇")["bonus"]

    marks = [Mark(town="镇", item="X1", reviewer=f"r{i}", claims=[BonusClaim(matter=m, level=lv) for m, lv in c])
             for i, c in enumerate(findings)]
    got = bonus(marks)
    assert 0 <= got <= 150  # X1's max_points (under the section cap of 2)
    assert bonus([*marks, Mark(town="镇", item="X1", reviewer="nobody")]) >= got


@SETTINGS
@given(assessment(), st.sampled_from(["floor", "round", "ceil"]), st.sampled_from([None, 1, 2]))
def test_quotas_are_never_exceeded_with_any_rounding_and_tied_towns_share_a_grade(marks, rounding, min_places):
    rubric = RUBRIC.model_copy(update={"quota_rounding": rounding, "quota_min_places": min_places})
    outcome = compute_outcome(rubric, mark_table(marks))
    ranked = outcome.ranked
    for band in rubric.grades:
        if band.quota is not None:
            assert (ranked["grade"] == band.name).sum() <= outcome.places[band.name] <= len(ranked)
    keys = ["total", "cat:A", "veto_findings"]  # the rubric's tie-break chain
    assert (ranked.groupby(keys)["grade"].nunique() <= 1).all()
    assert ranked["rank"].notna().all() and outcome.ranking.loc[outcome.ranking["status"] != "ranked", "rank"].isna().all()
