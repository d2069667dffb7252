"""Job results come only from the project's storage; documents are right on every machine."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker

from scoring import jobs, services
from scoring.services.documents import scorecard_pdf
from scoring.store import queries
from scoring.store.audit import Actor
from tests import pdfcheck


@pytest.mark.parametrize("forged", ["/etc/passwd", "evidence"])
def test_a_job_result_forged_in_redis_is_never_served(client, auth, ids, settings, db, redis_ready, forged):  # noqa: F811
    """Anyone who can write to Redis can make a job "finish" with any result: the download
    must not serve the file it names, nor another stored blob (a town's evidence)."""
    if forged == "evidence":  # the hash of a real blob of the store: a town's evidence file
        forged = queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])[0].sha256
        assert services.blob_store(settings, db).exists(forged)
        db.rollback()
    queue = Queue(settings.job_queue, connection=jobs.connection(settings))
    job = queue.enqueue("builtins.str", forged)  # a job whose result is the forged value
    job.meta.update({"done": 9, "total": 9, "assessment_id": ids["released"]})
    job.save_meta()
    SimpleWorker([settings.job_queue], connection=jobs.connection(settings)).work(burst=True)
    assert job.return_value(refresh=True) == forged
    auth.login("admin")
    assert client.get(f"/admin/jobs/{job.id}/state").get_json()["status"] == "finished"
    with client.get(f"/admin/jobs/{job.id}/download") as download:
        assert download.status_code == 404
        assert b"root:" not in download.data and download.mimetype != "application/zip"


def test_a_scorecard_cached_on_one_server_is_never_stale_on_another(settings, db, ids, tmp_path):
    """Each machine keeps its own PDF cache; keyed by content and by the shared data version,
    a save through one server shows on the next scorecard from the other."""
    other = settings.model_copy(update={"instance_path": tmp_path / "server-b",
                                        "database_url": settings.sqlalchemy_url})
    town, assessment = ids["towns"]["新城镇"], ids["scoring"]
    before_a = pdfcheck.pdf_text(scorecard_pdf(settings, db, assessment, town))
    db.rollback()
    assert pdfcheck.pdf_text(scorecard_pdf(other, db, assessment, town)) == before_a
    db.rollback()
    reviewer = ids["users"]["sifaju"]
    services.record_mark(db, Actor(reviewer, "sifaju"), assessment_id=assessment, town_id=town, item_id="A2",
                         reviewer_id=reviewer, inputs={"deductions": [{"rule": "A2-study", "count": 1}]},
                         expected_version=0)
    after_b = pdfcheck.pdf_text(scorecard_pdf(other, db, assessment, town))
    db.rollback()
    after_a = pdfcheck.pdf_text(scorecard_pdf(settings, db, assessment, town))
    assert after_a == after_b != before_a
