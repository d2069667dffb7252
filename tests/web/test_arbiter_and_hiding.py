"""Appeals routed to a designated arbiter; what reviewers may not see (others' marks, aggregates)."""

from __future__ import annotations

import re

from sqlalchemy import select

from scoring import services
from scoring.store import queries
from scoring.store.audit import Actor
from scoring.store.models import MarkRow

TOWN = "新城镇"


def appeal_of_zhengwu(client, app, ids, db) -> int:
    """新城镇 appeals a mark 政务服务办 gave in the released year; the appeal's id."""
    rows = db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["released"], MarkRow.town_id == ids["towns"][TOWN],
        MarkRow.reviewer_id == ids["users"]["zhengwu"], MarkRow.complete.is_(True))).scalars()
    mark = next(r for r in rows if r.inputs.get("deductions"))
    db.rollback()
    town = app.test_client()
    town.post("/login", data={"username": "xincheng", "password": "demo-xincheng"})
    town.post(f"/town/{ids['released']}/appeals", data={"mark_id": str(mark.id), "reason": "已整改"},
              content_type="multipart/form-data")
    db.rollback()
    return queries.appeals(db, ids["released"])[0].id


def test_an_appeal_routed_to_an_arbiter_is_theirs_to_decide_and_the_marks_reviewer_is_refused(client, auth, ids,
                                                                                            db, app):
    appeal = appeal_of_zhengwu(client, app, ids, db)
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['released']}/appeals").get_data(as_text=True)
    route = re.search(rf'action="/admin/appeals/{appeal}/route".*?</form>', page, re.S).group(0)
    assert f'value="{ids["users"]["zhengwu"]}"' not in route  # the mark's reviewer is not offered
    refused = client.post(f"/admin/appeals/{appeal}/route", data={"arbiter_id": str(ids["users"]["zhengwu"])},
                          follow_redirects=True)
    assert "申诉不能交由给出该评分的评分人复核" in refused.get_data(as_text=True)
    client.post(f"/admin/appeals/{appeal}/route", data={"arbiter_id": str(ids["users"]["fazhiban"])})
    auth.logout()

    giver = app.test_client()
    giver.post("/login", data={"username": "zhengwu", "password": "demo-zhengwu"})
    assert giver.post(f"/review/appeals/{appeal}/decide", data={"decision": "uphold", "reply": "维持"}).status_code == 403
    assert "已整改" not in giver.get("/review/appeals").get_data(as_text=True)

    auth.login("fazhiban")
    assert "待您复核的申诉：1 件" in client.get("/review/").get_data(as_text=True)
    assert "已整改" in client.get("/review/appeals").get_data(as_text=True)
    client.post(f"/review/appeals/{appeal}/decide", data={"decision": "uphold", "reply": "扣分有据，维持"})
    db.rollback()
    decided = queries.appeal(db, appeal)
    assert (decided.status, decided.decided_by) == ("upheld", ids["users"]["fazhiban"])
    log = app.test_client()
    log.post("/login", data={"username": "admin", "password": "demo-admin"})
    text = log.get("/admin/audit").get_data(as_text=True)
    assert "申诉交由 依法治区办 王审核 复核" in text


def test_the_assessments_arbiter_decides_its_appeals_but_not_those_of_their_own_marks(client, auth, ids, db, app):
    appeal = appeal_of_zhengwu(client, app, ids, db)
    auth.login("admin")
    client.post(f"/admin/assessments/{ids['released']}/arbiter", data={"arbiter_id": str(ids["users"]["zhengwu"])})
    db.rollback()
    assert queries.assessment(db, ids["released"]).arbiter_id == ids["users"]["zhengwu"]
    # the appeal is of zhengwu's own mark: not theirs, only administrators decide it
    assert queries.arbiter_of(queries.appeal(db, appeal), queries.assessment(db, ids["released"])) is None
    auth.logout()
    auth.login("zhengwu")
    assert client.post(f"/review/appeals/{appeal}/decide", data={"decision": "uphold", "reply": "维持"}).status_code == 403
    db.rollback()
    assert queries.appeal(db, appeal).status == "pending"


def test_a_reviewer_sees_no_town_total_and_others_marks_only_once_their_own_counts(client, auth, ids, db):
    auth.login("sifaju")
    town = ids["towns"]["东港镇"]
    page = client.get(f"/review/{ids['scoring']}/towns/{town}").get_data(as_text=True)
    assert "本单位总分" not in page and 'id="town-total"' not in page
    scored = {r.item_id for r in db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == town,
        MarkRow.reviewer_id == ids["users"]["sifaju"], MarkRow.complete.is_(True))).scalars()}
    fazhiban = {r.item_id for r in db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == town,
        MarkRow.reviewer_id == ids["users"]["fazhiban"], MarkRow.complete.is_(True))).scalars()}
    db.rollback()
    rubric = queries.assessment_rubric(db, ids["scoring"])
    mine = queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"], town)
    hidden = next(i.id for _, i in rubric.all_items()
                  if i.id in mine and i.id not in scored and i.method.kind == "deduct")
    if hidden not in fazhiban:  # 依法治区办 marks it first (a deduct item without deductions: full marks)
        services.record_mark(db, Actor(ids["users"]["fazhiban"], "fazhiban"), assessment_id=ids["scoring"],
                             town_id=town, item_id=hidden, reviewer_id=ids["users"]["fazhiban"], inputs={},
                             expected_version=0)
    shown = next(i for i in sorted(scored & fazhiban))
    db.rollback()
    page = client.get(f"/review/{ids['scoring']}/towns/{town}").get_data(as_text=True)
    blocks = {m.group(1): m.group(0) for m in re.finditer(r'id="item-([A-Z]\w*)".*?</form>', page, re.S)}
    assert "其他评分人：依法治区办 王审核" in blocks[shown]  # own mark in: the other's points shown
    assert "依法治区办 王审核" not in blocks[hidden]  # own mark not in: hidden


def test_the_autosave_answer_carries_no_town_total(client, auth, ids, db):
    auth.login("sifaju")
    town = ids["towns"]["东港镇"]
    row = db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == town, MarkRow.item_id == "A1",
        MarkRow.reviewer_id == ids["users"]["sifaju"])).scalar_one_or_none()
    db.rollback()
    body = client.post(f"/review/{ids['scoring']}/towns/{town}/items/A1/mark",
                       json={"version": row.version if row else 0, "fields": {"full_marks": "1"}}).get_json()
    assert body["saved"] and "town_total" not in body and "rank" not in str(body)
    assert not any("总分" in str(v) for v in body.values())


def test_no_total_rank_or_pdf_reaches_a_reviewer(client, auth, ids):
    auth.login("sifaju")
    dashboard = client.get("/review/").get_data(as_text=True)
    assert "总分" not in dashboard and "名次" not in dashboard and "等次" not in dashboard
    released = client.get(f"/review/{ids['released']}/towns/{ids['towns'][TOWN]}").get_data(as_text=True)
    assert "总分" not in released and "名次" not in released
    for path in (f"/admin/assessments/{ids['released']}/ranking.pdf",
                 f"/admin/assessments/{ids['released']}/towns/{ids['towns'][TOWN]}/scorecard.pdf",
                 f"/town/{ids['released']}/scorecard.pdf"):
        response = client.get(path)
        assert response.status_code == 403 and response.mimetype != "application/pdf", path
