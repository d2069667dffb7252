"""The assignment pages: the matrix, one reviewer's towns, department and last year's, conflicts."""

from __future__ import annotations

import re

from scoring.store import queries


def test_the_matrix_shows_every_reviewer_and_item_with_loads_in_one_table(client, auth, ids, db):
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['scoring']}/assignments").get_data(as_text=True)
    sifaju = ids["users"]["sifaju"]
    items = len(queries.assigned_items(db, ids["scoring"], sifaju))
    db.rollback()
    assert f'value="{sifaju}|A1"' in page and f'value="{sifaju}|E1"' in page
    assert re.search(rf'id="load-{sifaju}">{items * 8}<', page)  # items × towns
    assert page.count('name="cell"') == 3 * page.count('class="cid"')  # 3 reviewers × items, one table
    assert "沿用上年分配（2024年度法治政府建设考核）" in page


def test_saving_the_matrix_turns_cells_on_and_off_and_the_reviewer_sees_it(client, auth, ids, app, db):
    auth.login("admin")
    a, town, zhengwu = ids["scoring"], ids["towns"]["新城镇"], ids["users"]["zhengwu"]
    response = client.post(f"/admin/assessments/{a}/assignments",
                           data={"shown": [f"{zhengwu}|A1", f"{zhengwu}|D1"], "cell": [f"{zhengwu}|A1"]},
                           follow_redirects=True)
    assert "评分分配已更新" in response.get_data(as_text=True)
    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "zhengwu", "password": "demo-zhengwu"})
    sheet = reviewer.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    assert 'id="item-A1"' in sheet and 'id="item-D1"' not in sheet
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "安排 政务服务办 李审核 评分 A1（全部 8 个单位）" in log
    assert "取消 政务服务办 李审核 评分 D1（全部 8 个单位）" in log


def test_a_reviewers_town_matrix_and_a_partly_assigned_cell(client, auth, ids):
    auth.login("admin")
    a, town, zhengwu = ids["scoring"], ids["towns"]["新城镇"], ids["users"]["zhengwu"]
    page = f"/admin/assessments/{a}/assignments/reviewers/{zhengwu}"
    client.post(page, data={"shown": [f"A1|{town}"], "cell": [f"A1|{town}"]})
    matrix = client.get(f"/admin/assessments/{a}/assignments").get_data(as_text=True)
    assert "1/8" in matrix  # A1 for one town of eight
    # a partly assigned cell left unticked is left alone by a matrix save
    client.post(f"/admin/assessments/{a}/assignments", data={})
    assert "1/8" in client.get(f"/admin/assessments/{a}/assignments").get_data(as_text=True)


def test_assign_by_department_and_copy_are_buttons_that_change_nothing_twice(client, auth, ids):
    auth.login("admin")
    a = ids["scoring"]
    first = client.post(f"/admin/assessments/{a}/assignments/department", follow_redirects=True)
    assert "评分分配已更新" in first.get_data(as_text=True)
    again = client.post(f"/admin/assessments/{a}/assignments/copy", follow_redirects=True)
    assert "评分分配已更新（0 处变化）" in again.get_data(as_text=True)  # 2024 had the same assignments


def test_assignments_of_a_released_assessment_are_read_only(client, auth, ids):
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['released']}/assignments").get_data(as_text=True)
    assert 'id="save-matrix"' not in page and "disabled" in page
    response = client.post(f"/admin/assessments/{ids['released']}/assignments/department")
    assert response.status_code == 409


def test_a_reviewer_declares_a_conflict_and_the_administrator_sees_and_reassigns_it(client, auth, ids, app, db):
    a, town = ids["scoring"], ids["towns"]["新城镇"]
    auth.login("sifaju")
    dashboard = client.get("/review/").get_data(as_text=True)
    assert 'id="declare-conflict-' in dashboard
    response = client.post(f"/review/{a}/conflicts", data={"town_id": str(town), "reason": "本人曾任该镇司法所所长"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已申报回避" in page
    assert f'href="/review/{a}/towns/{town}"' not in page  # the town left the reviewer's list
    assert client.get(f"/review/{a}/towns/{town}").status_code == 404
    assert client.post(f"/review/{a}/towns/{town}/items/A1/mark", json={"fields": {}, "version": 1}).status_code == 403
    auth.logout()

    auth.login("admin")
    board = client.get(f"/admin/assessments/{a}/assignments").get_data(as_text=True)
    assert "本人曾任该镇司法所所长" in board and "本人申报" in board
    client.post(f"/admin/assessments/{a}/conflicts/reassign",
                data={"from_id": str(ids["users"]["sifaju"]), "to_id": str(ids["users"]["zhengwu"]),
                      "town_id": str(town)})
    db.rollback()
    assert "A1" in queries.assigned_items(db, a, ids["users"]["zhengwu"], town)


def test_a_conflict_without_a_reason_is_refused(client, auth, ids, db):
    auth.login("sifaju")
    response = client.post(f"/review/{ids['scoring']}/conflicts",
                           data={"town_id": str(ids["towns"]["新城镇"]), "reason": ""}, follow_redirects=True)
    assert "请说明回避理由" in response.get_data(as_text=True)
    db.rollback()
    assert not queries.conflicts(db, ids["scoring"])


def test_the_administrator_records_a_conflict(client, auth, ids, db):
    auth.login("admin")
    client.post(f"/admin/assessments/{ids['scoring']}/conflicts",
                data={"reviewer_id": str(ids["users"]["zhengwu"]), "town_id": str(ids["towns"]["东港镇"]),
                      "reason": "配偶在该镇任职"})
    db.rollback()
    [conflict] = queries.conflicts(db, ids["scoring"])
    assert conflict.declared_by == ids["users"]["admin"]
    assert queries.assigned_items(db, ids["scoring"], ids["users"]["zhengwu"], ids["towns"]["东港镇"]) == set()
