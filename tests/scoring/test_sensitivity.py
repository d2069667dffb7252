"""The ranking's sensitivity shares work between its variants; it must equal computing each
variant's outcome from its own marks, the straightforward way kept here as the reference."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from scoring.calibration import calibration, offsets
from scoring.marks import BonusClaim, Deduction, Mark, MarkTable, mark_table
from scoring.messages import N_
from scoring.outcome import compute_outcome
from scoring.resolutions import apply_resolutions
from scoring.rubric.load import load_rubric
from scoring.sensitivity import RULE_NAMES, Variant, sensitivity
from tests.conftest import DATA

MINIMAL = load_rubric(DATA / "rubrics" / "minimal.yaml")
ITEMS = [item.id for _, item in MINIMAL.all_items()]


def rubric_with(rule: str, quota: float | None):
    """The minimal rubric combining by ``rule``, its best band's quota set to ``quota``."""
    grades = [MINIMAL.grades[0].model_copy(update={"quota": quota}), *MINIMAL.grades[1:]]
    return MINIMAL.model_copy(update={"aggregation": MINIMAL.aggregation.model_copy(update={"rule": rule}),
                                      "grades": grades})


def reference(rubric, table: MarkTable, towns=None, raw=None, base=None, names=None):
    """The sensitivity as it was computed before it shared work: each variant's whole outcome."""
    base = base or compute_outcome(rubric, table, towns)
    outcomes = []
    for rule in ("mean", "median"):
        if rule != rubric.aggregation.rule:
            changed = rubric.model_copy(update={"aggregation": rubric.aggregation.model_copy(update={"rule": rule})})
            outcomes.append((Variant(f"rule:{rule}", N_("按%(rule)s合并", rule=RULE_NAMES[rule])),
                             compute_outcome(changed, table, towns)))
    correction = offsets(calibration(rubric, raw if raw is not None else table))
    if correction:
        outcomes.append((Variant("normalised", N_("按评分人校准后")), compute_outcome(rubric, table, towns, correction)))
    for reviewer, fewer in without_each(table):
        outcomes.append((Variant(f"without:{reviewer}", N_("去掉评分人 %(reviewer)s",
                                                            reviewer=(names or {}).get(reviewer, reviewer))),
                         compute_outcome(rubric, fewer, towns)))
    frame = places(base).rename(columns={"rank_": "rank", "grade_": "grade"})
    depends = {}
    for variant, outcome in outcomes:
        other = places(outcome).set_index("town").reindex(frame["town"])
        frame[f"rank:{variant.key}"] = other["rank_"].to_numpy()
        frame[f"grade:{variant.key}"] = other["grade_"].to_numpy()
        changed = (frame["rank"].to_numpy() != other["rank_"].to_numpy()) | \
                  (frame["grade"].to_numpy() != other["grade_"].to_numpy())
        for town in frame.loc[changed, "town"]:
            depends.setdefault(town, []).append(variant)
    return tuple(v for v, _ in outcomes), frame, {t: tuple(v) for t, v in depends.items()}


def places(outcome) -> pd.DataFrame:
    ranking = outcome.ranking
    return pd.DataFrame({"town": ranking["town"].astype(str).to_numpy(),
                         "rank_": ranking["rank"].fillna(0).astype(int).to_numpy(),
                         "grade_": ranking["grade"].fillna("").astype(str).to_numpy()})


def without_each(table: MarkTable):
    marks = table.marks
    town, item, reviewer = (marks[c].astype(str).to_numpy() for c in ("town", "item", "reviewer"))
    pair = pd.Series(np.char.add(np.char.add(town.astype(str), "\x1f"), item.astype(str)))
    shared = (pair.map(pair.value_counts()) > 1).to_numpy()
    for name in sorted(set(reviewer[shared])):
        drop = shared & (reviewer == name)
        kept = marks[~drop]
        ids = set(kept.index)
        yield name, MarkTable(marks=kept, deductions=table.deductions[table.deductions["mark_id"].isin(ids)],
                              claims=table.claims[table.claims["mark_id"].isin(ids)])


