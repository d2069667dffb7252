"""What changed between two rubric versions, said the way an administrator reads a rubric."""

from __future__ import annotations

from pathlib import Path

from scoring.rubric import Rubric
from scoring.rubric.diff import Change, diff_rubrics, yaml_diff
from scoring.rubric.load import dump_rubric, load_rubric

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "data" / "rubrics" / "minimal.yaml"
DEFAULT = ROOT / "rubrics" / "town-rule-of-law-2025.yaml"


def minimal() -> Rubric:
    return load_rubric(MINIMAL)


def edited(rubric: Rubric, change) -> Rubric:
    """The rubric with ``change(data)`` applied to its data."""
    data = rubric.model_dump(mode="python")
    change(data)
    return Rubric.model_validate(data)


def texts(changes: list[Change]) -> list[str]:
    return [str(c) for c in changes]


def test_the_same_rubric_has_no_changes():
    assert diff_rubrics(minimal(), minimal()) == []


def test_the_version_number_alone_is_not_a_change():
    """The store numbers versions; the number written in the file says nothing about content."""
    assert diff_rubrics(minimal(), minimal().model_copy(update={"version": 7})) == []


def test_a_rubric_read_back_from_its_dump_has_no_changes():
    rubric = load_rubric(DEFAULT)
    from scoring.rubric.load import parse_rubric

    assert diff_rubrics(rubric, parse_rubric(dump_rubric(rubric))) == []


def test_a_changed_max_points_names_category_item_field_and_both_values():
    def change(data):
        data["categories"][0]["items"][0]["max_points"] = 2
        data["categories"][0]["points"] = 6.5
        data["total_points"] = 10.5

    changes = diff_rubrics(minimal(), edited(minimal(), change))

    assert texts(changes) == [
        "total_points: 10 → 10.5",
        "一级指标 A → points: 6 → 6.5",
        "一级指标 A → 考核项目 A1 → max_points: 1.5 → 2",
    ]
    assert changes[2] == Change("changed", ("一级指标 A", "考核项目 A1"), "max_points", "1.5", "2")


def test_items_added_and_removed_are_reported_once_with_their_titles():
    def change(data):
        group = data["categories"][1]["groups"][0]
        removed = group["items"].pop(2)  # B3
        group["items"].append({**removed, "id": "B4", "title": "新项目"})

    changes = diff_rubrics(minimal(), edited(minimal(), change))

    assert texts(changes) == [
        "删除 一级指标 B → 二级指标 B-g → 考核项目 B3（履职）",
        "新增 一级指标 B → 二级指标 B-g → 考核项目 B4（新项目）",
    ]
    assert [c.kind for c in changes] == ["removed", "added"]


def test_changes_inside_a_scoring_method_use_rule_and_level_routes():
    def change(data):
        a1, a2 = data["categories"][0]["items"]
        a1["method"]["rules"][1]["cap"] = 0.9
        a1["method"]["rules"].append({"id": "A1-late", "reason": "逾期", "amount": 0.3, "cap": None})
        a2["method"]["levels"][1]["points"] = 3.5

    assert texts(diff_rubrics(minimal(), edited(minimal(), change))) == [
        "一级指标 A → 考核项目 A1 → 扣分规则 A1-each → cap: 1.2 → 0.9",
        "新增 一级指标 A → 考核项目 A1 → 扣分规则 A1-late（逾期）",
        "一级指标 A → 考核项目 A2 → 档次 较好 → points: 3 → 3.5",
    ]


def test_a_changed_scoring_method_shows_the_kind_and_its_new_levels():
    def change(data):
        data["categories"][1]["groups"][0]["items"][1]["method"] = {
            "kind": "levels", "levels": [{"name": "好", "points": 1}, {"name": "差", "points": 0}]}

    assert texts(diff_rubrics(minimal(), edited(minimal(), change))) == [
        "一级指标 B → 二级指标 B-g → 考核项目 B2 → method.kind: binary → levels",
        "新增 一级指标 B → 二级指标 B-g → 考核项目 B2 → 档次 好",
        "新增 一级指标 B → 二级指标 B-g → 考核项目 B2 → 档次 差",
    ]


def test_grades_bonus_vetoes_and_plain_lists():
    def change(data):
        data["grades"][0]["quota"] = 0.25
        data["bonus"]["cap"] = 3
        data["bonus"]["items"][0]["levels"][2]["points"] = 0.3
        data["vetoes"][0]["max_grade"] = "合格"
        data["tie_break"] = ["total", "fewer_veto_findings"]
        data["categories"][0]["items"][0]["evidence_required"] = ["学法记录"]

    assert texts(diff_rubrics(minimal(), edited(minimal(), change))) == [
        "等次 优秀 → quota: 0.3 → 0.25",
        "tie_break: total; category:A; fewer_veto_findings → total; fewer_veto_findings",
        "一级指标 A → 考核项目 A1 → evidence_required: [] → 学法记录",
        "bonus.cap: 2 → 3",
        "加分项 X1 → 档次 区 → points: 0.5 → 0.3",
        "否决项 V1 → max_grade: （无） → 合格",
    ]


def test_reordered_items_are_one_change_of_order():
    def change(data):
        items = data["categories"][1]["groups"][0]["items"]
        items[0], items[1] = items[1], items[0]

    assert texts(diff_rubrics(minimal(), edited(minimal(), change))) == [
        "一级指标 B → 二级指标 B-g → items.order: B1, B2, B3 → B2, B1, B3"]


def test_the_yaml_diff_is_a_unified_diff_of_the_texts():
    old = MINIMAL.read_text(encoding="utf-8")
    new = old.replace("        max_points: 1.5\n", "        max_points: 2\n", 1)

    lines = yaml_diff(old, new, "v1", "v2")

    assert lines[:2] == ["--- v1", "+++ v2"]
    assert "-        max_points: 1.5" in lines and "+        max_points: 2" in lines
    assert yaml_diff(old, old) == []
