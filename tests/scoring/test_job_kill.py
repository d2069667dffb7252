"""SIGKILL of a real RQ worker in the middle of a batch PDF job (the worker, its work-horse and
its render processes): nothing half-done is visible, the database is as before, and the job
run again completes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from scoring import jobs
from scoring.services.exports import export_bytes, finished_export
from scoring.store.models import AuditEvent, MarkRow
from tests.conftest import ROOT

RQ = Path(sys.executable).with_name("rq")


def _worker(settings) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([str(RQ), "worker", "--burst", "--url", settings.redis_url, settings.job_queue],
                            env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _facts(db) -> tuple:
    db.rollback()
    events = db.execute(select(func.count(), func.max(AuditEvent.id)).select_from(AuditEvent)).one()
    marks = db.execute(select(func.count(), func.sum(MarkRow.version)).select_from(MarkRow)).one()
    return tuple(events), tuple(marks)


def test_a_batch_pdf_job_killed_midway_leaves_nothing_half_done_and_runs_again(settings, db, ids, redis_ready):
    if settings.database_url:
        pytest.skip("the job reads the database either way: one backend suffices (the disk-full and cluster tests cover PostgreSQL's ZIPs in the database)")
    before = _facts(db)
    job_id = jobs.enqueue_assessment_zip(settings, ids["released"])
    worker = _worker(settings)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # kill once some, not all, documents are done
            state = jobs.job_state(settings, job_id)
            if state.status == "started" and 0 < state.done < state.total:
                break
            assert worker.poll() is None, "the worker ended before the kill"
            time.sleep(0.05)
        else:
            pytest.fail(f"the job never got under way: {state}")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker, its work-horse, the render processes
        worker.wait(30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    time.sleep(0.5)
    assert jobs.job_state(settings, job_id).status != "finished"
    db.rollback()
    assert finished_export(db, job_id) is None  # no ZIP recorded for the killed job, whole or half
    for pdf in (settings.instance_path / "pdf-cache").glob("*/*.pdf"):
        assert PdfReader(io.BytesIO(pdf.read_bytes())).pages  # what the cache holds is whole
    assert _facts(db) == before

    retried = jobs.enqueue_assessment_zip(settings, ids["released"])  # the page's "render again"
    again = _worker(settings)
    assert again.wait(300) == 0
    state = jobs.job_state(settings, retried)
    assert state.status == "finished", state
    db.rollback()
    export = finished_export(db, retried)  # the one place a ZIP is served from
    names = zipfile.ZipFile(io.BytesIO(export_bytes(settings, db, export))).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == len(ids["towns"]) + 1
    assert _facts(db) == before
