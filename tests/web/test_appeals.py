"""Appeals, publication and phase confirmation as town leaders and administrators use them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from scoring import phases
from scoring.store import queries
from scoring.store.models import MarkRow

TOWN = "新城镇"


def appealable_mark(db, ids) -> MarkRow:
    """新城镇's D-category mark by 政务服务办 that deducted points, in the released assessment."""
    rows = db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["released"], MarkRow.town_id == ids["towns"][TOWN],
        MarkRow.reviewer_id == ids["users"]["zhengwu"], MarkRow.complete.is_(True))).scalars()
    mark = next(r for r in rows if r.inputs.get("deductions"))
    db.rollback()
    return mark


def file_appeal(client, ids, mark, **extra):
    data = {"mark_id": str(mark.id), "reason": "会议纪要已补充，见附件", **extra}
    return client.post(f"/town/{ids['released']}/appeals", data=data, content_type="multipart/form-data")


def test_a_town_appeals_a_mark_an_administrator_adjusts_it_and_the_scorecard_states_it(client, auth, ids, db, app):
    mark = appealable_mark(db, ids)
    auth.login("xincheng")
    assert "申诉" in client.get("/town/").get_data(as_text=True)
    before = client.get(f"/town/{ids['released']}/scorecard").get_data(as_text=True)
    assert "无申诉" in before
    import io
    response = file_appeal(client, ids, mark, attachment=(io.BytesIO("补充的会议纪要".encode()), "会议纪要.txt"))
    assert response.status_code == 302
    assert "受理中" in client.get(f"/town/{ids['released']}/appeals").get_data(as_text=True)

    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo-admin"})
    page = admin.get(f"/admin/assessments/{ids['released']}/appeals").get_data(as_text=True)
    assert "会议纪要已补充" in page and "会议纪要.txt" in page
    db.rollback()
    appeal = queries.appeals(db, ids["released"])[0]
    download = admin.get(f"/admin/appeals/{appeal.id}/attachment")
    assert download.data == "补充的会议纪要".encode()
    download.close()
    db.rollback()
    admin.post(f"/admin/appeals/{appeal.id}/decide", data={"decision": "adjust", "reply": "材料属实，不再扣分",
                                                          "comment": "复核调整"})
    card = client.get(f"/town/{ids['released']}/scorecard").get_data(as_text=True)
    assert "调整评分" in card and "材料属实，不再扣分" in card and "无申诉" not in card


def test_an_attachment_that_is_not_an_allowed_file_is_refused_and_no_appeal_is_stored(client, auth, ids, db):
    import io
    mark = appealable_mark(db, ids)
    auth.login("xincheng")
    response = file_appeal(client, ids, mark, attachment=(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe"))
    assert response.status_code == 400
    assert "未提交" in response.get_data(as_text=True)
    assert "会议纪要已补充" in response.get_data(as_text=True)  # what was typed is kept
    db.rollback()
    assert queries.appeals(db, ids["released"]) == []


def test_publication_waits_for_pending_appeals_then_an_adjustment_shows_v2_and_who_moved(client, auth, ids, db, app):
    mark = appealable_mark(db, ids)
    auth.login("admin")
    base = f"/admin/assessments/{ids['released']}"
    assert client.post(f"{base}/publish", data={}).status_code == 302  # v1
    town = app.test_client()
    town.post("/login", data={"username": "xincheng", "password": "demo-xincheng"})
    file_appeal(town, ids, mark)
    refused = client.post(f"{base}/publish", data={}, follow_redirects=True).get_data(as_text=True)
    assert "尚有 1 件申诉未处理，不能确认公示" in refused
    db.rollback()
    assert [s.version for s in queries.snapshots(db, ids["released"])] == [1]
    appeal = queries.appeals(db, ids["released"])[0]
    db.rollback()
    client.post(f"/admin/appeals/{appeal.id}/decide", data={"decision": "adjust", "reply": "材料属实"})
    page = client.get(f"{base}/appeals").get_data(as_text=True)
    assert "v1 → v2" in page
    row = next(r for r in page.split('class="diff-row"')[1:] if TOWN in r)
    assert "材料属实" in row and "（+" in row


def test_the_reviewer_who_gave_the_mark_is_refused_on_the_web_too(client, auth, ids, db, app):
    mark = appealable_mark(db, ids)
    auth.login("xincheng")
    file_appeal(client, ids, mark)
    db.rollback()
    appeal = queries.appeals(db, ids["released"])[0]
    db.rollback()
    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "zhengwu", "password": "demo-zhengwu"})
    assert reviewer.post(f"/admin/appeals/{appeal.id}/decide",
                         data={"decision": "adjust", "reply": "自己改"}).status_code == 403
    db.rollback()
    assert queries.appeal(db, appeal.id).status == "pending"


