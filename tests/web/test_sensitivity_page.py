"""The ranking's sensitivity on the administrator's page is computed in the background: the
page answers at once with the newest flags computed, says when they are older than the marks,
and shows the current ones once computed; another worker shows them without computing again."""

from __future__ import annotations

import re

from sqlalchemy import select

from scoring import services
from scoring.services import background, calibration
from scoring.services.calibration import ranking_sensitivity
from scoring.store import operations
from scoring.store.audit import Actor
from scoring.store.models import MarkRow

FLAG = "名次或等次随选择而变："


def _flags(page: str) -> list[str]:
    """The flags as the ranking table shows them, one string a town."""
    table = page[page.index('id="ranking-table"'):page.index("</table>", page.index('id="ranking-table"'))]
    return re.findall(r'<div class="flash error sensitive"[^>]*>(.*?)</div>', table)


def _scoring_again(db, ids) -> int:
    """The released assessment, back in scoring (the flags are shown when asked)."""
    aid, admin = ids["released"], Actor(ids["users"]["admin"], "admin")
    operations.set_phase(db, admin, aid, "review", reason="复核评分")
    operations.set_phase(db, admin, aid, "scoring")
    return aid


def _computed_once(client, auth, db, ids) -> tuple[int, str, list[str]]:
    """The assessment, its page with the flags, and the flags once computed in the background."""
    aid = _scoring_again(db, ids)
    auth.login("admin")
    url = f"/admin/assessments/{aid}?sensitivity=1"
    client.get(url)
    background.settle()
    return aid, url, _flags(client.get(url).get_data(as_text=True))


def _expected(db, aid) -> int:
    """How many towns the flags name at the data as it is now, computed in the test."""
    background.settle()
    db.rollback()
    count = len(ranking_sensitivity(db, aid))
    db.rollback()
    return count


def test_the_first_view_answers_at_once_and_the_flags_follow_when_computed(client, auth, ids, db):
    aid = _scoring_again(db, ids)
    auth.login("admin")
    first = client.get(f"/admin/assessments/{aid}?sensitivity=1").get_data(as_text=True)
    assert 'id="sensitivity-pending"' in first and "正在检查名次和等次" in first
    assert _flags(first) == []
    background.settle()
    done = client.get(f"/admin/assessments/{aid}?sensitivity=1").get_data(as_text=True)
    assert 'id="sensitivity-pending"' not in done
    assert len(_flags(done)) == _expected(db, aid) > 0
    assert "去掉评分人 政务服务办 李审核：名次 2 → 5，等次 优秀 → 良好" in done


def test_after_a_change_the_older_flags_are_shown_as_older_until_the_new_ones_are_computed(
        client, auth, ids, db, monkeypatch):
    aid, url, before = _computed_once(client, auth, db, ids)
    mark = db.execute(select(MarkRow).where(MarkRow.assessment_id == aid, MarkRow.complete)
                      .order_by(MarkRow.id).limit(1)).scalar_one()
    reviewer, town, item, version = mark.reviewer_id, mark.town_id, mark.item_id, mark.version
    inputs = {**mark.inputs, "comment": "复核后改分"}
    db.rollback()
    services.record_mark(db, Actor(reviewer, "reviewer"), assessment_id=aid, town_id=town, item_id=item,
                         reviewer_id=reviewer, inputs=inputs, expected_version=version)
    db.rollback()
    computed = []
    real = calibration.ranking_sensitivity
    monkeypatch.setattr(calibration, "ranking_sensitivity",
                        lambda session, a: computed.append(a) or real(session, a))
    stale = client.get(url).get_data(as_text=True)
    assert 'id="sensitivity-pending"' in stale and "正在按最新评分重新检查" in stale
    assert _flags(stale) == before  # the older flags, said to be older
    background.settle()
    fresh = client.get(url).get_data(as_text=True)
    assert 'id="sensitivity-pending"' not in fresh
    assert len(_flags(fresh)) == _expected(db, aid)
    assert computed == [aid]  # once for the new data, however often the page was viewed


def test_another_worker_shows_the_flags_computed_by_the_first_without_computing_them(
        client, auth, ids, db, monkeypatch):
    aid, url, shown = _computed_once(client, auth, db, ids)
    background.clear()  # a process that computed nothing: it reads the instance's folder
    monkeypatch.setattr(calibration, "ranking_sensitivity", lambda *a: (_ for _ in ()).throw(AssertionError))
    again = client.get(url).get_data(as_text=True)
    assert 'id="sensitivity-pending"' not in again and _flags(again) == shown != []


def test_a_computation_that_fails_is_said_on_the_page_and_not_retried_for_the_same_data(
        client, auth, ids, db, monkeypatch, caplog):
    aid = _scoring_again(db, ids)
    calls = []

    def broken(session, assessment_id):
        calls.append(assessment_id)
        raise RuntimeError("a bug in the computation")

    monkeypatch.setattr(calibration, "ranking_sensitivity", broken)
    auth.login("admin")
    url = f"/admin/assessments/{aid}?sensitivity=1"
    assert client.get(url).status_code == 200
    background.settle()
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="sensitivity-failed"' in text and 'id="sensitivity-pending"' not in text
    client.get(url)
    background.settle()
    assert calls == [aid]
    assert "a bug in the computation" in caplog.text
