"""Assigning by department, by matrix, by town and from last year; loads and shortfalls."""

from __future__ import annotations

import pytest

from scoring import services
from scoring.assignments import (
    cells_of,
    department_names,
    item_ranges,
    loads,
    responsible,
    shortfalls,
)
from scoring.errors import PhaseClosed
from scoring.services.audit_log import readable_entries
from scoring.store import operations, queries
from scoring.store.audit import Actor


def admin(ids) -> Actor:
    return Actor(ids["users"]["admin"], "admin")


def new_assessment(db, ids, year: int = 2026) -> int:
    """An assessment of every demo town on the demo's rubric, with nobody assigned yet."""
    district = queries.first_district(db)
    rubric_version = queries.assessment(db, ids["scoring"]).rubric_version_id
    return operations.create_assessment(db, admin(ids), district_id=district.id, name=f"{year}年度考核", year=year,
                                        rubric_version_id=rubric_version, town_ids=list(ids["towns"].values())).id


def coverage(db, assessment_id: int, reviewer_id: int) -> dict[str, set[int]]:
    towns = queries.assessment_towns(db, assessment_id)
    return {item: {t for t in towns if item in queries.assigned_items(db, assessment_id, reviewer_id, t)}
            for item in queries.assigned_items(db, assessment_id, reviewer_id)}


def test_department_names_read_the_responsible_units_as_rubrics_write_them():
    assert department_names("区委依法治区办（区司法局）；区委组织部（述法）") == {"区委依法治区办", "区司法局", "区委组织部"}
    assert department_names("区司法局（行政复议科）；区人民法院（提供数据）") == {"区司法局", "区人民法院"}
    assert responsible("区政府办公室（区政务公开办）", "区政务公开办")
    assert not responsible("区政务服务办", "区司法局")


def test_item_ranges_name_runs_in_rubric_order():
    order = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "BONUS1"]
    assert item_ranges(order, ["A4", "A1", "A2", "A3", "B2"]) == "A1–A4、B2"
    assert item_ranges(order, ["A3", "B1"]) == "A3、B1"


def test_assign_by_department_gives_each_item_to_its_responsible_departments(db, ids, default_rubric):
    assessment = new_assessment(db, ids)
    operations.assign_by_department(db, admin(ids), assessment)
    sifaju, zhengwu = (coverage(db, assessment, ids["users"][u]) for u in ("sifaju", "zhengwu"))
    towns = set(ids["towns"].values())
    for _, item in default_rubric.all_items():
        assert (item.id in sifaju) == ("区司法局" in item.department), item.id
        if item.id in sifaju:
            assert sifaju[item.id] == towns  # for every town
    assert set(zhengwu) == {i.id for _, i in default_rubric.all_items() if "区政务服务办" in i.department}
    lines = [str(e.text) for e in readable_entries(db, queries.audit_events(db, limit=3))]
    assert any(line.startswith("区依法治区办 管理员 安排 司法局 张审核 评分 A1–A4") and "（全部 8 个单位，按责任部门）" in line
               for line in lines), lines


def test_the_matrix_turns_a_row_on_and_off_and_shows_in_the_load(db, ids):
    assessment = new_assessment(db, ids)
    sifaju = ids["users"]["sifaju"]
    operations.set_matrix(db, admin(ids), assessment, {(sifaju, i): True for i in ("A1", "A2", "A3", "A4")})
    rows = [(a.reviewer_id, a.item_id, a.town_id) for a in queries.assignments(db, assessment)]
    assert loads(cells_of(rows, ids["towns"].values(), {})) == {sifaju: 4 * 8}
    line = readable_entries(db, queries.audit_events(db, limit=1))[0].text
    assert str(line) == "区依法治区办 管理员 安排 司法局 张审核 评分 A1–A4（全部 8 个单位）"

    operations.set_matrix(db, admin(ids), assessment, {(sifaju, "A2"): False})
    assert set(coverage(db, assessment, sifaju)) == {"A1", "A3", "A4"}
    assert "取消 司法局 张审核 评分 A2" in str(readable_entries(db, queries.audit_events(db, limit=1))[0].text)


