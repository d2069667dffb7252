"""Reviewers scoring online: autosave, drafts, running totals, stale edits, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from scoring import services
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


# ---- the workbench: states that mean what they say, read-only phases, suggestions, moving ----

def town_page(client, ids, town: str = "新城镇", assessment: str = "scoring") -> str:
    return client.get(f"/review/{ids[assessment]}/towns/{ids['towns'][town]}").get_data(as_text=True)


def untouched_deduct(db, ids) -> tuple[str, str]:
    return untouched(db, ids, kinds=("deduct",))


def test_a_comment_typed_in_a_deduct_item_does_not_score_it_at_full_marks(client, auth, ids, db):
    auth.login("sifaju")
    item, town = untouched_deduct(db, ids)
    body = client.post(mark_url(ids, item, town), json={"version": 0, "fields": {"comment": "材料齐全"}}).get_json()
    assert body["complete"] is False and body["draft"] is True
    assert "无扣分" in body["problem"]  # says why it does not count yet
    row = stored(db, ids, item, town)
    assert row.complete is False and row.inputs == {"comment": "材料齐全"}


def test_full_marks_count_once_the_reviewer_confirms_them(client, auth, ids, db):
    auth.login("sifaju")
    item, town = untouched_deduct(db, ids)
    by_box = client.post(mark_url(ids, item, town), json={"version": 0, "fields": {
        "comment": "材料齐全", "full_marks": "1"}}).get_json()
    assert by_box["complete"] is True and by_box["draft"] is False
    page = town_page(client, ids, town)
    form = page.split(f'id="item-{item}"', 1)[1].split("</section>", 1)[0]
    assert 'name="full_marks" value="1" data-role="full-marks"\n             checked' in form
    by_button = client.post(mark_url(ids, item, town), json={"version": 1, "confirm": True,
                                                             "fields": {"comment": "改"}}).get_json()
    assert by_button["complete"] is True and by_button["draft"] is False


def test_a_reason_typed_before_its_count_is_kept_and_shown_again(client, auth, ids, db):
    auth.login("sifaju")
    version = version_of(db, ids, "A1")
    body = client.post(mark_url(ids, "A1"), json={"version": version, "fields": {
        "ded-0-rule": "A1-group", "ded-0-count": "0", "ded-0-reason": "未见调整文件"}}).get_json()
    assert body["draft"] is True
    assert 'value="未见调整文件"' in town_page(client, ids)


def test_a_veto_item_left_unanswered_is_a_draft_not_a_mark(client, auth, ids, db):
    from scoring.store import queries

    rubric = queries.assessment_rubric(db, ids["scoring"])
    veto = rubric.vetoes[0].id
    auth.login("fazhiban")
    town = next(t for t in ids["towns"] if stored(db, ids, veto, t, "fazhiban") is None)
    body = client.post(mark_url(ids, veto, town), json={"version": 0, "fields": {"comment": "无"}}).get_json()
    assert body["complete"] is False
    body = client.post(mark_url(ids, veto, town), json={"version": 1, "fields": {"triggered": "no"}}).get_json()
    assert body["complete"] is True


def test_a_suggested_passage_cited_on_a_mark_is_stored_with_its_quote_and_shown(client, auth, ids, db):
    auth.login("sifaju")
    page = town_page(client, ids)
    a1 = page.split('id="item-A1"', 1)[1].split("</section>", 1)[0]
    cite = a1.split('data-role="suggest-cite" data-cite="', 1)[1].split('"', 1)[0]
    version = version_of(db, ids, "A1")
    body = client.post(mark_url(ids, "A1"), json={"version": version, "confirm": True, "fields": {
        "full_marks": "1", "cite-0": cite}}).get_json()
    assert body["complete"] is True, body
    citation = stored(db, ids, "A1").inputs["citations"][0]
    assert f"{citation['evidence_id']}|{citation['passage_id']}" == cite and citation["quote"]
    again = town_page(client, ids).split('id="item-A1"', 1)[1].split("</section>", 1)[0]
    assert f'name="cite-0" value="{cite}"' in again


def test_each_item_shows_ranked_suggestions_with_the_matching_words_marked_and_their_place(client, auth, ids):
    auth.login("sifaju")
    page = town_page(client, ids)
    a1 = page.split('id="item-A1"', 1)[1].split("</section>", 1)[0]
    assert "推荐段落" in a1 and "<mark>" in a1
    assert "2015年新城镇依法行政工作报告.txt · 第" in a1  # file and paragraph
    assert 'aria-keyshortcuts="1"' in a1


def test_highlighting_escapes_the_towns_text_and_marks_only_the_matches():
    from web.review.highlight import highlight

    html = str(highlight('<script>x</script>聘请法律顾问，法律顾问"到位"', ["法律顾问", "法律"]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>法律顾问</mark>") == 2 and "&#34;到位&#34;" in html


def test_the_page_offers_an_item_index_next_unscored_the_next_town_and_the_shortcuts(client, auth, ids):
    auth.login("sifaju")
    page = town_page(client, ids, "东港镇")
    assert 'data-index-for="A1"' in page and 'id="next-unscored"' in page
    assert 'id="next-town"' in page and 'id="shortcuts"' in page and "保存并到下一项" in page


def test_a_closed_phase_shows_the_sheet_read_only(client, auth, ids):
    auth.login("sifaju")
    page = town_page(client, ids, assessment="released")
    assert 'data-editable="0"' in page and 'class="inputs" disabled' in page
    assert 'data-role="save-next"' not in page and 'data-role="suggest-cite"' not in page
    assert 'type="submit"' not in page.split('id="workbench"', 1)[1].split('<aside', 1)[0]
    assert "评分随填随存" not in page and "当前阶段不可修改评分" in page


def test_search_finds_passages_across_the_towns_files_for_its_reviewer_only(client, auth, ids):
    url = f"/review/{ids['scoring']}/towns/{ids['towns']['东港镇']}/search"
    auth.login("sifaju")
    body = client.get(url, query_string={"q": "法律顾问聘用"}).get_json()
    assert body["results"] and all(r["file"].startswith("东港镇") for r in body["results"])
    assert any("<mark>法律顾问</mark>" in r["html"] for r in body["results"])
    assert {r["file"] for r in body["results"]} > {"东港镇2025年法律顾问工作台账.xlsx"}  # all files
    auth.login("xincheng")
    assert client.get(url, query_string={"q": "法律顾问"}).status_code == 403


def test_a_pdf_opens_inline_for_its_reviewer_and_other_files_still_download(client, auth, ids, db, settings):
    import hashlib

    from scoring.store.models import EvidenceFile

    data = b"%PDF-1.4\n%fake\n"
    sha = hashlib.sha256(data).hexdigest()
    assert services.blob_store(settings, db).put(data) == sha
    row = EvidenceFile(assessment_id=ids["scoring"], town_id=ids["towns"]["东港镇"], name="报告.pdf", kind="pdf",
                       sha256=sha, size=len(data))
    db.add(row)
    db.commit()
    auth.login("sifaju")
    with client.get(f"/review/{ids['scoring']}/evidence/{row.id}?inline=1") as inline:
        assert inline.status_code == 200 and inline.headers["Content-Disposition"].startswith("inline")
    with client.get(f"/review/{ids['scoring']}/evidence/{row.id}") as download:
        assert download.headers["Content-Disposition"].startswith("attachment")
