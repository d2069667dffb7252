"""Withdrawing a conflict of interest (撤回回避): by the reviewer who declared it or by an
administrator, with a reason, audited; the reviewer's marks for the town count again."""

from __future__ import annotations

from sqlalchemy import select, update

from scoring.services.audit_log import readable_entries
from scoring.store import queries
from scoring.store.models import Assessment, AuditEvent, Conflict

TOWN = "新城镇"


def _counted_reviewers(db, ids, item: str = "A1") -> set[str]:
    db.rollback()
    return {m.reviewer for m in queries.complete_marks(db, ids["scoring"], ids["towns"][TOWN]) if m.item == item}


def _conflicts(db, ids) -> list:
    db.rollback()
    return queries.conflicts(db, ids["scoring"])


def test_the_reviewer_withdraws_their_declaration_with_a_reason_and_their_marks_count_again(client, auth, ids, db):
    a, town = ids["scoring"], ids["towns"][TOWN]
    assert "sifaju" in _counted_reviewers(db, ids)
    auth.login("sifaju")
    client.post(f"/review/{a}/conflicts", data={"town_id": str(town), "reason": "本人曾任该镇司法所所长"})
    (conflict,) = _conflicts(db, ids)
    assert "sifaju" not in _counted_reviewers(db, ids)
    dashboard = client.get("/review/").get_data(as_text=True)
    assert f'action="/review/{a}/conflicts/{conflict.id}/withdraw"' in dashboard

    response = client.post(f"/review/{a}/conflicts/{conflict.id}/withdraw", data={"reason": "申报有误：任职的是邻镇"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已撤回回避" in page and f'href="/review/{a}/towns/{town}"' in page  # the town is back on the list
    assert client.get(f"/review/{a}/towns/{town}").status_code == 200
    assert _conflicts(db, ids) == []
    assert "sifaju" in _counted_reviewers(db, ids)  # the marks given before the declaration count again
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "conflict.withdraw")).scalar_one()
    assert (event.actor_id, event.reason, event.town_id) == (ids["users"]["sifaju"], "申报有误：任职的是邻镇", town)
    assert event.before["reason"] == "本人曾任该镇司法所所长" and event.at is not None
    (line,) = readable_entries(db, [queries.audit_events(db, limit=1)[0]])
    assert str(line.text) == f"司法局 张审核 撤回对 {TOWN} 的回避申报" and line.reason == "申报有误：任职的是邻镇"


def test_a_withdrawal_without_a_reason_or_of_someone_elses_declaration_changes_nothing(app, client, auth, ids, db):
    a, town = ids["scoring"], ids["towns"][TOWN]
    auth.login("sifaju")
    client.post(f"/review/{a}/conflicts", data={"town_id": str(town), "reason": "配偶在该镇任职"})
    (own,) = _conflicts(db, ids)
    response = client.post(f"/review/{a}/conflicts/{own.id}/withdraw", data={"reason": "  "}, follow_redirects=True)
    assert "请说明撤回回避的理由" in response.get_data(as_text=True)

    other = app.test_client()
    other.post("/login", data={"username": "zhengwu", "password": "demo-zhengwu"})
    response = other.post(f"/review/{a}/conflicts/{own.id}/withdraw", data={"reason": "想评这个镇"},
                          follow_redirects=True)
    assert "只能撤回本人申报的回避" in response.get_data(as_text=True)
    assert [c.id for c in _conflicts(db, ids)] == [own.id]
    assert "sifaju" not in _counted_reviewers(db, ids)


def test_a_conflict_the_administrator_recorded_is_theirs_to_withdraw_not_the_reviewers(client, auth, ids, db):
    a, town = ids["scoring"], ids["towns"][TOWN]
    auth.login("admin")
    client.post(f"/admin/assessments/{a}/conflicts",
                data={"reviewer_id": str(ids["users"]["sifaju"]), "town_id": str(town), "reason": "近亲属在该镇任职"})
    (recorded,) = _conflicts(db, ids)
    auth.logout()

    auth.login("sifaju")
    dashboard = client.get("/review/").get_data(as_text=True)
    assert "近亲属在该镇任职" in dashboard and f"/conflicts/{recorded.id}/withdraw" not in dashboard
    response = client.post(f"/review/{a}/conflicts/{recorded.id}/withdraw", data={"reason": "不同意"},
                           follow_redirects=True)
    assert "管理员登记的回避请联系管理员" in response.get_data(as_text=True)
    assert len(_conflicts(db, ids)) == 1
    auth.logout()

    auth.login("admin")
    board = client.get(f"/admin/assessments/{a}/assignments").get_data(as_text=True)
    assert f'action="/admin/assessments/{a}/conflicts/{recorded.id}/withdraw"' in board
    response = client.post(f"/admin/assessments/{a}/conflicts/{recorded.id}/withdraw",
                           data={"reason": "核实后无利益关系"}, follow_redirects=True)
    assert response.status_code == 200 and "暂无回避申报" in response.get_data(as_text=True)
    assert _conflicts(db, ids) == [] and "sifaju" in _counted_reviewers(db, ids)
    log = client.get("/admin/audit?action=conflict").get_data(as_text=True)
    assert f"区依法治区办 管理员 撤回 司法局 张审核 对 {TOWN} 的回避" in log and "核实后无利益关系" in log


def test_a_withdrawal_is_refused_once_the_phase_closes_setup(client, auth, ids, db):
    a, town = ids["scoring"], ids["towns"][TOWN]
    auth.login("sifaju")
    client.post(f"/review/{a}/conflicts", data={"town_id": str(town), "reason": "配偶在该镇任职"})
    (conflict,) = _conflicts(db, ids)
    db.execute(update(Assessment).where(Assessment.id == a).values(phase="review"))
    db.commit()
    dashboard = client.get("/review/").get_data(as_text=True)
    assert f"/conflicts/{conflict.id}/withdraw" not in dashboard  # no form where it cannot be used
    response = client.post(f"/review/{a}/conflicts/{conflict.id}/withdraw", data={"reason": "申报有误"})
    assert response.status_code == 409 and "当前阶段不允许此操作" in response.get_data(as_text=True)
    assert [c.id for c in _conflicts(db, ids)] == [conflict.id]
    assert "sifaju" not in _counted_reviewers(db, ids)
    assert db.execute(select(Conflict)).scalars().all()  # still there
