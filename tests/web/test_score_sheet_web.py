"""The score sheet and results workbooks on the web: who may download, import all or nothing."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from scoring.marks_io import COLUMNS
from scoring.services.outcomes import assessment_outcome
from scoring.store import queries
from scoring.store.models import MarkRow


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    return openpyxl.load_workbook(io.BytesIO(response.data))


def upload(client, assessment_id: int, book: openpyxl.Workbook):
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return client.post(f"/review/{assessment_id}/sheet", data={"file": (data, "评分表.xlsx")},
                       content_type="multipart/form-data")


def scored_row(sheet) -> tuple[int, list]:
    """A row whose mark is complete already (its hidden version is past 0)."""
    header = [c.value for c in sheet[1]]
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if int(str(row[header.index("校验")]).split(":")[2]) > 0:
            return number, header
    raise AssertionError("the reviewer has scored nothing: the demo changed")


def total_versions(db) -> int:
    db.rollback()
    return db.execute(select(func.sum(MarkRow.version))).scalar()


def test_a_reviewer_downloads_their_sheet_edits_a_comment_offline_and_imports_it(client, auth, ids, db):
    auth.login("sifaju")
    book = workbook(client.get(f"/review/{ids['scoring']}/sheet.xlsx"))
    sheet = book["评分表"]
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == set(ids["towns"])
    number, header = scored_row(sheet)
    town, item = sheet.cell(number, 1).value, sheet.cell(number, 2).value
    sheet.cell(number, header.index(COLUMNS["comment"]) + 1, "复核台账后补充说明")

    response = upload(client, ids["scoring"], book)

    assert response.status_code == 302
    dashboard = client.get("/review/").get_data(as_text=True)
    assert "已导入评分表：保存 1 项" in dashboard
    db.rollback()
    mark = queries.reviewer_marks(db, ids["scoring"], ids["towns"][town], ids["users"]["sifaju"])[item]
    assert mark.complete and mark.inputs["comment"] == "复核台账后补充说明"


def test_a_bad_cell_answers_422_with_its_row_and_column_and_changes_nothing(client, auth, ids, db):
    auth.login("sifaju")
    book = workbook(client.get(f"/review/{ids['scoring']}/sheet.xlsx"))
    sheet = book["评分表"]
    number, header = scored_row(sheet)
    sheet.cell(number, header.index(COLUMNS["not_applicable"]) + 1, "也许")
    before = total_versions(db)

    response = upload(client, ids["scoring"], book)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未导入任何评分" in page and f"第 {number} 行 → 不适用 (not_applicable)" in page
    assert "“也许”不是“是/否”" in page
    assert total_versions(db) == before


def test_the_sheet_is_the_reviewers_own_only(client, auth, ids, db):
    auth.login("xincheng")
    assert client.get(f"/review/{ids['scoring']}/sheet.xlsx").status_code == 403
    auth.login("sifaju")
    assert client.get(f"/review/{10**9}/sheet.xlsx").status_code == 404
    rows = list(workbook(client.get(f"/review/{ids['scoring']}/sheet.xlsx"))["评分表"].iter_rows(min_row=2,
                                                                                              values_only=True))
    assigned = queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"])
    assert {r[1] for r in rows} == assigned  # another department's items are not in it
    assert len(rows) == len(assigned) * len(ids["towns"])


def test_the_results_workbook_holds_the_ranking_and_every_item_as_the_pages_show_them(client, auth, ids, db):
    auth.login("admin")
    book = workbook(client.get(f"/admin/assessments/{ids['released']}/results.xlsx"))
    assert book.sheetnames == ["排名", "各项得分"]
    rubric, outcome = assessment_outcome(db, ids["released"])
    ranking = list(book["排名"].iter_rows(values_only=True))
    header = ranking[0]
    totals = {row[header.index("单位")]: row[header.index("总分")] for row in ranking[1:]}
    for _, town in outcome.ranked.iterrows():
        assert totals[town["town"]] == town["total"] / 100
    detail = list(book["各项得分"].iter_rows(values_only=True))
    assert len(detail) - 1 == len(ids["towns"]) * len(list(rubric.all_items()))
    assert {"单位", "项目", "项目名称", "满分", "得分", "状态"} <= set(detail[0])
    auth.login("sifaju")
    assert client.get(f"/admin/assessments/{ids['released']}/results.xlsx").status_code == 403
