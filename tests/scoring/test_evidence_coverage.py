"""The default rubric covers what a real town report talks about, and has the agreed shape.

The real report is 新城镇's 2015 依法行政工作报告 (published 2016-03-31). Reviewers score a
town against the rubric from such a report, so every section of it must land on rubric items.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORT_COPIES = [ROOT / "scoring" / "demo" / "evidence" / "新城镇" / "2015年新城镇依法行政工作报告.txt"]

# Section of the report → (its heading, the rubric items a reviewer scores from it).
# Keys: "三" is the top-level section 三、…; "三(一)" its sub-section (一).
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "一": ("加强组织领导，提升依法行政能力", ("A1", "A2", "A3")),  # 领导小组, 纳入年终目标考核
    "二": ("强化法制教育，提升依法行政意识", ("B1", "B3", "B4", "B5")),  # 学法, 六五普法, 12·4
    "三": ("完善制度体系，加快法治政府建设", ()),
    "三(一)": ("深入推进政务公开，自觉接受社会监督", ("D1", "D3")),  # 信息公开条例, 权力清单
    "三(二)": ("完善法律顾问制度，提高法治建设水平", ("C2",)),
    "三(三)": ("进一步规范重大事项决策制度，完善科学民主决策机制", ("C1",)),
    "四": ("规范执法行为，坚持公正文明执法", ()),
    "四(一)": ("依法全面履行职责", ("E3",)),  # 街道综合执法, 每日巡查
    "四(二)": ("严格规范行政执法", ("E2", "D4")),  # 执法公开, 一次性告知
    "四(三)": ("强化行政执法监督", ("E1", "E4", "E5")),  # 人员登记, 监督平台, 案卷
    "五": ("工作中存在的问题", ("G3",)),
    "六": ("下一步的工作计划", ("G4",)),
}
WHOLE_REPORT = ("G1", "G2")  # the report itself: filed and published on time, all five parts
SUBDIVIDED = ("三", "四")  # top-level sections whose (一)(二)(三) are mapped one by one

TOP_HEADING = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
SUB_HEADING = re.compile(r"^\(([一二三四五六七八九十]+)\)(.+)$")


def normal(text: str) -> str:
    """Full-width punctuation and parentheses as ASCII, so （一） and (一) compare equal."""
    return unicodedata.normalize("NFKC", text).strip()


@pytest.fixture(scope="module")
def report_lines() -> list[str]:
    for path in REPORT_COPIES:
        if path.exists():
            return [normal(line) for line in path.read_text(encoding="utf-8").splitlines()]
    pytest.fail(f"the 2015 新城镇 report is missing; looked in {[str(p) for p in REPORT_COPIES]}")


def top_level_sections(lines: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Number → (heading, the lines under it up to the next top-level heading)."""
    sections: dict[str, tuple[str, list[str]]] = {}
    current: list[str] = []
    for line in lines:
        match = TOP_HEADING.match(line)
        if match:
            current = []
            sections[match[1]] = (match[2], current)
        else:
            current.append(line)
    return sections


def sub_sections(body: list[str]) -> dict[str, str]:
    return {m[1]: m[2] for m in map(SUB_HEADING.match, body) if m}


def items_of(number: str) -> set[str]:
    """A top-level section's items, its sub-sections' included."""
    return {
        item
        for key, (_, items) in SECTIONS.items()
        if key == number or key.startswith(f"{number}(")
        for item in items
    }


def test_every_mapped_heading_occurs_in_the_real_report(report_lines):
    sections = top_level_sections(report_lines)
    for key, (heading, _) in SECTIONS.items():
        number, _, sub = key.partition("(")
        assert number in sections, f"no section {number}、 in the report"
        top_heading, body = sections[number]
        if not sub:
            assert top_heading == normal(heading), key
        else:
            # The sub-heading must sit inside its own section, not under 五 or 六.
            assert f"({sub}{normal(heading)}" in body, key


def test_every_section_of_the_report_is_mapped(report_lines):
    found = set()
    for number, (_, body) in top_level_sections(report_lines).items():
        found.add(number)
        if number in SUBDIVIDED:
            found |= {f"{number}({sub})" for sub in sub_sections(body)}
    assert found == set(SECTIONS)
    assert len(found) == 12  # 一 … 六, three sub-sections each under 三 and 四


def test_every_mapped_item_exists_in_the_default_rubric(default_rubric):
    mapped = {item for _, items in SECTIONS.values() for item in items} | set(WHOLE_REPORT)
    unknown = {item for item in mapped if default_rubric.kind_of(item) != "item"}
    assert not unknown, f"mapped to items the rubric does not have: {sorted(unknown)}"


def test_every_top_level_section_of_the_report_lands_on_a_rubric_item():
    for number in ("一", "二", "三", "四", "五", "六"):
        assert items_of(number), f"section {number} maps to no rubric item"
    for number in SUBDIVIDED:
        for key in (k for k in SECTIONS if k.startswith(f"{number}(")):
            assert SECTIONS[key][1], f"sub-section {key} maps to no rubric item"


def test_default_rubric_totals_100_points(default_rubric):
    assert default_rubric.total_points == Decimal(100)
    assert sum(c.points for c in default_rubric.categories) == Decimal(100)
    assert sum(item.max_points for _, item in default_rubric.all_items()) == Decimal(100)


def test_default_rubric_has_the_agreed_size(default_rubric):
    assert 6 <= len(default_rubric.categories) <= 8
    assert 25 <= len(list(default_rubric.all_items())) <= 40
    assert default_rubric.bonus is not None and 2 <= len(default_rubric.bonus.items) <= 4
    assert 1 <= len(default_rubric.vetoes) <= 3


def test_default_rubric_uses_every_scoring_method(default_rubric):
    kinds = {item.method.kind for _, item in default_rubric.all_items()}
    assert kinds == {"deduct", "levels", "binary", "ratio", "judgement"}
    assert sum(item.method.kind == "ratio" for _, item in default_rubric.all_items()) >= 2


def test_every_default_item_tells_reviewers_what_to_check_and_who_scores_it(default_rubric):
    for _, item in default_rubric.all_items():
        assert item.criteria.strip(), item.id
        assert item.scoring_rules.strip(), item.id
        assert item.evidence_required and all(e.strip() for e in item.evidence_required), item.id
        assert item.department.strip(), item.id
