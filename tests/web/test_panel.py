"""The administrator's view of several reviewers: calibration, sensitivity flags, and what stands in the way."""

from __future__ import annotations

from scoring.services import background
from scoring.services.readiness import release_blockers
from scoring.store import operations
from scoring.store.audit import Actor


def blockers(db, assessment_id):
    found = release_blockers(db, assessment_id)
    db.rollback()
    return found


def test_the_assessment_page_shows_progress_missing_marks_and_open_disagreements(client, auth, ids, db):
    found = blockers(db, ids["scoring"])
    assert len(found.incomplete) == 8 and found.missing_count > 0 and found.disagreements == 16
    assert sum(r.assigned - r.marked for r in found.reviewers) == found.missing_count
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['scoring']}").get_data(as_text=True)
    assert "8 个单位未完成评分" in page and f"缺 {found.missing_count} 项评分" in page
    assert "16 项评分分歧待裁定" in page
    for reviewer in found.reviewers:
        assert f"<td class=\"num\">{reviewer.marked}</td><td class=\"num\">{reviewer.assigned}</td>" in page
    assert 'id="missing-marks"' in page and "另有" in page  # 50 named, the rest counted


def test_the_phase_confirmation_lists_the_same_blockers(client, auth, ids, db):
    found = blockers(db, ids["scoring"])
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['scoring']}/phase/confirm?phase=review").get_data(as_text=True)
    assert "尚有 8 个单位未完成评分" in page and f"缺 {found.missing_count} 项评分" in page
    assert "16 项评分分歧待裁定" in page


def test_a_resolution_and_a_new_mark_each_remove_one_blocker(db, ids):
    before = blockers(db, ids["scoring"])
    from scoring.services.disagreements import disagreement_queue

    d = disagreement_queue(db, ids["scoring"])[0]
    db.rollback()
    operations.resolve_disagreement(db, Actor(ids["users"]["admin"], "admin"), assessment_id=ids["scoring"],
                                    town_id=d.town_id, item_id=d.item_id, reason="采用",
                                    reviewer_id=d.marks[0].reviewer_id)
    assert blockers(db, ids["scoring"]).disagreements == before.disagreements - 1


def test_the_calibration_page_shows_each_reviewers_lean_and_the_normalised_ranking_beside_the_raw(client, auth,
                                                                                                   ids, db):
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['released']}/calibration").get_data(as_text=True)
    assert "司法局 张审核" in page and "平均偏差（分）" in page
    assert page.count('class="reviewer-row"') == 3
    assert page.count("place-row") == 8 and "校准后名次" in page
    assert "计入结果的始终是原始排名" in page
    ranking = client.get(f"/admin/assessments/{ids['released']}").get_data(as_text=True)
    assert "97.67" in ranking and "96.96" not in ranking  # the ranking that counts stays raw (东港镇)
    assert "96.96" in page  # 东港镇 normalised, beside it


def test_a_rank_that_depends_on_one_reviewer_is_flagged_on_the_ranking(client, auth, ids):
    auth.login("admin")
    client.get(f"/admin/assessments/{ids['released']}")
    background.settle()  # the flags are computed in the background
    page = client.get(f"/admin/assessments/{ids['released']}").get_data(as_text=True)
    # 青山镇 is 2nd (优秀); without 政务服务办 李审核 it would be 5th (良好).
    page = page[page.index("<h2>排名</h2>"):]  # the ranking table, after the progress tables
    row = page[page.index(">青山镇</a>"):]
    row = row[:row.index("</tr>")]
    assert "名次或等次随选择而变" in row and "去掉评分人 政务服务办 李审核：名次 2 → 5，等次 优秀 → 良好" in row
    first = page[page.index(">东港镇</a>"):]
    assert "名次或等次随选择而变" not in first[:first.index("</tr>")]
