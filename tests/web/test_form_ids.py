"""Ids typed into forms: a huge, non-ASCII, negative or empty id is refused the way each form
refuses other bad input (a flash on the page it returns to, or a 400 page), never a 500,
and nothing changes. Run as a signed-in user with CSRF checked, on SQLite and PostgreSQL
(a number past INTEGER overflows PostgreSQL's query; SQLite takes up to 2^63)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from scoring.services.disagreements import disagreement_queue
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import Assignment, AuditEvent, MarkRow

# Past INTEGER (and past the 18 digits the panel allowed), a superscript and a full-width digit
# (str.isdigit passes both), a sign, nothing.
BAD = ["99999999999999999", "9" * 30, str(2**31), "²", "１", "-1", ""]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Signed:
    """A client signed in with CSRF checked; ``post`` adds the session's token."""

    def __init__(self, app, username: str) -> None:
        self.client = app.test_client()
        token = TOKEN.search(self.client.get("/login").get_data(as_text=True))[1]
        response = self.client.post("/login", data={"username": username, "password": f"demo-{username}",
                                                     "csrf_token": token})
        assert response.status_code == 302
        self.token = TOKEN.search(self.client.get("/account/password").get_data(as_text=True))[1]

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={**data, "csrf_token": self.token}, **kwargs)


def flashes(response, category: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(rf'<p class="flash {category}"[^>]*>(.*?)</p>',
                                                 response.get_data(as_text=True), re.S)]


def refused_with(response, message: str) -> None:
    """Sent back (302) to the form's page, which says why (and says nothing was saved)."""
    assert response.status_code == 200 and response.history and response.history[0].status_code == 302, \
        (response.status_code, response.get_data(as_text=True)[:300])
    assert message in flashes(response, "error") and not flashes(response, "ok"), flashes(response, "error")


def audit_count(db) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


@pytest.fixture
def admin(csrf_app):
    return Signed(csrf_app, "admin")


@pytest.fixture
def reviewer(csrf_app):
    return Signed(csrf_app, "sifaju")


def test_a_disagreement_resolution_with_a_bad_town_or_reviewer_id_is_refused(admin, ids, db):
    queue = disagreement_queue(db, ids["scoring"])
    db.rollback()
    d, before, n = queue[0], audit_count(db), len(queue)
    url = f"/admin/assessments/{ids['scoring']}/disagreements/resolve"
    good = {"town_id": str(d.town_id), "item_id": d.item_id, "choice": f"reviewer:{d.marks[0].reviewer_id}",
            "reason": "采用"}
    for bad in BAD:
        for form in ({**good, "town_id": bad}, {**good, "choice": f"reviewer:{bad}"}):
            response = admin.post(url, form, follow_redirects=True)
            refused_with(response, "未保存：请选择采用一位评分人的评分，或填写裁定的评分")
    assert audit_count(db) == before
    assert len(disagreement_queue(db, ids["scoring"])) == n


def test_the_refusal_is_in_the_readers_language(admin, ids, db):
    d = disagreement_queue(db, ids["scoring"])[0]
    db.rollback()
    admin.post("/lang/en", {"next": "/admin/"})
    response = admin.post(f"/admin/assessments/{ids['scoring']}/disagreements/resolve",
                          {"town_id": "99999999999999999", "item_id": d.item_id, "choice": "set", "reason": "x"},
                          follow_redirects=True)
    refused_with(response, "Not saved: Choose one reviewer's mark, or enter the resolved mark")


def test_the_arbiter_forms_refuse_a_bad_id_and_keep_the_arbiter(admin, ids, db):
    """An empty choice means "nobody" (a choice the form offers); anything else that names no user is refused."""
    a, fazhiban = ids["released"], ids["users"]["fazhiban"]
    admin_actor = Actor(ids["users"]["admin"], "admin")
    mark = db.execute(select(MarkRow).where(MarkRow.assessment_id == a, MarkRow.town_id == ids["towns"]["新城镇"],
                                            MarkRow.complete.is_(True))).scalars().first()
    appeal = operations.file_appeal(db, Actor(ids["users"]["xincheng"], "xincheng"), assessment_id=a,
                                    town_id=ids["towns"]["新城镇"], mark_id=mark.id, reason="已整改")
    appeal_id = appeal.id
    operations.set_arbiter(db, admin_actor, a, fazhiban)
    operations.route_appeal(db, admin_actor, appeal_id, fazhiban)
    before = audit_count(db)
    for bad in [b for b in BAD if b]:
        refused_with(admin.post(f"/admin/assessments/{a}/arbiter", {"arbiter_id": bad}, follow_redirects=True),
                     "未保存：复核人须为在用的管理员或评分人")
        refused_with(admin.post(f"/admin/appeals/{appeal_id}/route", {"arbiter_id": bad}, follow_redirects=True),
                     "未保存：复核人须为在用的管理员或评分人")
    assert audit_count(db) == before
    assert queries.assessment(db, a).arbiter_id == fazhiban
    assert queries.appeal(db, appeal_id).arbiter_id == fazhiban
    db.rollback()
    admin.post(f"/admin/assessments/{a}/arbiter", {"arbiter_id": ""})  # "nobody" still clears it
    db.rollback()
    assert queries.assessment(db, a).arbiter_id is None


def test_the_appeals_page_takes_any_version_in_its_query(admin, ids):
    for bad in BAD:
        page = admin.get(f"/admin/assessments/{ids['released']}/appeals", query_string={"from": bad, "to": bad})
        assert page.status_code == 200, bad  # the latest version, as without the query


