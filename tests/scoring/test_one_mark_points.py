"""A saved mark's points, computed on that mark alone, are exactly what the district's table gives it.

The save path (``running.item_points``, the scoring sheet's ``points_text``) scores a few marks
from their values with ``method_points.values_points``; results and rankings score every mark
with ``compute_mark_points`` over frames. Both run each method's one ``points``: these
properties check that no input (deductions split over rows, caps, levels, ratios, not
applicable, a rule or level the item does not have) gives a point more or less on either path.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.marks import Deduction, Mark, MarkTable, frame_values, mark_table
from scoring.method_points import MarkPoints, compute_mark_points, item_tables, values_points
from scoring.points import format_points
from scoring.rubric.load import load_rubric
from scoring.services import running
from scoring.store.mark_frames import table_of
from tests.conftest import DATA, ROOT

RUBRICS = {"demo": load_rubric(ROOT / "rubrics" / "town-rule-of-law-2025.yaml"),
           "minimal": load_rubric(DATA / "rubrics" / "minimal.yaml")}  # minimal: per-rule and item caps
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_versions = itertools.count(10_000)  # a new rubric version per call: the remembered points never answer


@st.composite
def scored_mark(draw, rubric, item, town: str, reviewer: str) -> tuple[Mark, bool]:
    """A mark of a scored item and whether it is valid (an invalid one is stored, edited outside)."""
    base = {"town": town, "item": item.id, "reviewer": reviewer}
    if item.not_applicable != "not_allowed" and draw(st.integers(0, 7)) == 0:
        return Mark(**base, not_applicable=True, comment="不适用"), True
    kind = item.method.kind
    if kind == "deduct":
        own = [rule.id for rule in item.method.rules]
        others = sorted({rule.id for _, i in rubric.all_items() if i.method.kind == "deduct"
                         for rule in i.method.rules} - set(own))
        pool = own if draw(st.integers(0, 9)) else [*own, *others, "无此规则"]  # sometimes another's rule
        found = draw(st.lists(st.tuples(st.sampled_from(pool), st.integers(1, 4) | st.integers(1, 1000)),
                              max_size=6))
        valid = all(r in own for r, _ in found)
        return Mark(**base, deductions=[Deduction(rule=r, count=c) for r, c in found]), valid
    if kind == "levels":
        names = [level.name for level in item.method.levels]
        level = draw(st.sampled_from(names) | st.just("无此档"))
        return Mark(**base, level=level), level in names
    if kind == "binary":
        return Mark(**base, met=draw(st.booleans())), True
    if kind == "ratio":
        return Mark(**base, ratio=Decimal(draw(st.integers(0, 10_000))) / 10_000), True
    return Mark(**base, points=Decimal(draw(st.integers(0, item.max_cents))) / 100, comment="理由"), True


@st.composite
def district(draw) -> tuple[str, list[tuple[Mark, bool]]]:
    """A rubric's name and marks of random items for a few towns and reviewers, with bonus and veto marks."""
    name = draw(st.sampled_from(sorted(RUBRICS)))
    rubric = RUBRICS[name]
    items = [item for _, item in rubric.all_items()]
    marks = []
    for town, reviewer in itertools.product(["镇甲", "镇乙", "镇丙"], ["r1", "r2"]):
        for item in draw(st.lists(st.sampled_from(items), max_size=len(items), unique_by=lambda i: i.id)):
            marks.append(draw(scored_mark(rubric, item, town, reviewer)))
        if draw(st.booleans()):  # not scored items: no points on either path
            marks.append((Mark(town=town, item=rubric.vetoes[0].id, reviewer=reviewer, triggered=True,
                               comment="否决"), True))
    return name, marks


def row_of(computed: MarkPoints, row: int) -> tuple:
    """A mark's (cents, not applicable, occurrences, unusable), NaN cents as None to compare."""
    cents = float(computed.points[row])
    return (None if cents != cents else cents, bool(computed.not_applicable[row]), int(computed.occurrences[row]),
            bool(computed.unusable[row]))