@st.composite
def item_mark(draw, town: str, item: str, reviewer: str, spread: int) -> Mark:
    """A reviewer's mark; ``spread`` small gives few distinct values, so towns tie often."""
    base = {"town": town, "item": item, "reviewer": reviewer}
    if draw(st.integers(0, 7)) == 0 and item in ("A2", "B1"):
        return Mark(**base, not_applicable=True, comment="不适用")
    if item == "A1":
        rules = draw(st.lists(st.tuples(st.sampled_from(["A1-none", "A1-each"]), st.integers(1, spread)), max_size=2))
        return Mark(**base, deductions=[Deduction(rule=r, count=c) for r, c in rules])
    if item == "A2":
        return Mark(**base, level=draw(st.sampled_from(["好", "较好", "一般", "差"][:spread])))
    if item == "B1":
        return Mark(**base, ratio=Decimal(draw(st.sampled_from([10_000, 9_000, 5_000, 0][:spread]))) / 10_000)
    if item == "B2":
        return Mark(**base, met=draw(st.booleans()))
    return Mark(**base, points=draw(st.sampled_from(["1", "0.8", "0.55", "0"][:spread])), comment="理由")


@st.composite
def district(draw):
    """Towns marked by up to four reviewers (each marking some pairs only), with bonus claims, vetoes,
    resolutions of some pairs, and now and then a town without marks or a reviewer's second mark."""
    spread = draw(st.integers(1, 4))
    towns = [f"镇{i}" for i in range(draw(st.integers(1, 10)))]
    reviewers = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    marks = []
    for town in towns:
        for item in ITEMS:
            who = draw(st.lists(st.sampled_from(reviewers), min_size=0 if draw(st.integers(0, 15)) == 0 else 1,
                                max_size=len(reviewers), unique=True))
            if who and draw(st.integers(0, 30)) == 0:
                who = [*who, who[0]]  # the same reviewer twice on a pair
            marks += [draw(item_mark(town, item, reviewer, spread)) for reviewer in who]
        for reviewer in draw(st.lists(st.sampled_from(reviewers), max_size=2, unique=True)):
            claims = draw(st.lists(st.tuples(st.sampled_from(["甲", "乙"]), st.sampled_from(["国家", "市", "区"])),
                                   min_size=1, max_size=3))
            marks.append(Mark(town=town, item="X1", reviewer=reviewer,
                              claims=[BonusClaim(matter=m, level=lv) for m, lv in claims]))
        for reviewer in draw(st.lists(st.sampled_from(reviewers), max_size=2, unique=True)):
            if draw(st.integers(0, 3)) == 0:
                marks.append(Mark(town=town, item=draw(st.sampled_from(["V1", "V2"])), reviewer=reviewer,
                                  triggered=True, comment="否决"))
    resolved = []
    for town in towns:
        if draw(st.integers(0, 3)) == 0:
            item = draw(st.sampled_from(ITEMS))
            resolved.append(draw(item_mark(town, item, "admin", spread)))
    unmarked = [f"镇{len(towns)}"] if draw(st.booleans()) else []
    return marks, resolved, towns + unmarked if draw(st.booleans()) else None, draw(
        st.sampled_from(["mean", "median", "trimmed_mean"])), draw(st.sampled_from([0.3, 0.5, None]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(district())
def test_the_sensitivity_equals_each_variant_computed_from_its_own_marks(case):
    marks, resolved, towns, rule, quota = case
    rubric = rubric_with(rule, quota)
    raw = mark_table(marks)
    table = apply_resolutions(raw, resolved)
    names = {"r1": "评分人一"}
    fast = sensitivity(rubric, table, towns, raw=raw, names=names)
    variants, frame, depends = reference(rubric, table, towns, raw=raw, names=names)
    assert fast.variants == variants
    assert_frame_equal(fast.table, frame, check_exact=True)
    assert fast.depends == depends


def test_a_base_outcome_given_is_used_as_the_ranking_that_counts(minimal_rubric):
    from tests.scoring.helpers import town_marks

    marks = town_marks("甲镇", reviewers=("r1", "r2"), A2=lambda r: {"level": "好" if r == "r1" else "差"}) \
        + town_marks("乙镇", reviewers=("r1", "r2"))
    table = mark_table(marks)
    base = compute_outcome(minimal_rubric, table, ["甲镇", "乙镇", "丙镇"])
    fast = sensitivity(minimal_rubric, table, ["甲镇", "乙镇", "丙镇"], base=base)
    _, frame, depends = reference(minimal_rubric, table, ["甲镇", "乙镇", "丙镇"], base=base)
    assert_frame_equal(fast.table, frame, check_exact=True)
    assert fast.depends == depends
    # 甲镇 without r1 keeps r2's 差 on A2: 4.5 points fewer, second.
    assert fast.table.set_index("town").loc["甲镇", "rank:without:r1"] == 2


def test_a_town_whose_only_marks_are_left_out_is_missing_from_that_variant(minimal_rubric):
    from tests.scoring.helpers import town_marks

    # 丙镇's one pair was marked twice by r1 (a shared pair): without r1 丙镇 has no mark left,
    # and since no list of towns names it, that variant does not rank it at all.
    marks = town_marks("甲镇", reviewers=("r1", "r2")) + town_marks("乙镇", reviewers=("r2",)) + [
        Mark(town="丙镇", item="B2", reviewer="r1", met=True), Mark(town="丙镇", item="B2", reviewer="r1", met=False)]
    table = mark_table(marks)
    fast = sensitivity(minimal_rubric, table)
    _, frame, depends = reference(minimal_rubric, table)
    assert_frame_equal(fast.table, frame, check_exact=True)
    assert fast.depends == depends
    assert np.isnan(fast.table.set_index("town").loc["丙镇", "rank:without:r1"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(district(), st.data())
def test_marks_kept_with_some_towns_read_again_are_the_marks_read_afresh(case, data):
    """The page keeps the district's marks and reads again only the towns a change touched: the
    rows (in stored order), their deductions and claims, and so every number, must be as read afresh."""
    from scoring.store.mark_frames import MarksById, with_towns_read_again

    marks = case[0]
    ids = sorted(data.draw(st.sets(st.integers(1, 10_000), min_size=len(marks), max_size=len(marks))))
    stored = dict(zip(ids, marks, strict=True))
    towns = sorted({m.town for m in marks})
    changed = set(data.draw(st.lists(st.sampled_from(towns), unique=True))) if towns else set()
    after = {i: m for i, m in stored.items() if m.town not in changed or data.draw(st.booleans())}  # some withdrawn
    for town in sorted(changed):  # and some new, stored after every other
        for k, item in enumerate(data.draw(st.lists(st.sampled_from(ITEMS), max_size=3))):
            after[10_001 + len(after) + k] = data.draw(item_mark(town, item, f"r{k}", 2))
    known = MarksById(mark_table(marks), np.array(ids))
    theirs = sorted(i for i, m in after.items() if m.town in changed)
    fresh = MarksById(mark_table([after[i] for i in theirs]), np.array(theirs, dtype=np.int64))
    kept = with_towns_read_again(known, fresh, changed)
    read = mark_table([after[i] for i in sorted(after)])
    assert list(kept.ids) == sorted(after)
    for part in ("marks", "deductions", "claims"):
        assert_frame_equal(getattr(kept.table, part), getattr(read, part), check_dtype=False, check_index_type=False)
    rubric, towns_named = rubric_with("trimmed_mean", 0.3), towns + ["镇99"]
    assert_frame_equal(compute_outcome(rubric, kept.table, towns_named).ranking,
                       compute_outcome(rubric, read, towns_named).ranking, check_exact=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(district())
def test_resolved_pairs_keep_only_their_resolution_and_every_other_mark_stays_in_order(case):
    from scoring.resolutions import resolve_marks

    marks, resolved = case[0], case[1]
    table = apply_resolutions(mark_table(marks), resolved)
    expected = mark_table(resolve_marks(marks, resolved))

    def values(frame: pd.DataFrame) -> pd.DataFrame:  # no value: None or NaN alike
        return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)

    for part in ("marks", "deductions", "claims"):
        assert_frame_equal(values(getattr(table, part)), values(getattr(expected, part)))
