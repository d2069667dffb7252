"""A full disk (a real, tiny tmpfs): an upload says so plainly, nothing is half-stored, the
temporary file is gone and the next upload works; a PDF the cache cannot hold is still served
(a scorecard, the ranking, the ZIP of them all); a ZIP the blob store cannot hold fails with
a reason and nothing half-stored, and is made once there is room again."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import zipfile

import pytest
from sqlalchemy import func, select

from scoring import jobs
from scoring.store.models import AuditEvent, Blob, DocumentExport, EvidenceFile
from tests import pdfcheck
from tests.web.test_town import open_submission

ON_DISK_ONLY_ON_SQLITE = "on PostgreSQL evidence and ZIPs are kept in the database, not on this disk"


@pytest.fixture
def tiny_disk(settings):
    """Mount a small tmpfs (64 KiB unless told) where the test names (root only; else skipped)."""
    mounted = []

    def mount(path, size: str = "64k"):
        if path.is_symlink():
            path.unlink()
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder) -> None:
    """Fill the disk of ``folder`` to the last byte (``folder/filler``; delete it to free the disk)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (65536, 4096, 1):  # unbuffered: every byte that fits is written
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def _count(db, model, *where) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_an_upload_on_a_full_disk_is_refused_plainly_and_leaves_nothing(client, auth, ids, db, settings,
                                                                        tiny_disk):
    if settings.database_url:
        pytest.skip(ON_DISK_ONLY_ON_SQLITE)
    storage = tiny_disk(settings.evidence_path)
    open_submission(db, ids)
    files, events = _count(db, EvidenceFile), _count(db, AuditEvent, AuditEvent.action == "evidence.add")
    auth.login("xincheng")
    big = ("2025年法治政府建设工作台账，第%05d条记录。\n" * 6000).encode()  # ~300 KB, over the 64 KiB disk
    response = client.post(f"/town/{ids['scoring']}/evidence", data={"file": (io.BytesIO(big), "台账.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 507
    assert "存储空间不足，文件未保存" in response.get_data(as_text=True)
    assert list(storage.rglob("*.part")) == [] and not any(p.is_file() for p in storage.rglob("*"))
    assert _count(db, EvidenceFile) == files and _count(db, AuditEvent, AuditEvent.action == "evidence.add") == events

    small = "2025年新城镇法律顾问工作台账\n\n全年出具法律意见书12份。".encode()
    later = client.post(f"/town/{ids['scoring']}/evidence", data={"file": (io.BytesIO(small), "法律顾问台账.txt")},
                        content_type="multipart/form-data")
    assert later.status_code == 302
    assert _count(db, EvidenceFile) == files + 1


def test_a_scorecard_whose_cache_is_full_is_still_served_and_cached_once_there_is_room(client, auth, ids,
                                                                                     settings, tiny_disk):
    cache = tiny_disk(settings.instance_path / "pdf-cache", "1m")  # room for a scorecard, once freed
    (cache / "filler").write_bytes(b"\0" * 1000 * 1024)  # the cache's disk is (almost) full
    auth.login("admin")
    url = f"/admin/assessments/{ids['scoring']}/towns/{ids['towns']['东港镇']}/scorecard.pdf"
    first = client.get(url)
    assert first.status_code == 200 and "东港镇" in pdfcheck.pdf_text(first.data)
    assert not list(cache.rglob("*.pdf")) and not list(cache.rglob(".tmp-*"))
    (cache / "filler").unlink()
    again = client.get(url)
    assert again.status_code == 200 and list(cache.rglob("*.pdf"))


def _no_pdf_in(cache) -> bool:
    return not list(cache.rglob("*.pdf")) and not list(cache.rglob(".tmp-*"))


def test_the_ranking_pdf_on_a_full_cache_disk_is_served_and_cached_once_there_is_room(client, auth, ids,
                                                                                     tiny_disk, settings):
    cache = tiny_disk(settings.instance_path / "pdf-cache", "2m")
    fill(cache)
    auth.login("admin")
    url = f"/admin/assessments/{ids['released']}/ranking.pdf"
    first = client.get(url)
    assert first.status_code == 200 and all(town in pdfcheck.pdf_text(first.data) for town in ids["towns"])
    assert _no_pdf_in(cache)
    (cache / "filler").unlink()
    again = client.get(url)
    assert again.status_code == 200 and again.data == first.data and list(cache.rglob("*.pdf"))


def _zip_job(client, settings, assessment_id: int) -> tuple[str, dict]:
    """Ask for the ZIP as the page does, run the queue, return the job's page address and state."""
    from rq import SimpleWorker

    response = client.post(f"/admin/assessments/{assessment_id}/scorecards.zip")
    assert response.status_code == 302
    SimpleWorker([settings.job_queue], connection=jobs.connection(settings)).work(burst=True)
    return response.location, client.get(response.location + "/state").get_json()


def test_the_zip_on_a_full_cache_disk_is_made_and_downloads_whole(client, auth, ids, settings, tiny_disk,
                                                                 redis_ready):  # noqa: F811 - the fixture
    cache = tiny_disk(settings.instance_path / "pdf-cache", "4m")
    fill(cache)
    auth.login("admin")
    job, state = _zip_job(client, settings, ids["released"])
    assert state["status"] == "finished", state
    with client.get(job + "/download") as download:
        names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == len(ids["towns"]) + 1
    assert _no_pdf_in(cache)
    (cache / "filler").unlink()
    _, state = _zip_job(client, settings, ids["released"])
    assert state["status"] == "finished" and list(cache.rglob("*.pdf"))


def test_a_zip_the_full_blob_store_cannot_hold_fails_with_its_reason_and_is_made_once_there_is_room(
        client, auth, ids, db, settings, tiny_disk, redis_ready):
    if settings.database_url:
        pytest.skip(ON_DISK_ONLY_ON_SQLITE)
    storage = tiny_disk(settings.evidence_path, "4m")
    fill(storage)
    exports, blobs = _count(db, DocumentExport), _count(db, Blob)
    auth.login("admin")
    job, state = _zip_job(client, settings, ids["released"])
    assert state["status"] == "failed" and "存储空间不足，ZIP 未保存" in state["message"]
    page = client.get(job)
    assert page.status_code == 200 and "存储空间不足，ZIP 未保存" in page.get_data(as_text=True)
    assert client.get(job + "/download").status_code == 404
    assert [p.name for p in storage.rglob("*") if p.is_file()] == ["filler"]  # no part of the ZIP left
    assert (_count(db, DocumentExport), _count(db, Blob)) == (exports, blobs)

    (storage / "filler").unlink()
    job, state = _zip_job(client, settings, ids["released"])
    assert state["status"] == "finished", state
    with client.get(job + "/download") as download:
        assert download.status_code == 200
        assert len(zipfile.ZipFile(io.BytesIO(download.data)).namelist()) == len(ids["towns"]) + 1
    assert _count(db, DocumentExport) == exports + 1
