"""Rubric files: valid ones load, broken ones say where and what in the user's terms.

Each file under ``tests/data/rubrics/broken/`` is ``minimal.yaml`` with one defect (the
changed lines end in ``# <-``); the table below is what an administrator must see for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.errors import Problem, RubricError
from scoring.rubric.load import dump_rubric, load_rubric, parse_rubric

ROOT = Path(__file__).resolve().parents[2]
RUBRICS = ROOT / "tests" / "data" / "rubrics"
BROKEN = RUBRICS / "broken"
MINIMAL = RUBRICS / "minimal.yaml"
DEFAULT = ROOT / "rubrics" / "town-rule-of-law-2025.yaml"

A1 = ("一级指标 A", "考核项目 A1")

# file, line, route, field, a phrase of the message
# fmt: off
BROKEN_FILES = [
    ("yaml-syntax-error.yaml", 18, (), "", "YAML 语法错误：mapping values are not allowed"),
    ("unknown-field.yaml", 32, A1, "weight", "未知字段（请检查拼写）"),
    ("missing-field.yaml", 21, A1, "department", "缺少必填字段"),
    ("unknown-method.yaml", 35, ("一级指标 A", "考核项目 A2"), "method",
     "未知的计分方式 graded，可选：deduct、levels、binary、ratio、judgement"),
    ("duplicate-item-id.yaml", 32, A1, "id", "编号 A1 重复"),
    ("duplicate-category-item-id.yaml", 41, ("一级指标 B",), "id", "编号 B 重复（已用于 一级指标 A → 考核项目 B）"),
    ("items-not-adding-up.yaml", 19, ("一级指标 A",), "points", "各考核项目分值合计 6.5 分，与一级指标分值 6 分不符"),
    ("group-items-not-adding-up.yaml", 47, ("一级指标 B", "二级指标 B-g"), "points",
     "各考核项目分值合计 5 分，与二级指标分值 4 分不符"),
    ("groups-not-adding-up.yaml", 43, ("一级指标 B",), "points",
     "考核项目和二级指标分值合计 5 分，与一级指标分值 4 分不符"),
    ("categories-not-adding-up.yaml", 8, (), "total_points", "各一级指标分值合计 10 分，与总分 12 分不符"),
    ("deduction-larger-than-item.yaml", 28, (*A1, "扣分规则 A1-none"), "amount",
     "每次扣 2 分，超过本项目的 1.5 分"),
    ("deduction-cap-larger-than-item.yaml", 29, (*A1, "扣分规则 A1-each"), "cap",
     "最多扣 2 分，超过本项目的 1.5 分"),
    ("method-cap-larger-than-item.yaml", 26, A1, "method.cap",
     "最多扣 3 分，超过本项目的 1.5 分"),
    ("level-above-max.yaml", 37, ("一级指标 A", "考核项目 A2", "档次 好"), "points",
     "档次 好 得 5 分，超过本项目的 4.5 分"),
    ("quota-zero.yaml", 11, ("等次 优秀",), "quota", "名额比例 0 应大于 0 且不超过 1"),
    ("quota-above-one.yaml", 11, ("等次 优秀",), "quota", "名额比例 1.5 应大于 0 且不超过 1"),
    ("grades-unordered.yaml", 13, ("等次 合格",), "min_total",
     "等次须按最低总分从高到低排列：8 分不低于 良好 的 6 分"),
    ("lowest-band-not-zero.yaml", 14, ("等次 不合格",), "min_total", "最低一个等次的最低总分须为 0"),
    ("tie-break-unknown-category.yaml", 15, (), "tie_break[1]",
     "category:Z 指向的一级指标在本细则中不存在"),
    ("veto-unknown-grade.yaml", 61, ("否决项 V2",), "max_grade", "较好 不是本细则的等次"),
    ("bonus-item-above-cap.yaml", 57, ("加分项 X1",), "max_points",
     "本项最多加 1.5 分，超过加分合计上限 1 分"),
    ("negative-max-points.yaml", 23, A1, "max_points", "应不小于 0"),
]
# fmt: on


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert caught.value.file == str(path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("name", "line", "route", "field", "phrase"),
    [pytest.param(*row, id=row[0].removesuffix(".yaml")) for row in BROKEN_FILES],
)
def test_broken_rubric_names_file_line_item_and_field(name, line, route, field, phrase):
    path = BROKEN / name
    [problem] = problems_of(path)
    assert Path(problem.file).name == name
    assert problem.line == line
    assert problem.path == route
    assert problem.field == field
    assert phrase in str(problem.message)
    # The one line an administrator reads: file:line → object → field: message.
    assert (
        str(problem)
        == " → ".join([f"{path}:{line}", *route, *([field] if field else [])])
        + f": {problem.message}"
    )


def test_yaml_syntax_error_points_at_the_offending_colon():
    [problem] = problems_of(BROKEN / "yaml-syntax-error.yaml")
    bad_line = (BROKEN / "yaml-syntax-error.yaml").read_text(encoding="utf-8").splitlines()[17]
    assert bad_line.startswith("    title: 组织领导: 依法行政")
    # Columns count characters (not UTF-8 bytes): the second colon is character 16.
    assert (problem.line, problem.column) == (18, 16)
    assert bad_line[problem.column - 1] == ":"


def test_every_broken_file_has_an_expected_message():
    tabled = {row[0] for row in BROKEN_FILES} | {"several-problems.yaml"}
    assert {p.name for p in BROKEN.glob("*.yaml")} == tabled


def test_rubric_with_several_problems_reports_all_of_them_in_one_run():
    problems = problems_of(BROKEN / "several-problems.yaml")
    found = {(p.line, p.path, p.field) for p in problems}
    assert len(problems) == 5
    assert found == {
        (50, ("一级指标 B", "二级指标 B-g", "考核项目 B2"), "weight"),  # unknown field
        (32, A1, "id"),  # duplicate id
        (11, ("等次 优秀",), "quota"),  # quota outside (0, 1]
        (13, ("等次 合格",), "min_total"),  # unordered bands
        (19, ("一级指标 A",), "points"),  # items not adding up
    }
    messages = " | ".join(str(p.message) for p in problems)
    for phrase in (
        "未知字段",
        "编号 A1 重复",
        "名额比例 1.5 应大于 0",
        "按最低总分从高到低排列",
        "各考核项目分值合计 6.5 分，与一级指标分值 6 分不符",
    ):
        assert phrase in messages


def test_structure_error_does_not_hide_tie_break_veto_and_total_problems():
    text = (
        MINIMAL.read_text(encoding="utf-8")
        .replace("criteria: 聘请法律顾问", "criteria: 聘请法律顾问\n        weight: 1")
        .replace('"category:A"', '"category:Z"')
        .replace("max_grade: 良好", "max_grade: 较好")
        .replace("total_points: 10", "total_points: 12")
    )
    with pytest.raises(RubricError) as caught:
        parse_rubric(text, "mixed.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"weight", "tie_break[1]", "max_grade", "total_points"} <= fields


@pytest.mark.parametrize("path", [MINIMAL, DEFAULT], ids=["minimal", "default"])
def test_valid_rubric_loads(path):
    rubric = load_rubric(path)
    assert sum(c.points for c in rubric.categories) == rubric.total_points


@pytest.mark.parametrize("path", [MINIMAL, DEFAULT], ids=["minimal", "default"])
def test_dumped_rubric_reads_back_equal(path):
    rubric = load_rubric(path)
    text = dump_rubric(rubric)
    assert parse_rubric(text, "dumped.yaml") == rubric
    # Points come back as numbers, not strings, so an administrator can edit the dump.
    assert "points: '" not in text and "amount: '" not in text
