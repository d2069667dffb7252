"""The authorization matrix: every route × every role, and objects outside one's scope."""

from __future__ import annotations

import pytest

# Demo data: assessment 1 = 2024 (released), 2 = 2025 (scoring). Town 新城镇's leader is
# "xincheng"; "sifaju" reviews categories A–C for every town, "zhengwu" D–G.
USERS = {"admin": "admin", "reviewer": "sifaju", "town": "xincheng"}


def routes(ids):
    a, town = ids["scoring"], ids["towns"]["新城镇"]
    return [
        # (method, path, the one role allowed)
        ("GET", "/review/", "reviewer"),
        ("GET", f"/review/{a}/towns/{town}", "reviewer"),
        ("POST", f"/review/{a}/towns/{town}/items/A1/mark", "reviewer"),
        ("GET", "/town/", "town"),
        ("GET", f"/town/{ids['released']}/scorecard", "town"),
        ("POST", f"/town/{a}/evidence", "town"),
        ("GET", "/admin/", "admin"),
        ("GET", f"/admin/assessments/{a}", "admin"),
        ("GET", f"/admin/assessments/{ids['released']}/towns/{town}/scorecard", "admin"),
        ("POST", "/admin/assessments", "admin"),
        ("POST", f"/admin/assessments/{a}/phase", "admin"),
        ("POST", f"/admin/assessments/{a}/assignments", "admin"),
        ("GET", "/admin/people", "admin"),
        ("POST", "/admin/towns", "admin"),
        ("POST", "/admin/users", "admin"),
        ("POST", f"/admin/users/{ids['users']['sifaju']}", "admin"),
        ("GET", "/admin/audit", "admin"),
        ("GET", "/admin/rubrics/", "admin"),
    ]


def call(client, method, path):
    return client.get(path) if method == "GET" else client.post(path, data={})


def test_anonymous_users_are_sent_to_sign_in_everywhere(client, ids):
    for method, path, _ in routes(ids):
        response = call(client, method, path)
        assert response.status_code == 302, (method, path)
        assert "/login" in response.location, (method, path)


@pytest.mark.parametrize("role", list(USERS))
def test_each_role_reaches_only_its_own_routes_and_refusals_carry_no_data(client, auth, ids, role):
    auth.login(USERS[role])
    for method, path, allowed in routes(ids):
        response = call(client, method, path)
        if allowed == role:
            # allowed: a page, a redirect, or a refusal of the empty form itself (400/409)
            assert response.status_code in (200, 302, 400, 409), (role, method, path, response.status_code)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            body = response.get_data(as_text=True)
            assert "无权访问" in body and "总分" not in body and "东港镇" not in body, (role, path)


def test_a_reviewer_cannot_score_an_item_assigned_to_another_department(client, auth, ids):
    auth.login("sifaju")  # A–C only
    town = ids["towns"]["新城镇"]
    response = client.post(f"/review/{ids['scoring']}/towns/{town}/items/E1/mark",
                           json={"fields": {}, "version": 0})
    assert response.status_code == 403
    assert response.get_json() == {"error": "无权访问"}  # nothing about the item or the town


def test_a_reviewer_without_assignments_in_an_assessment_sees_no_town_page(client, auth, ids, db):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.create_user(db, SYSTEM, username="newbie", display_name="新评分人", password="password-1",
                           role="reviewer", department="区信访办")
    auth.login("newbie", "password-1")
    town = ids["towns"]["新城镇"]
    assert client.get(f"/review/{ids['scoring']}/towns/{town}").status_code == 404
    assert client.post(f"/review/{ids['scoring']}/towns/{town}/items/A1/mark",
                       json={"fields": {}, "version": 0}).status_code == 403


def test_a_town_leader_cannot_download_another_towns_evidence(client, auth, ids, db):
    from scoring.store import queries

    other = queries.evidence_files(db, ids["released"], ids["towns"]["东港镇"])[0]
    db.rollback()
    auth.login("xincheng")
    response = client.get(f"/town/{ids['released']}/evidence/{other.id}")
    assert response.status_code == 404
    assert other.name not in response.get_data(as_text=True)


def test_a_reviewer_downloads_evidence_of_towns_they_score_only_in_that_assessment(client, auth, ids, db):
    from scoring.store import queries

    own = queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])[0]
    db.rollback()
    auth.login("sifaju")
    with client.get(f"/review/{ids['scoring']}/evidence/{own.id}") as response:
        assert response.status_code == 200
        assert "12000余份".encode() in response.data
        assert "UTF-8''" in response.headers["Content-Disposition"]  # the Chinese name kept
    assert client.get(f"/review/{ids['released'] + 100}/evidence/{own.id}").status_code == 404
