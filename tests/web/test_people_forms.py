"""Administrators edit users, reset passwords, rename towns, and confirm before 停用."""

from __future__ import annotations

from scoring.store import queries


def test_a_user_is_edited_and_a_town_leader_without_a_town_is_refused(client, auth, ids, db):
    auth.login("admin")
    uid = ids["users"]["sifaju"]
    assert 'value="司法局 张审核"' in client.get(f"/admin/users/{uid}/edit").get_data(as_text=True)
    client.post(f"/admin/users/{uid}/edit", data={"display_name": "司法局 张主任", "department": "区司法局",
                                                   "role": "reviewer"})
    refused = client.post(f"/admin/users/{uid}/edit", data={"display_name": "x", "role": "town", "town_id": ""})
    assert refused.status_code == 400 and "单位负责人必须且只能绑定一个单位" in refused.get_data(as_text=True)
    db.rollback()
    user = queries.user(db, uid)
    assert (user.display_name, user.role) == ("司法局 张主任", "reviewer")


def test_a_reset_password_signs_in_and_the_old_one_no_longer_does(client, auth, ids, app):
    auth.login("admin")
    uid = ids["users"]["zhengwu"]
    assert client.post(f"/admin/users/{uid}/password", data={"password": "短"}).status_code == 400
    client.post(f"/admin/users/{uid}/password", data={"password": "new-password-1"})
    other = app.test_client()
    assert other.post("/login", data={"username": "zhengwu", "password": "demo-zhengwu"}).status_code != 302
    assert other.post("/login", data={"username": "zhengwu", "password": "new-password-1"}).status_code == 302


def test_a_town_is_renamed_and_a_taken_name_is_refused(client, auth, ids, db):
    auth.login("admin")
    town = ids["towns"]["新城镇"]
    client.post(f"/admin/towns/{town}/rename", data={"name": "新城街道"})
    page = client.post(f"/admin/towns/{town}/rename", data={"name": "东港镇"}, follow_redirects=True)
    assert "单位 东港镇 已存在" in page.get_data(as_text=True)
    db.rollback()
    assert {t.id: t.name for t in queries.towns(db)}[town] == "新城街道"


def test_disabling_a_user_is_a_second_step_that_names_them(client, auth, ids, db):
    auth.login("admin")
    uid = ids["users"]["sifaju"]
    people = client.get("/admin/people").get_data(as_text=True)
    assert f'href="/admin/users/{uid}/disable"' in people  # a link to the confirmation, not a one-click form
    confirm = client.get(f"/admin/users/{uid}/disable").get_data(as_text=True)
    assert "确定停用 司法局 张审核（sifaju）吗" in confirm
    db.rollback()
    assert queries.user(db, uid).active  # looking at the confirmation changes nothing
    client.post(f"/admin/users/{uid}", data={"active": "no"})
    db.rollback()
    assert not queries.user(db, uid).active