def categorical(table: MarkTable) -> MarkTable:
    """The table with text columns categorical, as a bulk loader builds them (the district's benchmark)."""
    marks = table.marks.astype({"town": "category", "item": "category", "reviewer": "category",
                                "level": "category"})
    return MarkTable(marks, table.deductions.astype({"rule": "category"}), table.claims)


def assert_same(one: MarkPoints, batch: MarkPoints) -> None:
    for name in ("item", "points", "not_applicable", "occurrences", "unusable"):
        got, expected = getattr(one, name), getattr(batch, name)
        assert got.dtype == expected.dtype, name
        assert np.array_equal(got, expected, equal_nan=name == "points"), name


@SETTINGS
@given(district())
def test_each_marks_points_alone_are_exactly_its_points_among_the_districts(drawn):
    name, drawn_marks = drawn
    rubric = RUBRICS[name]
    tables = item_tables(rubric)
    marks = [mark for mark, _ in drawn_marks]
    stored = [((1, m.item, m.town, m.reviewer, ""), frame_values(m)) for m in marks]  # as the store reads them
    batch = compute_mark_points(tables, table_of(stored).table)
    for other in (compute_mark_points(tables, mark_table(marks)),
                  compute_mark_points(tables, categorical(mark_table(marks)))):
        assert_same(other, batch)
    # the few-marks path over all of them at once (long columns), then each mark alone (a save)
    assert_same(values_points(tables, [(m.item, values) for m, (_, values) in zip(marks, stored, strict=True)]),
                batch)
    for row, (key, values) in enumerate(stored):
        alone = values_points(tables, [(key[1], values)])
        assert row_of(alone, 0) == row_of(batch, row), (key, values)


@SETTINGS
@given(district())
def test_a_saved_mark_shows_the_points_the_district_gives_it(drawn):
    name, drawn_marks = drawn
    rubric = RUBRICS[name]
    tables = item_tables(rubric)
    valid = [mark for mark, ok in drawn_marks if ok]
    batch = compute_mark_points(tables, mark_table(valid))
    for row, mark in enumerate(valid):
        if batch.item[row] < 0:
            continue  # a veto mark has no points beside it
        inputs = mark.model_dump(exclude={"town", "item", "reviewer"}, exclude_defaults=True)
        cents = batch.points[row]
        expected = running.NOT_APPLICABLE if cents != cents else format_points(int(cents))
        assert running.item_points(rubric, next(_versions), mark.item, inputs) == expected, inputs
    for (town, reviewer), group in itertools.groupby(sorted(range(len(valid)), key=lambda r: (
            valid[r].town, valid[r].reviewer)), key=lambda r: (valid[r].town, valid[r].reviewer)):
        rows = list(group)
        sheet = running.points_text(rubric, [valid[r] for r in rows])
        assert sheet == {valid[r].item: format_points(int(batch.points[r])) if batch.points[r] == batch.points[r]
                         else running.NOT_APPLICABLE for r in rows if batch.item[r] >= 0}, (town, reviewer)


def test_a_rule_summed_over_rows_is_capped_the_same_alone_and_in_the_district():
    """每少一次扣0.3分，累计不超过1.2分: five findings split over two rows lose 1.2, either way."""
    rubric = RUBRICS["minimal"]
    mark = Mark(town="镇", item="A1", reviewer="r", deductions=[
        Deduction(rule="A1-each", count=2), Deduction(rule="A1-each", count=3)])
    alone = values_points(item_tables(rubric), [("A1", frame_values(mark))])
    batch = compute_mark_points(item_tables(rubric), mark_table([mark]))
    # A1 is worth 1.5: capped per row (0.6 + 0.9) it would be 0
    assert row_of(alone, 0) == row_of(batch, 0) == (30.0, False, 5, False)
    assert pd.isna(values_points(item_tables(rubric), [("X1", frame_values(mark))]).points[0])
