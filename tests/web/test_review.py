"""Reviewers scoring online: autosave, drafts, running totals, stale edits, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from scoring.store.models import AuditEvent, MarkRow


def mark_url(ids, item: str, town: str = "新城镇") -> str:
    return f"/review/{ids['scoring']}/towns/{ids['towns'][town]}/items/{item}/mark"


def stored(db, ids, item: str, town: str = "新城镇", reviewer: str = "sifaju") -> MarkRow | None:
    db.rollback()
    return db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == ids["towns"][town],
        MarkRow.item_id == item, MarkRow.reviewer_id == ids["users"][reviewer])).scalar_one_or_none()


def untouched(db, ids, reviewer: str = "sifaju", kinds=("levels", "binary", "ratio")) -> tuple[str, str]:
    """(item, town) of the scoring assessment that the reviewer has not touched yet."""
    from scoring.store import queries

    rubric = queries.assessment_rubric(db, ids["scoring"])
    mine = queries.assigned_items(db, ids["scoring"], ids["users"][reviewer])
    for _, item in rubric.all_items():
        if item.id in mine and item.method.kind in kinds:
            for town in ids["towns"]:
                if stored(db, ids, item.id, town, reviewer) is None:
                    return item.id, town
    raise AssertionError("the reviewer has touched every item: the demo changed")


def version_of(db, ids, item: str) -> int:
    row = stored(db, ids, item)
    return row.version if row else 0


def test_dashboard_shows_progress_per_town_and_overall(client, auth):
    auth.login("sifaju")
    page = client.get("/review/").get_data(as_text=True)
    assert "2025年度法治政府建设考核" in page and "新城镇" in page
    assert 'id="overall"' in page


def test_scoring_page_shows_assigned_items_with_criteria_and_the_towns_evidence(client, auth, ids):
    auth.login("sifaju")
    page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}").get_data(as_text=True)
    assert 'id="item-A1"' in page and 'id="item-C4"' in page
    assert 'id="item-E1"' not in page  # another department's item
    assert "考核内容" in page and "佐证材料" in page
    assert "2015年新城镇依法行政工作报告.txt" in page
    assert "12000余份" in page  # a passage of the report, ready to cite


def test_a_deduction_with_reason_and_citation_saves_and_updates_the_running_points(client, auth, ids, db):
    auth.login("sifaju")
    page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}").get_data(as_text=True)
    cite = page.split('data-cite="', 1)[1].split('"', 1)[0]  # first passage of the evidence
    version = version_of(db, ids, "A1")
    response = client.post(mark_url(ids, "A1"), json={"version": version, "fields": {
        "ded-0-rule": "A1-group", "ded-0-count": "1", "ded-0-reason": "未见领导小组调整文件",
        "ded-0-cite": cite}})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["complete"] and body["version"] == version + 1
    assert body["item_points"] == "1"  # 3 - 2
    row = stored(db, ids, "A1")
    deduction = row.inputs["deductions"][0]
    assert deduction["reason"] == "未见领导小组调整文件"
    assert deduction["citation"]["quote"]  # the server filled the quote from the passage


def test_half_typed_input_is_kept_as_a_draft_that_does_not_count(client, auth, ids, db):
    auth.login("sifaju")
    item, town = untouched(db, ids)
    response = client.post(mark_url(ids, item, town), json={"version": 0, "fields": {"comment": "台账还在核对"}})
    body = response.get_json()
    assert response.status_code == 200
    assert body["complete"] is False and body["draft"] is True and body["problem"]
    row = stored(db, ids, item, town)
    assert row.inputs == {"comment": "台账还在核对"} and row.complete is False
    page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns'][town]}").get_data(as_text=True)
    assert "台账还在核对" in page  # nothing typed is lost on reload


def test_a_stale_edit_is_refused_with_the_current_value_and_not_written(client, auth, ids, db):
    auth.login("sifaju")
    version = version_of(db, ids, "B1")
    first = client.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "1", "ded-0-reason": "第一位"}})
    assert first.status_code == 200
    stale = client.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "3", "ded-0-reason": "旧页面"}})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["version"] == version + 1
    assert body["current"]["deductions"][0]["reason"] == "第一位"
    assert stored(db, ids, "B1").inputs["deductions"][0]["reason"] == "第一位"


def test_every_mark_change_leaves_an_audit_event_with_old_and_new_values(client, auth, ids, db):
    auth.login("sifaju")
    version = version_of(db, ids, "A3")
    client.post(mark_url(ids, "A3"), json={"version": version, "fields": {"comment": "先记一笔"}})
    client.post(mark_url(ids, "A3"), json={"version": version + 1, "fields": {"comment": "改了"}})
    db.rollback()
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "mark.save", AuditEvent.item_id == "A3",
                                                 AuditEvent.town_id == ids["towns"]["新城镇"],
                                                 AuditEvent.actor_name == "sifaju")
                        .order_by(AuditEvent.id.desc()).limit(2)).scalars().all()
    latest, previous = events
    assert latest.before["inputs"] == {"comment": "先记一笔"} and latest.after["inputs"] == {"comment": "改了"}
    assert previous.after["inputs"] == {"comment": "先记一笔"}


def test_a_citation_of_another_towns_evidence_is_refused_and_nothing_written(client, auth, ids, db):
    from scoring.store import queries

    other = queries.evidence_files(db, ids["scoring"], ids["towns"]["东港镇"])[0]
    auth.login("sifaju")
    db.rollback()
    before = db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    response = client.post(mark_url(ids, "A1"), json={"version": version_of(db, ids, "A1"), "fields": {
        "ded-0-rule": "A1-group", "ded-0-count": "1", "ded-0-cite": f"{other.id}|¶1"}})
    assert response.status_code == 422
    db.rollback()
    assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before


def test_marks_cannot_change_outside_the_scoring_phase(client, auth, ids, db):
    auth.login("sifaju")
    town = ids["towns"]["新城镇"]
    response = client.post(f"/review/{ids['released']}/towns/{town}/items/A1/mark",
                           json={"version": 1, "fields": {"comment": "x"}})
    assert response.status_code == 409
