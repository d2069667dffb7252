"""The administrator's assessment page stays right as marks are saved: what stands in the way
of release after a save, the ranking's sensitivity (shown from review on, or when asked)."""

from __future__ import annotations

from scoring import phases, services
from scoring.services import background, cache
from scoring.services.calibration import ranking_sensitivity
from scoring.services.readiness import release_blockers
from scoring.store import queries
from scoring.store.audit import Actor


def _from_every_mark(db, assessment_id):
    """(reviewer, marked, assigned) lines and the missing (reviewer, town, item), from every
    counting mark's key: what the page listed before it read counts."""
    towns = queries.assessment_towns(db, assessment_id)
    users = queries.users_by_id(db)
    bad = {(u.reviewer, u.town, u.item) for u in services.unusable_marks(db, assessment_id)}
    have = {(users[r].username, towns[t], i) for r, t, i in queries.counted_keys(db, assessment_id)
            if t in towns} - bad
    cells: dict[int, set] = {}
    for a in queries.assignments(db, assessment_id):
        for town_id in ([a.town_id] if a.town_id is not None else list(towns)):
            if town_id in towns:
                cells.setdefault(a.reviewer_id, set()).add((towns[town_id], a.item_id))
    lines, missing = [], []
    for reviewer_id, assigned in sorted(cells.items(), key=lambda kv: users[kv[0]].display_name):
        user = users[reviewer_id]
        absent = [(town, item) for town, item in sorted(assigned) if (user.username, town, item) not in have]
        lines.append((user.display_name, len(assigned) - len(absent), len(assigned)))
        missing += [(user.display_name, town, item) for town, item in absent]
    return lines, missing


def _as_shown(found):
    return ([(r.reviewer, r.marked, r.assigned) for r in found.reviewers],
            [(m.reviewer, m.town, m.item_id) for m in found.missing], found.missing_count)


def _missing_deduct_mark(db, ids, found):
    """A listed missing mark of a deduction item: (reviewer id, town id, item, its first rule)."""
    rubric = queries.assessment_rubric(db, ids["scoring"])
    items = {i.id: i for _, i in rubric.all_items() if i.method.kind == "deduct"}
    names = {u.display_name: u.id for u in queries.users(db)}
    m = next(m for m in found.missing if m.item_id in items)
    return names[m.reviewer], ids["towns"][m.town], m.item_id, items[m.item_id].method.rules[0].id


def test_the_blockers_right_after_a_save_are_those_computed_from_scratch(client, auth, ids, db):
    aid = ids["scoring"]
    before = release_blockers(db, aid)
    reviewer, town, item, rule = _missing_deduct_mark(db, ids, before)
    db.rollback()
    services.record_mark(db, Actor(reviewer, "reviewer"), assessment_id=aid, town_id=town, item_id=item,
                         reviewer_id=reviewer, inputs={"deductions": [{"rule": rule, "count": 1}]}, expected_version=0)
    after = release_blockers(db, aid)  # caught up with the one town saved
    db.rollback()
    assert after.missing_count == before.missing_count - 1
    lines, missing = _from_every_mark(db, aid)
    db.rollback()
    assert _as_shown(after) == (lines, missing[:50], len(missing))
    cache.clear()  # from scratch: nothing kept from before the save
    assert _as_shown(release_blockers(db, aid)) == _as_shown(after)
    db.rollback()
    auth.login("admin")
    page = client.get(f"/admin/assessments/{aid}").get_data(as_text=True)
    assert f"缺 {before.missing_count - 1} 项评分" in page
    confirm = client.get(f"/admin/assessments/{aid}/phase/confirm?phase=review").get_data(as_text=True)
    assert f"缺 {before.missing_count - 1} 项评分" in confirm  # never older than the data


def test_the_marks_to_rescore_stay_right_through_saves(ids, db):
    from scoring.services import rubric_change

    aid = ids["scoring"]
    assert rubric_change.marks_to_rescore(db, aid) == []
    found = release_blockers(db, aid)
    reviewer, town, item, rule = _missing_deduct_mark(db, ids, found)
    db.rollback()
    services.record_mark(db, Actor(reviewer, "reviewer"), assessment_id=aid, town_id=town, item_id=item,
                         reviewer_id=reviewer, inputs={"deductions": [{"rule": rule, "count": 1}]}, expected_version=0)
    assert rubric_change.marks_to_rescore(db, aid) == []


def test_sensitivity_is_shown_unasked_from_review_on():
    assert [p for p in phases.PHASES if phases.shows_sensitivity(p)] == ["review", "released", "archived"]
    assert phases.phase_view("review").sensitivity_shown and not phases.phase_view("scoring").sensitivity_shown


def test_while_scoring_the_sensitivity_is_computed_when_the_administrator_asks(client, auth, ids, db):
    from scoring.store import operations

    aid, admin = ids["released"], Actor(ids["users"]["admin"], "admin")
    operations.set_phase(db, admin, aid, "review", reason="复核评分")
    operations.set_phase(db, admin, aid, "scoring")
    flagged = ranking_sensitivity(db, aid)
    db.rollback()
    auth.login("admin")
    page = client.get(f"/admin/assessments/{aid}").get_data(as_text=True)
    assert 'id="sensitivity-ask"' in page and "名次或等次随选择而变" not in page
    client.get(f"/admin/assessments/{aid}?sensitivity=1")
    background.settle()  # computed in the background (tests/web/test_sensitivity_page.py)
    asked = client.get(f"/admin/assessments/{aid}?sensitivity=1").get_data(as_text=True)
    assert 'id="sensitivity-ask"' not in asked
    ranking = asked[asked.index("<h2>排名</h2>"):]
    assert ranking.count("名次或等次随选择而变：") == len(flagged) > 0
    assert "去掉评分人 政务服务办 李审核：名次 2 → 5，等次 优秀 → 良好" in ranking  # 青山镇, as once released


def test_once_released_the_sensitivity_is_shown_without_asking(client, auth, ids):
    auth.login("admin")
    client.get(f"/admin/assessments/{ids['released']}")
    background.settle()
    page = client.get(f"/admin/assessments/{ids['released']}").get_data(as_text=True)
    assert 'id="sensitivity-ask"' not in page and "名次或等次随选择而变" in page
