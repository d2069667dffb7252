"""The disagreement queue as an administrator uses it, and the store's resolution operation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scoring.errors import InvalidInput, InvalidMark, NotPermitted, PhaseClosed
from scoring.services.disagreements import disagreement_queue
from scoring.services.outcomes import assessment_outcome
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import AuditEvent


def first_open(db, ids):
    """The first open disagreement of the 2025 assessment (demo: 16, 东港镇 C4 is first: 3 against 0)."""
    queue = disagreement_queue(db, ids["scoring"])
    db.rollback()
    return queue[0], len(queue)


def admin(ids) -> Actor:
    return Actor(ids["users"]["admin"], "admin")


def item_points(db, assessment_id, town, item) -> float:
    _, outcome = assessment_outcome(db, assessment_id)
    scores = outcome.item_scores
    db.rollback()
    return float(scores[(scores["town"] == town) & (scores["item"] == item)]["points"].iloc[0]) / 100


def test_choosing_one_reviewers_mark_resolves_the_disagreement_and_the_results_use_it(db, ids):
    d, n = first_open(db, ids)
    chosen = next(m for m in d.marks if m.points == d.lowest)
    assert item_points(db, ids["scoring"], d.town, d.item_id) == float(d.combined)
    operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                    item_id=d.item_id, reason="佐证材料不全，采用较低评分", reviewer_id=chosen.reviewer_id)
    assert item_points(db, ids["scoring"], d.town, d.item_id) == float(d.lowest)
    after, left = first_open(db, ids)
    assert left == n - 1 and (after.town, after.item_id) != (d.town, d.item_id)
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "disagreement.resolve")).scalar_one()
    assert event.reason == "佐证材料不全，采用较低评分" and event.item_id == d.item_id
    assert event.after["chosen_reviewer_id"] == chosen.reviewer_id


def test_a_set_mark_is_validated_and_an_invalid_one_stores_nothing(db, ids):
    d, n = first_open(db, ids)
    rubric = queries.assessment_rubric(db, ids["scoring"])
    db.rollback()
    assert rubric.item(d.item_id).method.kind == "levels"  # C4: 好 / 较好 / 一般 / 差
    with pytest.raises(InvalidMark):
        operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                        item_id=d.item_id, reason="复核", inputs={"level": "没有这个档次"})
    with pytest.raises(InvalidMark):
        operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                        item_id=d.item_id, reason="复核", inputs={"deductions": [{"rule": "x"}]})
    assert first_open(db, ids)[1] == n
    level = rubric.item(d.item_id).method.levels[1]
    operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                    item_id=d.item_id, reason="折中", inputs={"level": level.name})
    assert item_points(db, ids["scoring"], d.town, d.item_id) == float(level.points)


def test_only_an_administrator_resolves_with_a_reason_while_scoring_or_review(db, ids):
    d, _ = first_open(db, ids)
    base = {"assessment_id": ids["scoring"], "town_id": d.town_id, "item_id": d.item_id,
            "reviewer_id": d.marks[0].reviewer_id}
    with pytest.raises(NotPermitted):
        operations.resolve_disagreement(db, Actor(ids["users"]["sifaju"], "sifaju"), reason="我说了算", **base)
    with pytest.raises(InvalidInput):
        operations.resolve_disagreement(db, admin(ids), reason="  ", **base)
    with pytest.raises(PhaseClosed):  # the released assessment: results are out
        operations.resolve_disagreement(db, admin(ids), reason="晚了", **{**base, "assessment_id": ids["released"]})
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "disagreement.resolve")).first() is None


def test_the_queue_page_lists_disagreements_and_resolving_one_removes_it(client, auth, ids, db):
    d, n = first_open(db, ids)
    auth.login("admin")
    base = f"/admin/assessments/{ids['scoring']}"
    page = client.get(f"{base}/disagreements").get_data(as_text=True)
    assert f"待裁定（{n}）" in page and f'id="d-{d.town_id}-{d.item_id}"' in page
    assert f"评分分歧（{n}）" in client.get(base).get_data(as_text=True)
    chosen = d.marks[0]
    response = client.post(f"{base}/disagreements/resolve", data={
        "town_id": d.town_id, "item_id": d.item_id, "choice": f"reviewer:{chosen.reviewer_id}", "reason": "采用"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "分歧已裁定" in page and f"待裁定（{n - 1}）" in page and f'id="d-{d.town_id}-{d.item_id}"' not in page
    assert "采用" in page and chosen.reviewer in page  # in the resolved list, with the reviewer chosen


def test_resolving_without_a_choice_or_an_item_not_in_disagreement_is_refused(client, auth, ids, db):
    d, n = first_open(db, ids)
    auth.login("admin")
    url = f"/admin/assessments/{ids['scoring']}/disagreements/resolve"
    page = client.post(url, data={"town_id": d.town_id, "item_id": d.item_id, "reason": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "未保存" in page
    page = client.post(url, data={"town_id": d.town_id, "item_id": "A1", "choice": "set", "reason": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "该项目没有待裁定的评分分歧" in page
    for bad in ({"choice": f"reviewer:{2**64}"}, {"town_id": str(2**64)}, {"choice": "reviewer:１"}):
        response = client.post(url, data={"town_id": d.town_id, "item_id": d.item_id, "reason": "x", **bad})
        assert response.status_code == 302  # refused with a message, never a 500
    assert first_open(db, ids)[1] == n


def test_the_scorecard_quotes_the_resolved_mark_only(client, auth, ids, db):
    d, _ = first_open(db, ids)
    chosen = next(m for m in d.marks if m.points == d.highest)
    operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                    item_id=d.item_id, reason="采用较高评分", reviewer_id=chosen.reviewer_id)
    auth.login("admin")
    card = client.get(f"/admin/assessments/{ids['scoring']}/towns/{d.town_id}/scorecard")
    assert card.status_code == 200
    assert item_points(db, ids["scoring"], d.town, d.item_id) == float(d.highest)


def test_the_audit_log_says_who_resolved_what_in_words(client, auth, ids, db):
    d, _ = first_open(db, ids)
    chosen = next(m for m in d.marks if m.points == d.lowest)
    operations.resolve_disagreement(db, admin(ids), assessment_id=ids["scoring"], town_id=d.town_id,
                                    item_id=d.item_id, reason="采用较低评分", reviewer_id=chosen.reviewer_id)
    auth.login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"裁定 {d.town} {d.item_id} 的评分分歧：采用 {chosen.reviewer} 的评分（{d.lowest} 分）" in page
