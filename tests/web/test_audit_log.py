"""The audit log a person can read: sentences, grouped autosaves, paging, filters, export."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import MarkRow

TOWN = "新城镇"


def autosave_a1_twice(db, ids) -> None:
    """司法局 changes 新城镇's A1 twice in a row (two autosaves: full marks, then one deduction)."""
    town, reviewer = ids["towns"][TOWN], ids["users"]["sifaju"]
    rule = queries.assessment_rubric(db, ids["scoring"]).item("A1").method.rules[0].id
    for inputs in ({"comment": "齐全"}, {"deductions": [{"rule": rule, "count": 1}]}):
        row = db.execute(select(MarkRow).where(MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == town,
                                               MarkRow.item_id == "A1", MarkRow.reviewer_id == reviewer)
                         ).scalar_one_or_none()
        version = row.version if row else 0
        db.rollback()
        operations.save_mark(db, Actor(reviewer, "sifaju"), assessment_id=ids["scoring"], town_id=town,
                             item_id="A1", reviewer_id=reviewer, inputs=inputs, expected_version=version)


def test_consecutive_autosaves_of_a_mark_read_as_one_sentence_with_first_and_last_value(client, auth, ids, db):
    autosave_a1_twice(db, ids)
    auth.login("admin")
    page = client.get(f"/admin/audit?user_id={ids['users']['sifaju']}&item_id=a1").get_data(as_text=True)
    rows = page.split('class="audit-row"')[1:]
    newest = rows[0]
    assert "司法局 张审核 将 新城镇 A1 的评分由" in newest and "（2 次保存）" in newest
    assert "mark.save" not in page and "{&#34;" not in page  # no raw codes, no JSON


def test_the_item_filter_ignores_case_and_a_bad_date_is_refused_with_a_message(client, auth):
    auth.login("admin")
    upper = client.get("/admin/audit?item_id=A2").get_data(as_text=True).count('class="audit-row"')
    lower = client.get("/admin/audit?item_id=a2").get_data(as_text=True).count('class="audit-row"')
    assert upper == lower > 0
    bad = client.get("/admin/audit?since=昨天")
    assert bad.status_code == 400 and "“昨天”不是日期" in bad.get_data(as_text=True)


def test_the_log_is_paged_instead_of_cut_off(client, auth):
    auth.login("admin")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert 'rel="next"' in first and "第 1 / " in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count('class="audit-row"') > 0
    assert first.split('class="audit-row"')[1] != second.split('class="audit-row"')[1]


def test_the_filtered_log_exports_to_xlsx_with_the_same_sentences(client, auth, ids, db):
    autosave_a1_twice(db, ids)
    auth.login("admin")
    response = client.get(f"/admin/audit.xlsx?user_id={ids['users']['sifaju']}&item_id=A1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "操作人"
    assert "（2 次保存）" in rows[1][2] and rows[1][1] == "司法局 张审核"


def test_an_action_without_a_sentence_of_its_own_still_reads_in_the_readers_language(client, auth, db):
    from scoring.store.audit import SYSTEM

    town = operations.create_town(db, SYSTEM, queries.first_district(db).id, "测试新镇")
    auth.login("admin")
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/admin/audit?action=town").get_data(as_text=True)
    assert f"town.create town {town.id}" in page and "：town.create" not in page  # the English colon
