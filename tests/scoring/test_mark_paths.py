"""One validation for every path: the same marks give the same points by form, CSV and XLSX."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.errors import MarksFileError
from scoring.marks import Mark, mark_table, read_mark
from scoring.marks_io import read_marks, write_marks
from scoring.method_points import mark_points
from scoring.rubric.load import load_rubric
from tests.conftest import DATA
from web.review.forms import inputs_from_fields

RUBRIC = load_rubric(DATA / "rubrics" / "minimal.yaml")
RULES = {rule.id: index for index, rule in enumerate(RUBRIC.item("A1").method.rules)}


@st.composite
def marks(draw) -> list[Mark]:
    """Random valid marks of the minimal rubric's items, one per (town, item, reviewer)."""
    out = []
    for town in draw(st.lists(st.sampled_from(["甲镇", "乙镇", "丙街道"]), min_size=1, max_size=3, unique=True)):
        for item in draw(st.lists(st.sampled_from(["A1", "A2", "B1", "B2", "B3"]), min_size=1, unique=True)):
            base = {"town": town, "item": item, "reviewer": "r1",
                    "comment": draw(st.sampled_from(["", "台账不全", "=1+1"]))}
            if item == "A1":  # the form has one row per rule
                rules = draw(st.lists(st.sampled_from(sorted(RULES)), max_size=2, unique=True))
                base["deductions"] = [{"rule": r, "count": draw(st.integers(1, 9))} for r in rules]
            elif item == "A2":
                base["level"] = draw(st.sampled_from(["好", "较好", "一般", "差"]))
            elif item == "B1":
                base["ratio"] = Decimal(draw(st.integers(0, 10_000))) / 10_000
            elif item == "B2":
                base["met"] = draw(st.booleans())
            else:
                base["points"] = Decimal(draw(st.integers(0, 100))) / 100
                base["comment"] = base["comment"] or "理由"
            out.append(Mark.model_validate(base))
    return out


def form_fields(mark: Mark) -> dict[str, str]:
    """What the scoring page's form sends for this mark (the browser's side of autosave)."""
    fields = {"comment": mark.comment} if mark.comment else {}
    for deduction in mark.deductions:
        row = RULES[deduction.rule]
        fields |= {f"ded-{row}-rule": deduction.rule, f"ded-{row}-count": str(deduction.count)}
    if mark.level:
        fields["level"] = mark.level
    if mark.met is not None:
        fields["met"] = "yes" if mark.met else "no"
    if mark.ratio is not None:
        fields["ratio"] = f"{(mark.ratio * 100).normalize():f}"
    if mark.points is not None:
        fields["points"] = f"{mark.points.normalize():f}"
    return fields


def by_autosave(given: list[Mark]) -> list[Mark]:
    """Form fields -> inputs -> JSON (as stored) -> the store's own check."""
    out = []
    for mark in given:
        inputs = json.loads(json.dumps(inputs_from_fields(form_fields(mark))))
        out.append(read_mark(RUBRIC, town=mark.town, item=mark.item, reviewer=mark.reviewer, inputs=inputs))
    return out


def points_of(marks_: list[Mark]) -> list[tuple]:
    frame = mark_points(RUBRIC, mark_table(marks_))
    return sorted(zip(frame["town"], frame["item"], frame["points"].fillna(-1), strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(marks())
def test_the_same_marks_give_the_same_points_through_autosave_csv_and_xlsx(tmp_path, given_marks):
    expected = points_of(given_marks)
    assert points_of(by_autosave(given_marks)) == expected
    for suffix in (".csv", ".xlsx"):
        path = write_marks(given_marks, tmp_path / f"marks{suffix}")
        table = read_marks(path, RUBRIC)
        frame = mark_points(RUBRIC, table)
        assert sorted(zip(frame["town"], frame["item"], frame["points"].fillna(-1), strict=True)) == expected


def test_a_csv_row_with_another_methods_input_is_refused_naming_the_cell(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("town,item,reviewer,deductions,level\n甲镇,A2,r1,A1-each:1,好\n", encoding="utf-8")
    with pytest.raises(MarksFileError) as caught:
        read_marks(path, RUBRIC)
    [problem] = caught.value.problems
    assert problem.row == 2 and "deductions" in problem.column and "评分方式" in problem.message


def test_a_csv_cannot_bypass_a_rule_cap_by_repeating_the_rule(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("town,item,reviewer,deductions\n甲镇,A1,r1,A1-each:1;A1-each:1;A1-each:1;A1-each:1;A1-each:1\n",
                    encoding="utf-8")
    frame = mark_points(RUBRIC, read_marks(path, RUBRIC))
    assert frame["points"].iloc[0] == 150 - 120  # the rule's cap of 1.2 holds
