"""Administrators: phases and deadlines, assessments, assignments, users, the audit log."""

from __future__ import annotations

from sqlalchemy import select

from scoring.store import queries
from scoring.store.models import AuditEvent


def test_phases_move_one_step_and_each_move_is_audited(client, auth, ids, db):
    auth.login("admin")
    a = ids["scoring"]
    assert client.post(f"/admin/assessments/{a}/phase", data={"phase": "review", "reason": "评分结束"}).status_code == 302
    assert client.post(f"/admin/assessments/{a}/phase", data={"phase": "archived"}).status_code == 409  # a jump
    db.rollback()
    assert queries.assessment(db, a).phase == "review"
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "assessment.phase")
                       .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert (event.before, event.after, event.reason) == ({"phase": "scoring"}, {"phase": "review"}, "评分结束")


def test_deadlines_are_set_shown_to_towns_and_a_bad_date_changes_nothing(client, auth, ids, db):
    auth.login("admin")
    a = ids["scoring"]
    client.post(f"/admin/assessments/{a}/deadlines", data={"deadline-submission": "2026-03-01"})
    bad = client.post(f"/admin/assessments/{a}/deadlines", data={"deadline-submission": "三月一日"})
    assert bad.status_code == 400
    db.rollback()
    assert queries.assessment(db, a).deadlines == {"submission": "2026-03-01"}
    auth.logout()
    auth.login("xincheng")
    assert "2026-03-01" in client.get("/town/").get_data(as_text=True)


def test_an_assessment_is_created_on_a_rubric_version_for_chosen_towns(client, auth, ids, db):
    auth.login("admin")
    towns = [ids["towns"]["新城镇"], ids["towns"]["东港镇"]]
    response = client.post("/admin/assessments", data={"year": "2026", "rubric_version_id": "1",
                                                       "town_ids": [str(t) for t in towns]})
    assert response.status_code == 302
    new_id = int(response.location.rsplit("/", 1)[1])
    db.rollback()
    assert sorted(queries.assessment_towns(db, new_id)) == sorted(towns)
    assert queries.assessment(db, new_id).phase == "prepare"
    assert "2026年度法治政府建设考核" in client.get(response.location).get_data(as_text=True)


def test_assigning_an_item_lets_the_reviewer_score_it_and_removing_it_stops_that(client, auth, ids, db, app):
    auth.login("admin")
    a, town = ids["scoring"], ids["towns"]["新城镇"]
    client.post(f"/admin/assessments/{a}/assignments",
                data={"reviewer_id": str(ids["users"]["sifaju"]), "item_ids": ["E1"], "town_id": str(town)})
    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    assert 'id="item-E1"' in reviewer.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    db.rollback()
    row = next(r for r in queries.assignments(db, a) if r.item_id == "E1" and r.reviewer_id == ids["users"]["sifaju"])
    client.post(f"/admin/assignments/{row.id}/delete", data={"assessment_id": str(a)})
    assert 'id="item-E1"' not in reviewer.get(f"/review/{a}/towns/{town}").get_data(as_text=True)


def test_a_new_user_can_sign_in_and_a_duplicate_name_is_refused(client, auth, app):
    auth.login("admin")
    client.post("/admin/users", data={"username": "liu", "display_name": "刘审核", "password": "password-123",
                                      "role": "reviewer", "department": "区信访办"})
    again = client.post("/admin/users", data={"username": "liu", "password": "password-456", "role": "reviewer"},
                        follow_redirects=True)
    assert "taken" in again.get_data(as_text=True)
    other = app.test_client()
    assert other.post("/login", data={"username": "liu", "password": "password-123"}).status_code == 302


def test_the_audit_log_filters_by_town_item_user_and_time(client, auth, ids):
    auth.login("admin")
    page = client.get(f"/admin/audit?town_id={ids['towns']['新城镇']}&item_id=A1&user_id={ids['users']['sifaju']}"
                      "&since=2000-01-01&until=2100-01-01").get_data(as_text=True)
    rows = page.count('class="audit-row"')
    assert rows > 0
    assert "zhengwu" not in page.split("<tbody>", 1)[1]
    empty = client.get("/admin/audit?since=2100-01-01").get_data(as_text=True)
    assert 'class="audit-row"' not in empty
