"""Administrators: phases and deadlines, assessments, assignments, users, the audit log."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from scoring.store import queries
from scoring.store.models import AuditEvent, Town, User


def test_phases_move_one_step_and_each_move_is_audited(client, auth, ids, db):
    auth.login("admin")
    a = ids["scoring"]
    assert client.post(f"/admin/assessments/{a}/phase", data={"phase": "review", "reason": "评分结束",
                                                                       "confirmed": "yes"}).status_code == 302
    assert client.post(f"/admin/assessments/{a}/phase",
                       data={"phase": "archived", "confirmed": "yes"}).status_code == 409  # a jump
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


def test_assigning_an_item_lets_the_reviewer_score_it_and_removing_it_stops_that(client, auth, ids, app):
    auth.login("admin")
    a, town, sifaju = ids["scoring"], ids["towns"]["新城镇"], ids["users"]["sifaju"]
    page = f"/admin/assessments/{a}/assignments/reviewers/{sifaju}"
    client.post(page, data={"shown": [f"E1|{town}"], "cell": [f"E1|{town}"]})
    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    assert 'id="item-E1"' in reviewer.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    client.post(page, data={"shown": [f"E1|{town}"]})  # shown, not checked: off
    assert 'id="item-E1"' not in reviewer.get(f"/review/{a}/towns/{town}").get_data(as_text=True)


def test_a_new_user_can_sign_in_and_a_duplicate_name_is_refused(client, auth, app):
    auth.login("admin")
    client.post("/admin/users", data={"username": "liu", "display_name": "刘审核", "password": "password-123",
                                      "role": "reviewer", "department": "区信访办"})
    again = client.post("/admin/users", data={"username": "liu", "password": "password-456", "role": "reviewer"},
                        follow_redirects=True)
    assert "用户名 liu 已被使用" in again.get_data(as_text=True)
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


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash error">(.*?)</p>', page, re.S)


def test_adding_a_town_whose_name_exists_says_so_and_changes_nothing(client, auth, db):
    auth.login("admin")
    towns = db.execute(select(func.count()).select_from(Town)).scalar_one()
    events = db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    db.rollback()
    response = client.post("/admin/towns", data={"name": "新城镇"}, follow_redirects=True)
    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True)) == ["单位 新城镇 已存在"]
    assert db.execute(select(func.count()).select_from(Town)).scalar_one() == towns
    assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == events
    client.post("/lang/en", data={"next": "/admin/people"})
    page = client.post("/admin/towns", data={"name": "新城镇"}, follow_redirects=True).get_data(as_text=True)
    assert flashes(page) == ["A town named 新城镇 already exists."]


def test_the_new_user_form_proposes_the_reviewer_role_not_administrator(client, auth):
    auth.login("admin")
    page = client.get("/admin/people").get_data(as_text=True)
    form = page.split('action="/admin/users"', 1)[1].split("</form>", 1)[0]
    selected = re.findall(r'<option value="(\w+)" selected>', form)
    assert selected == ["reviewer"]


def test_refused_users_are_explained_in_the_readers_language_and_nothing_is_created(client, auth, db):
    auth.login("admin")
    users = db.execute(select(func.count()).select_from(User)).scalar_one()
    db.rollback()
    short = client.post("/admin/users", data={"username": "wang", "password": "short", "role": "reviewer"},
                        follow_redirects=True)
    assert flashes(short.get_data(as_text=True)) == ["密码至少 8 个字符"]
    client.post("/lang/en", data={"next": "/admin/people"})
    long_name = client.post("/admin/users", data={"username": "w" * 65, "password": "password-123",
                                                  "role": "reviewer"}, follow_redirects=True)
    assert flashes(long_name.get_data(as_text=True)) == ["Username cannot be longer than 64 characters."]
    leader = client.post("/admin/users", data={"username": "wang", "password": "password-123", "role": "town"},
                         follow_redirects=True)
    assert flashes(leader.get_data(as_text=True)) == [
        "A town leader, and only a town leader, must be bound to exactly one town."]
    assert db.execute(select(func.count()).select_from(User)).scalar_one() == users


def test_a_bad_deadline_is_refused_with_a_translated_reason(client, auth, ids):
    auth.login("admin")
    client.post("/lang/en", data={"next": "/admin/"})
    bad = client.post(f"/admin/assessments/{ids['scoring']}/deadlines", data={"deadline-submission": "三月一日"})
    assert bad.status_code == 400
    assert "三月一日 is not a date (format: year-month-day, e.g. 2026-03-01)." in bad.get_data(as_text=True)


def test_the_job_page_names_the_job_state_in_the_readers_language(client, auth, monkeypatch):
    from scoring import jobs

    monkeypatch.setattr(jobs, "job_state", lambda settings, job_id: jobs.JobState("queued", 0, 0, None))
    auth.login("admin")
    status = re.compile(r'<p id="job-status"[^>]*>(.*?)</p>')
    assert status.findall(client.get("/admin/jobs/abc").get_data(as_text=True)) == ["排队中"]
    client.post("/lang/en", data={"next": "/admin/"})
    assert status.findall(client.get("/admin/jobs/abc").get_data(as_text=True)) == ["Queued"]
    monkeypatch.setattr(jobs, "job_state", lambda settings, job_id: jobs.JobState("failed", 3, 9, None))
    assert status.findall(client.get("/admin/jobs/abc").get_data(as_text=True)) == ["Failed"]


def test_an_assessment_with_a_mistyped_year_or_unknown_town_is_refused_and_not_created(client, auth, ids, db):
    auth.login("admin")
    before = len(queries.all_assessments(db))
    db.rollback()
    typo = client.post("/admin/assessments", data={"year": "20255", "rubric_version_id": "1"}, follow_redirects=True)
    assert flashes(typo.get_data(as_text=True)) == ["年度应在 2000 到 2100 之间"]
    unknown = client.post("/admin/assessments", data={"year": "2026", "rubric_version_id": "1", "town_ids": ["9999"]},
                          follow_redirects=True)
    assert flashes(unknown.get_data(as_text=True)) == ["所选单位不属于本区"]
    odd = client.post("/admin/assessments", data={"year": "２０２６", "rubric_version_id": "²"}, follow_redirects=True)
    assert odd.status_code == 200 and flashes(odd.get_data(as_text=True)) == ["请填写年度并选择考核细则版本"]
    assert len(queries.all_assessments(db)) == before


def test_the_assessment_page_lists_a_large_district_page_by_page(client, auth, ids, db):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM, Actor
    from web.admin.ranking_page import RANKING_PAGE

    district = queries.first_district(db)
    towns = [operations.create_town(db, SYSTEM, district.id, f"测试镇{n:03d}").id for n in range(RANKING_PAGE + 5)]
    rubric_version_id = queries.assessment(db, ids["scoring"]).rubric_version_id
    created = operations.create_assessment(db, Actor(ids["users"]["admin"], "admin"), district_id=district.id,
                                           name="大区考核", year=2030, rubric_version_id=rubric_version_id,
                                           town_ids=towns)
    auth.login("admin")
    first = client.get(f"/admin/assessments/{created.id}").get_data(as_text=True)
    second = client.get(f"/admin/assessments/{created.id}?page=2").get_data(as_text=True)
    listed = re.compile(r'/scorecard">(测试镇\d+)</a>')
    on_first, on_second = listed.findall(first), listed.findall(second)
    assert len(on_first) == RANKING_PAGE and len(on_second) == 5
    assert sorted(on_first + on_second) == [f"测试镇{n:03d}" for n in range(RANKING_PAGE + 5)]  # each town once
    assert "page=2" in first and "page=1" in second
    assert listed.findall(client.get(f"/admin/assessments/{created.id}?page=99").get_data(as_text=True)) == on_second