def test_recording_a_conflict_with_a_bad_id_is_refused(admin, ids, db):
    before = audit_count(db)
    good = {"reviewer_id": str(ids["users"]["zhengwu"]), "town_id": str(ids["towns"]["东港镇"]), "reason": "配偶"}
    for bad in BAD:
        for field in ("reviewer_id", "town_id"):
            response = admin.post(f"/admin/assessments/{ids['scoring']}/conflicts", {**good, field: bad},
                                  follow_redirects=True)
            refused_with(response, "请选择评分人和单位")
    assert audit_count(db) == before and not queries.conflicts(db, ids["scoring"])


def test_reassigning_with_a_bad_id_is_refused(admin, ids, db):
    before = audit_count(db)
    good = {"from_id": str(ids["users"]["sifaju"]), "to_id": str(ids["users"]["zhengwu"]),
            "town_id": str(ids["towns"]["新城镇"])}
    for bad in BAD:
        for field in good:
            response = admin.post(f"/admin/assessments/{ids['scoring']}/conflicts/reassign", {**good, field: bad},
                                  follow_redirects=True)
            refused_with(response, "请选择改派的评分人")
    assert audit_count(db) == before


def test_matrix_cells_naming_no_reviewer_or_town_change_nothing(admin, ids, db):
    """A cell the page cannot have shown is ignored, as a cell that is not "a|b" is."""
    a, zhengwu, town = ids["scoring"], ids["users"]["zhengwu"], ids["towns"]["新城镇"]
    before = audit_count(db)
    rows = db.execute(select(func.count()).select_from(Assignment)).scalar_one()
    for bad in BAD:
        response = admin.post(f"/admin/assessments/{a}/assignments",
                              {"shown": [f"{bad}|A1"], "cell": [f"{bad}|A1"]}, follow_redirects=True)
        assert response.status_code == 200 and "评分分配已更新（0 处变化）" in response.get_data(as_text=True), bad
        response = admin.post(f"/admin/assessments/{a}/assignments/reviewers/{zhengwu}",
                              {"shown": [f"A1|{bad}"], "cell": [f"A1|{bad}"]}, follow_redirects=True)
        assert response.status_code == 200 and "评分分配已更新（0 处变化）" in response.get_data(as_text=True), bad
    assert audit_count(db) == before
    assert db.execute(select(func.count()).select_from(Assignment)).scalar_one() == rows
    assert "A1" not in queries.assigned_items(db, a, zhengwu, town)


def test_applying_a_rubric_version_with_a_bad_id_is_refused(admin, ids, db):
    before, version = audit_count(db), queries.assessment(db, ids["scoring"]).rubric_version_id
    for bad in BAD:
        response = admin.post(f"/admin/assessments/{ids['scoring']}/rubric",
                              {"rubric_version_id": bad, "reason": "细则修订"})
        assert response.status_code == 400, (bad, response.status_code)
        assert "请求无效" in response.get_data(as_text=True)
        if bad:
            page = admin.get(f"/admin/assessments/{ids['scoring']}/rubric", query_string={"version": bad})
            assert page.status_code == 400, (bad, page.status_code)
    assert audit_count(db) == before
    assert queries.assessment(db, ids["scoring"]).rubric_version_id == version


def test_a_reviewer_declaring_a_conflict_with_a_bad_town_id_is_refused(reviewer, ids, db):
    before = audit_count(db)
    for bad in BAD:
        response = reviewer.post(f"/review/{ids['scoring']}/conflicts", {"town_id": bad, "reason": "曾任职"},
                                 follow_redirects=True)
        refused_with(response, "未保存：请选择单位")
    assert audit_count(db) == before and not queries.conflicts(db, ids["scoring"])


def test_an_autosave_with_a_version_that_is_no_number_is_a_400_and_a_huge_one_is_stale(reviewer, ids, db):
    """The version is compared in Python, never in SQL: a huge one is simply not the current one."""
    before = audit_count(db)
    url = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}/items/A1/mark"
    for bad in BAD:
        status = reviewer.post(url, {"version": bad, "comment": "x"}).status_code
        assert status == (409 if bad.isascii() and bad.isdigit() else 400), (bad, status)
    assert audit_count(db) == before


def test_an_autosave_with_a_deduction_count_that_is_no_number_keeps_a_draft_that_names_it(reviewer, ids, db):
    """"²" passes str.isdigit but is no count: the typing is kept as a draft, the count is named."""
    town_id, reviewer_id = ids["towns"]["新城镇"], ids["users"]["sifaju"]
    rubric = queries.assessment_rubric(db, ids["scoring"])
    item = next(i for _, i in rubric.all_items() if i.method.kind == "deduct" and i.id[0] in "ABC")
    mark = queries.reviewer_marks(db, ids["scoring"], town_id, reviewer_id).get(item.id)
    db.rollback()
    response = reviewer.client.post(
        f"/review/{ids['scoring']}/towns/{town_id}/items/{item.id}/mark",
        json={"version": mark.version if mark else 0, "fields": {
            "ded-0-rule": item.method.rules[0].id, "ded-0-count": "²", "ded-0-reason": "材料缺失"}},
        headers={"X-CSRFToken": reviewer.token})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reply = response.get_json()
    assert reply["draft"] and reply["problem"]
    stored = queries.reviewer_marks(db, ids["scoring"], town_id, reviewer_id)[item.id]
    shown = stored.draft if stored.draft is not None else stored.inputs
    assert shown["deductions"][0]["reason"] == "材料缺失"  # nothing typed is lost


def test_the_coverage_page_shows_no_town_for_a_town_id_that_names_none(admin, ids):
    url = f"/admin/assessments/{ids['scoring']}/coverage"
    for bad in [b for b in BAD if b]:
        assert admin.get(url, query_string={"town": bad}).status_code == 404, bad
    assert admin.get(url, query_string={"town": ""}).status_code == 200  # every town, as without it
