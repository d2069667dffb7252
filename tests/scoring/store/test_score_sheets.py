"""Offline score sheets: export, edit in Excel, import all or nothing, conflicts (real databases)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from scoring import score_sheet
from scoring.errors import MarksFileError
from scoring.marks_io import COLUMNS
from scoring.services import record_mark
from scoring.services.score_sheets import export_score_sheet, import_score_sheet
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import AuditEvent, MarkRow

REVIEWER = "sifaju"


class Sheet:
    """An exported workbook, edited as a reviewer would in Excel, then saved for import."""

    def __init__(self, data: bytes):
        self.book = openpyxl.load_workbook(io.BytesIO(data))
        self.sheet = self.book[score_sheet.SHEET]
        self.header = [c.value for c in self.sheet[1]]

    def rows(self) -> list[dict]:
        return [dict(zip(self.header, [c.value for c in row], strict=False)) for row in self.sheet.iter_rows(min_row=2)]

    def row_of(self, town_id: int, item: str) -> int:
        key = self.header.index("校验")
        for number, row in enumerate(self.sheet.iter_rows(min_row=2), start=2):
            if str(row[key].value).startswith(f"{town_id}:{item}:"):
                return number
        raise AssertionError(f"no row for {town_id} {item}")

    def set(self, town_id: int, item: str, column: str, value) -> int:
        number = self.row_of(town_id, item)
        self.sheet.cell(number, self.header.index(COLUMNS[column]) + 1, value)
        return number

    def save(self, tmp_path, name: str = "评分表.xlsx"):
        path = tmp_path / name
        self.book.save(path)
        return path


def reviewer(ids):
    return Actor(ids["users"][REVIEWER], REVIEWER)


@pytest.fixture
def ids(db, ids):
    """The demo's ids, with ``scoring`` a fresh assessment of two towns in the scoring phase in
    which the reviewer scores every item and nothing is scored yet."""
    admin = Actor(ids["users"]["admin"], "admin")
    current = queries.assessment(db, ids["scoring"])
    towns = [ids["towns"]["新城镇"], ids["towns"]["东港镇"]]
    fresh = operations.create_assessment(db, admin, district_id=current.district_id, name="离线评分测试",
                                         year=2026, rubric_version_id=current.rubric_version_id, town_ids=towns)
    rubric = queries.assessment_rubric(db, fresh.id)
    operations.assign(db, admin, fresh.id, ids["users"][REVIEWER], [i.id for _, i in rubric.all_items()])
    for phase in ("submission", "scoring"):
        operations.set_phase(db, admin, fresh.id, phase)
    return {**ids, "scoring": fresh.id, "towns": {"新城镇": towns[0], "东港镇": towns[1]}}


def untouched_items(db, ids, kinds: set[str]) -> list[tuple[str, str, int]]:
    """(item id, method kind, town id) of an item of each kind, in 新城镇 (nothing is scored yet)."""
    rubric = queries.assessment_rubric(db, ids["scoring"])
    found: dict[str, tuple[str, str, int]] = {}
    for _, item in rubric.all_items():
        if item.method.kind in kinds and item.method.kind not in found:
            found[item.method.kind] = (item.id, item.method.kind, ids["towns"]["新城镇"])
    assert set(found) == kinds
    return [found[k] for k in sorted(kinds)]


def counts(db) -> tuple[int, int]:
    db.rollback()
    return (db.execute(select(func.sum(MarkRow.version))).scalar(),
            db.execute(select(func.count(AuditEvent.id))).scalar())


def stored(db, ids, town_id: int, item: str):
    db.rollback()
    return queries.reviewer_marks(db, ids["scoring"], town_id, ids["users"][REVIEWER]).get(item)


def export(db, ids) -> Sheet:
    return Sheet(export_score_sheet(db, ids["scoring"], ids["users"][REVIEWER]))


def do_import(db, ids, path):
    return import_score_sheet(db, reviewer(ids), assessment_id=ids["scoring"],
                              reviewer_id=ids["users"][REVIEWER], path=path)


def test_the_sheet_has_one_row_per_assigned_town_and_item_with_validation_and_current_marks(db, ids):
    sheet = export(db, ids)
    rows = sheet.rows()
    expected = sum(len(queries.assigned_items(db, ids["scoring"], ids["users"][REVIEWER], t))
                   for t in ids["towns"].values())
    assert len(rows) == expected
    assert len(rows) == 2 * len(list(queries.assessment_rubric(db, ids["scoring"]).all_items()))
    assert {r["单位"] for r in rows} == set(ids["towns"])
    rubric = queries.assessment_rubric(db, ids["scoring"])
    levels_item = next(i for _, i in rubric.all_items() if i.method.kind == "levels"
                       and any(r["项目"] == i.id for r in rows))
    row = sheet.row_of(next(iter(ids["towns"].values())), levels_item.id)
    cell = f"{openpyxl.utils.get_column_letter(sheet.header.index(COLUMNS['level']) + 1)}{row}"
    rule = next(v for v in sheet.sheet.data_validations.dataValidation if cell in v.sqref)
    choices_sheet = sheet.book[score_sheet.CHOICES_SHEET]
    line = int(rule.formula1.rsplit("$", 1)[1])
    assert [c.value for c in choices_sheet[line] if c.value] == [lv.name for lv in levels_item.method.levels]
    assert sheet.sheet.column_dimensions[openpyxl.utils.get_column_letter(len(sheet.header))].hidden
    # A mark already given is in its row, as the reviewer typed it.
    (item, _, town_id), = untouched_items(db, ids, {"levels"})
    level = rubric.item(item).method.levels[0].name
    record_mark(db, reviewer(ids), assessment_id=ids["scoring"], town_id=town_id, item_id=item,
                reviewer_id=ids["users"][REVIEWER], inputs={"level": level, "comment": "=按档次评定"},
                expected_version=0)
    sheet = export(db, ids)
    row = sheet.row_of(town_id, item)
    assert sheet.sheet.cell(row, sheet.header.index(COLUMNS["level"]) + 1).value == level
    # A comment that a spreadsheet would run as a formula is written as text.
    assert sheet.sheet.cell(row, sheet.header.index(COLUMNS["comment"]) + 1).value == "'=按档次评定"


def test_edited_rows_are_saved_and_audited_and_untouched_rows_are_not_written(db, ids, tmp_path):
    (level_item, _, level_town), (ratio_item, _, ratio_town) = untouched_items(db, ids, {"levels", "ratio"})
    rubric = queries.assessment_rubric(db, ids["scoring"])
    level = rubric.item(level_item).method.levels[1].name
    sheet = export(db, ids)
    sheet.set(level_town, level_item, "level", level)
    sheet.set(ratio_town, ratio_item, "ratio", 0.85)
    versions_before, events_before = counts(db)

    result = do_import(db, ids, sheet.save(tmp_path))

    assert result.saved == 2 and result.unchanged == len(sheet.rows()) - 2
    level_mark, ratio_mark = stored(db, ids, level_town, level_item), stored(db, ids, ratio_town, ratio_item)
    assert level_mark.complete and level_mark.inputs["level"] == level
    assert ratio_mark.complete and float(ratio_mark.inputs["ratio"]) == 0.85
    versions_after, events_after = counts(db)
    assert versions_after == versions_before + 2  # only the two edited marks were written
    assert events_after == events_before + 3  # two mark saves and the import itself
    actions = db.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(3)).scalars().all()
    assert sorted(actions) == ["mark.save", "mark.save", "marks.import"]


def test_one_bad_cell_refuses_the_whole_file_naming_sheet_row_and_column(db, ids, tmp_path):
    (level_item, _, level_town), (ratio_item, _, ratio_town) = untouched_items(db, ids, {"levels", "ratio"})
    sheet = export(db, ids)
    bad_row = sheet.set(level_town, level_item, "level", "特别优秀")
    sheet.set(ratio_town, ratio_item, "ratio", 0.5)  # a good edit: must not be applied either
    before = counts(db)

    with pytest.raises(MarksFileError) as refused:
        do_import(db, ids, sheet.save(tmp_path))

    lines = refused.value.lines()
    assert "未导入任何评分" in lines[0]
    assert any(f"评分表 → 第 {bad_row} 行 → 档次 (level)" in line and "请选择档次" in line for line in lines[1:])
    assert counts(db) == before
    assert stored(db, ids, ratio_town, ratio_item) is None


def test_a_mark_changed_on_the_server_since_the_export_is_a_conflict_and_nothing_changes(db, ids, tmp_path):
    (level_item, _, town), = untouched_items(db, ids, {"levels"})
    rubric = queries.assessment_rubric(db, ids["scoring"])
    first, second = (lv.name for lv in rubric.item(level_item).method.levels[:2])
    sheet = export(db, ids)
    record_mark(db, reviewer(ids), assessment_id=ids["scoring"], town_id=town, item_id=level_item,
                reviewer_id=ids["users"][REVIEWER], inputs={"level": first}, expected_version=0)
    row = sheet.set(town, level_item, "level", second)
    before = counts(db)

    with pytest.raises(MarksFileError) as refused:
        do_import(db, ids, sheet.save(tmp_path))

    assert any(f"第 {row} 行" in line and "导出后此项已在系统中修改" in line for line in refused.value.lines())
    assert counts(db) == before
    assert stored(db, ids, town, level_item).inputs["level"] == first  # the server's mark stays


def test_a_row_changed_on_the_server_but_not_in_the_sheet_is_left_alone(db, ids, tmp_path):
    (level_item, _, town), (ratio_item, _, ratio_town) = untouched_items(db, ids, {"levels", "ratio"})
    first = queries.assessment_rubric(db, ids["scoring"]).item(level_item).method.levels[0].name
    sheet = export(db, ids)
    record_mark(db, reviewer(ids), assessment_id=ids["scoring"], town_id=town, item_id=level_item,
                reviewer_id=ids["users"][REVIEWER], inputs={"level": first}, expected_version=0)
    sheet.set(ratio_town, ratio_item, "ratio", "90%")
    assert do_import(db, ids, sheet.save(tmp_path)).saved == 1
    assert stored(db, ids, town, level_item).inputs["level"] == first
    assert float(stored(db, ids, ratio_town, ratio_item).inputs["ratio"]) == 0.9


def test_a_deduct_item_needs_wu_to_count_at_full_marks(db, ids, tmp_path):
    (item, _, town), = untouched_items(db, ids, {"deduct"})
    sheet = export(db, ids)
    row = sheet.set(town, item, "comment", "材料齐全")
    with pytest.raises(MarksFileError) as refused:
        do_import(db, ids, sheet.save(tmp_path))
    assert any(f"第 {row} 行 → 扣分 (deductions)" in line and "“无”" in line for line in refused.value.lines())
    assert stored(db, ids, town, item) is None

    sheet.set(town, item, "deductions", "无")
    assert do_import(db, ids, sheet.save(tmp_path, "again.xlsx")).saved == 1
    mark = stored(db, ids, town, item)
    assert mark.complete and not mark.inputs.get("deductions") and mark.inputs["comment"] == "材料齐全"


def test_an_offline_edit_keeps_the_deduction_reasons_the_sheet_cannot_carry(db, ids, tmp_path):
    (item, _, town), = untouched_items(db, ids, {"deduct"})
    rubric = queries.assessment_rubric(db, ids["scoring"])
    rule = rubric.item(item).method.rules[0].id
    cited = {"rule": rule, "count": 1, "reason": "台账缺两次会议记录"}
    record_mark(db, reviewer(ids), assessment_id=ids["scoring"], town_id=town, item_id=item,
                reviewer_id=ids["users"][REVIEWER], inputs={"deductions": [cited]}, expected_version=0)
    sheet = export(db, ids)
    assert sheet.sheet.cell(sheet.row_of(town, item), sheet.header.index(COLUMNS["deductions"]) + 1).value \
        == f"{rule}:1"
    sheet.set(town, item, "deductions", f"{rule}:2")
    do_import(db, ids, sheet.save(tmp_path))
    (deduction,) = stored(db, ids, town, item).inputs["deductions"]
    assert deduction["count"] == 2 and deduction["reason"] == "台账缺两次会议记录"


def test_a_tampered_key_or_a_foreign_file_is_refused(db, ids, tmp_path):
    sheet = export(db, ids)
    sheet.sheet.cell(2, len(sheet.header), "999999:A1:0:deadbeef")
    with pytest.raises(MarksFileError) as refused:
        do_import(db, ids, sheet.save(tmp_path))
    assert any("校验" in line for line in refused.value.lines())

    other = openpyxl.Workbook()
    other.active.append(["单位", "项目"])
    path = tmp_path / "其他.xlsx"
    other.save(path)
    with pytest.raises(MarksFileError) as refused:
        do_import(db, ids, path)
    assert "找不到工作表“评分表”" in "\n".join(refused.value.lines())


def test_kept_inputs_keep_citations_and_a_rules_reason_and_citation():
    current = {"deductions": [{"rule": "R1", "count": 1, "reason": "缺记录", "citation": {"evidence_id": "3",
                                                                                       "passage_id": "9"}}],
               "citations": [{"evidence_id": "3", "passage_id": "8"}], "comment": "旧"}
    kept = score_sheet.kept_inputs({"deductions": [{"rule": "R1", "count": 2}, {"rule": "R2"}], "comment": "新"},
                                   current)
    assert kept["deductions"] == [{"reason": "缺记录", "citation": {"evidence_id": "3", "passage_id": "9"},
                                   "rule": "R1", "count": 2}, {"rule": "R2"}]
    assert kept["citations"] == current["citations"] and kept["comment"] == "新"
