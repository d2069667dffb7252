"""PDF downloads from the web and the background ZIP of all scorecards (real Redis worker)."""

from __future__ import annotations

import io
import zipfile

from scoring import jobs, services
from tests import pdfcheck


def test_a_town_leader_downloads_the_released_scorecard_with_the_pages_numbers(client, auth, ids, db):
    card = services.town_scorecard(db, ids["released"], ids["towns"]["新城镇"])
    db.rollback()
    auth.login("xincheng")
    with client.get(f"/town/{ids['released']}/scorecard.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = pdfcheck.pdf_text(response.data)
    assert "新城镇" in text and card.total in text and card.grade in text
    assert card.verification in text


def test_no_pdf_before_release(client, auth, ids):
    auth.login("xincheng")
    assert client.get(f"/town/{ids['scoring']}/scorecard.pdf").status_code == 404


def test_an_administrator_downloads_any_scorecard_and_the_ranking(client, auth, ids):
    auth.login("admin")
    with client.get(f"/admin/assessments/{ids['scoring']}/towns/{ids['towns']['东港镇']}/scorecard.pdf") as r:
        assert r.status_code == 200 and "东港镇" in pdfcheck.pdf_text(r.data)
    with client.get(f"/admin/assessments/{ids['released']}/ranking.pdf") as r:
        text = pdfcheck.pdf_text(r.data)
    assert all(town in text for town in ids["towns"])


def test_all_scorecards_render_in_the_background_with_progress_then_download_as_zip(
        client, auth, ids, settings, redis_ready):
    from rq import SimpleWorker

    auth.login("admin")
    response = client.post(f"/admin/assessments/{ids['released']}/scorecards.zip")
    assert response.status_code == 302
    job_url = response.location
    page = client.get(job_url).get_data(as_text=True)
    assert "job-progress" in page
    queue_connection = jobs.connection(settings)
    SimpleWorker([settings.job_queue], connection=queue_connection).work(burst=True)
    state = client.get(job_url + "/state").get_json()
    assert state["status"] == "finished", state
    assert state["done"] == state["total"] > 0
    with client.get(job_url + "/download") as download:
        archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = archive.namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == len(ids["towns"]) + 1  # cards + ranking
    assert any("新城镇" in n for n in names)


def test_an_unchanged_scorecard_comes_from_the_cache_and_a_new_mark_renders_it_anew(
        client, auth, ids, db, monkeypatch):
    from scoring.services import documents as batch

    rendered = []
    real = batch.render_bounded
    monkeypatch.setattr(batch, "render_bounded", lambda html, seconds: rendered.append(1) or real(html, seconds=seconds))
    url = f"/admin/assessments/{ids['scoring']}/towns/{ids['towns']['新城镇']}/scorecard.pdf"
    auth.login("admin")
    with client.get(url) as first, client.get(url) as second:
        assert first.data == second.data
    assert len(rendered) == 1
    from scoring import services as svc
    from scoring.store.audit import Actor

    svc.record_mark(db, Actor(ids["users"]["sifaju"], "sifaju"), assessment_id=ids["scoring"],
                    town_id=ids["towns"]["新城镇"], item_id="A2", reviewer_id=ids["users"]["sifaju"],
                    inputs={"deductions": [{"rule": "A2-study", "count": 1}]}, expected_version=0)
    with client.get(url) as third:
        assert third.data != first.data
    assert len(rendered) == 2


def test_last_years_total_appears_on_this_years_scorecard(db, ids):
    last = services.town_scorecard(db, ids["released"], ids["towns"]["新城镇"])
    this = services.town_scorecard(db, ids["scoring"], ids["towns"]["新城镇"])
    assert this.previous_total == last.total
    assert last.previous_total == ""  # no 2023 assessment
