"""Each scoring method in one home: the registry, foreign inputs, caps that hold, bounded inputs."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from scoring.errors import InvalidMark
from scoring.marks import Mark, mark_table, read_mark, validate_mark
from scoring.method_points import mark_points
from scoring.methods import METHODS, file_columns, frame_columns
from scoring.methods.base import ScoringMethod
from tests.conftest import ROOT
from tests.scoring.helpers import outcome_of, points, town_marks

TEMPLATES = ROOT / "web" / "templates"


@pytest.mark.parametrize("kind", sorted(METHODS))
def test_every_method_module_provides_the_whole_protocol_and_its_partials(kind):
    """A new method is one module plus its partials: anything missing here would break a page."""
    module = METHODS[kind]
    members = {name for name, _ in inspect.getmembers(ScoringMethod) if not name.startswith("_")}
    members |= set(ScoringMethod.__annotations__)
    missing = sorted(name for name in members if not hasattr(module, name))
    assert not missing, f"scoring.methods.{kind} lacks {missing}"
    assert module.KIND == kind and module.Method.model_fields["kind"].annotation.__args__ == (kind,)
    assert set(module.FIELDS) == set(module.INPUTS)
    assert Path(TEMPLATES / "review" / "methods" / f"{kind}.html").is_file()
    assert Path(TEMPLATES / "rubrics" / "methods" / f"{kind}.html").is_file()


def test_no_module_outside_scoring_methods_branches_on_a_method_kind():
    """The registry is the only dispatch: no isinstance chains or kind names elsewhere."""
    offenders = []
    kinds = [f"'{k}'" for k in METHODS] + [f'"{k}"' for k in METHODS]
    for path in [*(ROOT / "scoring").rglob("*.py"), *(ROOT / "web").rglob("*.py"), *TEMPLATES.rglob("*.html")]:
        if "methods" in path.parts or "rubrics" in path.parts:
            continue  # the method modules themselves; the rubric editor names kinds as choices
        text = path.read_text(encoding="utf-8")
        if any(f"kind == {k}" in text or f"kind != {k}" in text for k in kinds) or "isinstance(method," in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_a_deduction_on_a_levels_item_is_refused_outright(minimal_rubric):
    with pytest.raises(InvalidMark) as caught:
        read_mark(minimal_rubric, town="甲镇", item="A2", reviewer="r1",
                  inputs={"level": "好", "deductions": [{"rule": "A1-none", "count": 1}]})
    assert caught.value.refused and caught.value.field == "deductions"


def test_a_level_on_a_deduct_item_is_refused_not_ignored(minimal_rubric):
    with pytest.raises(InvalidMark) as caught:
        read_mark(minimal_rubric, town="甲镇", item="A1", reviewer="r1", inputs={"level": "好"})
    assert caught.value.refused and "档次" in str(caught.value.message)


def test_a_claim_on_a_scored_item_and_a_level_on_a_veto_are_refused(minimal_rubric):
    for item, inputs in (("B2", {"met": True, "claims": [{"matter": "x", "level": "市"}]}),
                         ("V1", {"triggered": False, "level": "好"})):
        with pytest.raises(InvalidMark):
            read_mark(minimal_rubric, town="甲镇", item=item, reviewer="r1", inputs=inputs)


def test_a_rule_cap_holds_however_the_findings_are_split(minimal_rubric):
    """A1-each deducts 0.3 a time up to 1.2: five rows of one finding lose 1.2, as one row of five."""
    split = town_marks("甲镇", A1={"deductions": [{"rule": "A1-each", "count": 1}] * 5})
    whole = town_marks("乙镇", A1={"deductions": [{"rule": "A1-each", "count": 5}]})
    outcome = outcome_of(minimal_rubric, split + whole)
    assert points(outcome, "甲镇", "A1") == points(outcome, "乙镇", "A1") == pytest.approx(0.3)


def test_the_scorecard_states_one_line_per_rule_with_the_capped_loss(minimal_rubric):
    from scoring.methods import deduct

    mark = Mark(town="甲镇", item="A1", reviewer="r1",
                deductions=[{"rule": "A1-each", "count": 2, "reason": "缺两次"},
                            {"rule": "A1-each", "count": 3, "reason": "又缺三次"}])
    [line] = deduct.explain(minimal_rubric.item("A1"), mark)
    assert line.points_lost == 120 and "5次" in line.text and "缺两次" in line.text and "又缺三次" in line.text


def test_a_mark_with_an_unknown_rule_counts_as_no_mark_instead_of_failing(minimal_rubric):
    """Marks that bypass validation (old data, a hand-edited database) never crash the results."""
    bad = Mark.model_construct(town="甲镇", item="A1", reviewer="r2", deductions=[], level=None, met=None,
                               ratio=None, points=None, triggered=None, claims=[], not_applicable=False,
                               comment="", citations=[])
    table = mark_table([*town_marks("甲镇"), bad])
    table.deductions.loc[len(table.deductions)] = [len(table.marks) - 1, "no-such-rule", 1]
    frame = mark_points(minimal_rubric, table)
    assert frame["points"].isna().sum() == 1
    assert points(outcome_of(minimal_rubric, town_marks("甲镇")), "甲镇", "A1") == 1.5


@pytest.mark.parametrize("inputs, field", [
    ({"comment": "长" * 2001}, "comment"),
    ({"deductions": [{"rule": "A1-each", "count": 1, "reason": "长" * 501}]}, "deductions"),
    ({"deductions": [{"rule": "A1-each", "count": 1}] * 51}, "deductions"),
    ({"citations": [{"evidence_id": "1", "passage_id": "p"}] * 51}, "citations"),
    ({"secret": "x"}, "secret"),
])
def test_texts_and_lists_are_bounded_and_refused_not_kept_as_drafts(minimal_rubric, inputs, field):
    with pytest.raises(InvalidMark) as caught:
        read_mark(minimal_rubric, town="甲镇", item="A1", reviewer="r1", inputs=inputs)
    assert caught.value.refused and caught.value.field == field


def test_a_count_not_yet_given_is_a_draft_problem_in_chinese(minimal_rubric):
    with pytest.raises(InvalidMark) as caught:
        read_mark(minimal_rubric, town="甲镇", item="A1", reviewer="r1",
                  inputs={"deductions": [{"rule": "A1-each", "count": 0, "reason": "先写理由"}]})
    assert not caught.value.refused
    assert str(caught.value.message) == "次数：应不小于 1"


def test_a_ratio_above_100_percent_is_explained_as_a_percentage(minimal_rubric):
    with pytest.raises(InvalidMark) as caught:
        read_mark(minimal_rubric, town="甲镇", item="B1", reviewer="r1", inputs={"ratio": "1.2"})
    assert "100%" in str(caught.value.message)


def test_marks_frame_and_file_columns_come_from_the_method_modules():
    assert set(frame_columns()) == {"level", "met", "ratio_bp", "points"}
    assert [c.name for c in file_columns()] == ["deductions", "level", "met", "ratio", "points"]


def test_validate_mark_is_what_every_path_calls(minimal_rubric):
    """The CSV reader, the store and read_mark all refuse the same foreign input."""
    mark = Mark(town="甲镇", item="A1", reviewer="r1", level="好")
    with pytest.raises(InvalidMark):
        validate_mark(minimal_rubric, mark)
