"""A full disk (a real, tiny tmpfs): an upload says so plainly, nothing is half-stored, the
temporary file is gone and the next upload works; a PDF the cache cannot hold is still served."""

from __future__ import annotations

import io
import subprocess

import pytest
from sqlalchemy import func, select

from scoring.store.models import AuditEvent, EvidenceFile
from tests import pdfcheck
from tests.web.test_town import open_submission


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


def _count(db, model, *where) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_an_upload_on_a_full_disk_is_refused_plainly_and_leaves_nothing(client, auth, ids, db, settings,
                                                                        tiny_disk):
    if settings.database_url:
        pytest.skip("evidence files are on the local disk on both backends: one run suffices")
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
    if settings.database_url:
        pytest.skip("the PDF cache is on the local disk on both backends: one run suffices")
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