def test_one_reviewers_towns_are_set_cell_by_cell(db, ids):
    assessment = new_assessment(db, ids)
    zhengwu, xin, dong = ids["users"]["zhengwu"], ids["towns"]["新城镇"], ids["towns"]["东港镇"]
    operations.set_reviewer_towns(db, admin(ids), assessment, zhengwu, {("A1", xin): True, ("A1", dong): True})
    assert coverage(db, assessment, zhengwu) == {"A1": {xin, dong}}
    assert "2 个单位" in str(readable_entries(db, queries.audit_events(db, limit=1))[0].text)
    operations.set_reviewer_towns(db, admin(ids), assessment, zhengwu,
                                  {("A1", t): True for t in ids["towns"].values()})
    assert [a.town_id for a in queries.assignments(db, assessment)] == [None]  # one row: every town


def test_copy_last_years_assignments_and_conflicts(db, ids):
    sifaju, xin = ids["users"]["sifaju"], ids["towns"]["新城镇"]
    operations.declare_conflict(db, Actor(sifaju, "sifaju"), ids["scoring"], sifaju, xin, "配偶在该镇任职")
    assessment = new_assessment(db, ids)
    assert queries.previous_assessment(db, assessment).id == ids["scoring"]
    operations.copy_assignments(db, admin(ids), assessment, ids["scoring"])
    for username in ("sifaju", "zhengwu", "fazhiban"):
        reviewer = ids["users"][username]
        assert coverage(db, assessment, reviewer) == coverage(db, ids["scoring"], reviewer)
    assert [(c.reviewer_id, c.town_id) for c in queries.conflicts(db, assessment)] == [(sifaju, xin)]
    assert queries.assigned_items(db, assessment, sifaju, xin) == set()
    assert "沿用上年分配" in str(readable_entries(db, queries.audit_events(db, limit=1))[0].text)


def test_a_removed_assignments_marks_count_only_when_the_administrator_keeps_them(db, ids):
    def a1_reviewers(town: str) -> set[str]:
        return {m.reviewer for m in queries.complete_marks(db, ids["scoring"], ids["towns"][town]) if m.item == "A1"}

    fazhiban = ids["users"]["fazhiban"]
    assert "fazhiban" in a1_reviewers("新城镇")
    operations.set_matrix(db, admin(ids), ids["scoring"], {(fazhiban, "A1"): False}, keep_marks=True)
    assert "fazhiban" in a1_reviewers("新城镇")  # kept: still counting
    assert "保留 依法治区办 王审核 的 8 条 A1 评分" in str(readable_entries(db, queries.audit_events(db, limit=2))[1].text)
    operations.set_matrix(db, admin(ids), ids["scoring"], {(ids["users"]["sifaju"], "A1"): False})
    assert a1_reviewers("新城镇") == {"fazhiban"}  # not kept: withdrawn
    assert services.district_ranking(db, ids["scoring"]) is not None


def test_assignments_change_only_while_setup_is_open(db, ids):
    with pytest.raises(PhaseClosed):
        operations.set_matrix(db, admin(ids), ids["released"], {(ids["users"]["sifaju"], "A1"): False})
    with pytest.raises(PhaseClosed):
        operations.assign_by_department(db, admin(ids), ids["released"])


def test_shortfalls_name_items_with_fewer_reviewers_than_the_rubric_asks(default_rubric):
    rubric = default_rubric.model_copy(update={"aggregation": default_rubric.aggregation.model_copy(
        update={"reviewers": 2})})
    ids = [i.id for _, i in rubric.all_items()]
    cells = {(r, i, t) for r in (1, 2) for i in ids for t in (10, 11)} - {(2, "A1", 11)}
    short = [s for s in shortfalls(rubric, cells, [10, 11]) if s.item in ids]
    assert [(s.item, s.needed, s.fewest, s.towns) for s in short] == [("A1", 2, 1, (11,))]