def test_advancing_a_phase_says_what_is_unfinished_and_waits_for_confirmation(client, auth, ids, db):
    auth.login("admin")
    a = ids["scoring"]
    response = client.post(f"/admin/assessments/{a}/phase", data={"phase": "review"})
    page = client.get(response.location).get_data(as_text=True)
    assert "个单位未完成评分" in page
    db.rollback()
    assert queries.assessment(db, a).phase == "scoring"  # nothing moved yet
    client.post(f"/admin/assessments/{a}/phase", data={"phase": "review", "confirmed": "yes"})
    db.rollback()
    assert queries.assessment(db, a).phase == "review"


def test_withdrawing_released_results_needs_a_reason_which_the_towns_then_see(client, auth, ids, db, app):
    auth.login("admin")
    a = ids["released"]
    client.post(f"/admin/assessments/{a}/phase", data={"phase": "review", "confirmed": "yes"})
    db.rollback()
    assert queries.assessment(db, a).phase == "released"
    client.post(f"/admin/assessments/{a}/phase", data={"phase": "review", "confirmed": "yes",
                                                       "reason": "发现计分错误，复核后重新发布"})
    db.rollback()
    assert queries.assessment(db, a).phase == "review"
    town = app.test_client()
    town.post("/login", data={"username": "xincheng", "password": "demo-xincheng"})
    assert "考核结果已撤回：发现计分错误，复核后重新发布" in town.get("/town/").get_data(as_text=True)


def test_an_upload_after_the_deadline_is_refused_on_the_page_with_the_date(client, auth, ids, app):
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo-admin"})
    a = ids["scoring"]
    admin.post(f"/admin/assessments/{a}/phase", data={"phase": "submission", "confirmed": "yes"})
    yesterday = (datetime.now(phases.DISTRICT_TZ) - timedelta(days=1)).date().isoformat()
    admin.post(f"/admin/assessments/{a}/deadlines", data={"deadline-submission": yesterday})
    auth.login("xincheng")
    assert "已截止" in client.get("/town/").get_data(as_text=True)
    import io
    response = client.post(f"/town/{a}/evidence", data={"file": (io.BytesIO("迟交".encode()), "迟交.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 409 and f"材料报送已于 {yesterday} 截止" in response.get_data(as_text=True)


def test_reviewers_see_the_scoring_deadline_with_the_time_left_and_saves_after_it_are_refused(client, auth, ids, app):
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo-admin"})
    a = ids["scoring"]
    later = (datetime.now(phases.DISTRICT_TZ) + timedelta(days=3)).date().isoformat()
    admin.post(f"/admin/assessments/{a}/deadlines", data={"deadline-scoring": later})
    auth.login("sifaju")
    assert f"评分截止：{later}（剩余 3 天" in client.get("/review/").get_data(as_text=True)
    earlier = (datetime.now(phases.DISTRICT_TZ) - timedelta(days=1)).date().isoformat()
    admin.post(f"/admin/assessments/{a}/deadlines", data={"deadline-scoring": earlier})
    assert "已截止" in client.get("/review/").get_data(as_text=True)
    town = ids["towns"][TOWN]
    response = client.post(f"/review/{a}/towns/{town}/items/A1/mark", json={"fields": {}, "version": 0})
    assert response.status_code == 409 and f"评分已于 {earlier} 截止" in response.get_json()["error"]


def test_an_assessment_with_a_pending_appeal_cannot_be_archived(client, auth, ids, db, app):
    mark = appealable_mark(db, ids)
    town = app.test_client()
    town.post("/login", data={"username": "xincheng", "password": "demo-xincheng"})
    file_appeal(town, ids, mark)
    auth.login("admin")
    page = client.post(f"/admin/assessments/{ids['released']}/phase", data={"phase": "archived", "confirmed": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "尚有 1 件申诉未处理，不能归档" in page
    db.rollback()
    assert queries.assessment(db, ids["released"]).phase == "released"
