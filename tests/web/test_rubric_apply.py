"""The administrator's what-if page for another rubric version, and applying it."""

from __future__ import annotations

import re

from scoring.services import rubric_change
from tests.scoring.store.test_rubric_change import _new_version, running_and_complete
from tests.web.test_rubrics import admin, text_of

__all__ = ["admin"]


def _rows(page: str, section: str) -> dict[str, list[str]]:
    block = re.search(rf'<section class="card" id="{section}">(.*?)</section>', page, re.S)
    assert block, section
    rows = {}
    for town, cells in re.findall(r'<tr[^>]*data-town="([^"]+)">(.*?)</tr>', block[1], re.S):
        rows[town] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def test_the_what_if_page_shows_the_figures_the_assessment_has_after_applying(admin, db, ids):
    aid = running_and_complete(db, ids)
    version_id, removed, _ = _new_version(db, ids, aid)
    db.commit()
    assert "更换考核细则版本" in text_of(admin.get(f"/admin/assessments/{aid}"))

    page = admin.get(f"/admin/assessments/{aid}/rubric?version={version_id}")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "删除 一级指标" in text_of(page) and removed in text_of(page)
    shown = {town: cells[4:7] for town, cells in _rows(body, "effect").items()}
    assert shown and all(cells[0] != "—" for cells in _rows(body, "effect").values())

    response = admin.post(f"/admin/assessments/{aid}/rubric",
                          data={"rubric_version_id": str(version_id), "reason": "细则修订"})

    assert response.status_code == 200, text_of(response)
    listed = text_of(response)
    assert "已更换考核细则版本" in listed and removed in listed and "原细则版本" in listed
    page = text_of(admin.get(f"/admin/assessments/{aid}"))
    assert "需重新评分" in page and removed in page
    db.rollback()
    _, now = rubric_change.current_figures(db, aid)
    after = {t.town: [rubric_change_points(t.total_after), str(t.rank_after or "—"), t.grade_after or "—"]
             for t in rubric_change.effects(now, now)}
    assert shown == after


def test_applying_needs_a_reason_and_is_refused_once_review_has_begun(admin, db, ids):
    version_id, _, _ = _new_version(db, ids, ids["scoring"])
    db.commit()
    no_reason = admin.post(f"/admin/assessments/{ids['scoring']}/rubric",
                           data={"rubric_version_id": str(version_id), "reason": " "})
    assert no_reason.status_code in (400, 422)
    late = admin.post(f"/admin/assessments/{ids['released']}/rubric",
                      data={"rubric_version_id": str(version_id), "reason": "太晚了"})
    assert late.status_code == 409


def rubric_change_points(cents):
    from scoring.points import format_points
    return "—" if cents is None else format_points(cents)
