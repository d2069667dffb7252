"""Evidence bytes behind one interface: on disk for SQLite, in the database on PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from sqlalchemy import func, select

from scoring import services
from scoring.errors import NotFound
from scoring.store import blobs as blob_module
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM
from scoring.store.models import Blob


def report_bytes() -> bytes:
    """A small text report, different in every test (so counts see only this test's bytes)."""
    return f"一、法律顾问\n镇政府聘请法律顾问一名。编号 {uuid.uuid4().hex}\n".encode()


def stored_copies(settings, db, digest: str) -> int:
    """How many copies of ``digest`` the instance holds: rows in ``blobs`` plus files on disk."""
    rows = db.execute(select(func.count()).select_from(Blob).where(Blob.sha256 == digest)).scalar_one()
    files = len(list(settings.evidence_path.glob(f"*/{digest}")))
    return rows + files


def upload(client, auth, assessment_id: int, user: str, name: str, data: bytes):
    auth.logout()
    auth.login(user)
    return client.post(f"/town/{assessment_id}/evidence", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_upload_is_stored_once_by_content_and_downloads_byte_for_byte(client, auth, ids, db, settings):
    operations.set_phase(db, SYSTEM, ids["scoring"], "submission", reason="补交材料")
    data = report_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert upload(client, auth, ids["scoring"], "xincheng", "补充报告.txt", data).status_code == 302
    assert upload(client, auth, ids["scoring"], "xincheng", "补充报告（重传）.txt", data).status_code == 302
    assert upload(client, auth, ids["scoring"], "donggang", "东港补充.txt", data).status_code == 302
    db.rollback()
    rows = [r for town in ("新城镇", "东港镇") for r in queries.evidence_files(db, ids["scoring"], ids["towns"][town])
            if r.sha256 == digest]
    assert len(rows) == 3  # three uploads, as the towns see them
    assert stored_copies(settings, db, digest) == 1  # one blob
    in_database = settings.sqlalchemy_url.startswith("postgresql")
    assert db.get(Blob, digest) is not None if in_database else (settings.evidence_path / digest[:2] / digest).is_file()
    if in_database:  # nothing of it on this machine's disk
        assert not list(settings.evidence_path.glob(f"*/{digest}"))
    mine = next(r for r in rows if r.town_id == ids["towns"]["新城镇"])
    with client.get(f"/town/{ids['scoring']}/evidence/{rows[-1].id}") as other_town:
        assert other_town.status_code == 200  # donggang's own copy
    auth.logout()
    auth.login("xincheng")
    with client.get(f"/town/{ids['scoring']}/evidence/{mine.id}") as download:
        assert download.status_code == 200 and download.data == data


@pytest.mark.parametrize("kind", ["disk", "database"])
def test_put_get_exists_delete_and_release_keeps_bytes_still_in_use(db, ids, settings, kind):
    settings = settings.model_copy(update={"blob_storage": kind})
    store = services.blob_store(settings, db)
    assert isinstance(store, blob_module.DatabaseBlobs if kind == "database" else blob_module.DiskBlobs)
    data = report_bytes()
    digest = store.put(data)
    assert store.put(data) == digest == hashlib.sha256(data).hexdigest()  # the same bytes: once
    db.commit()
    assert store.exists(digest) and store.get(digest) == data
    assert stored_copies(settings, db, digest) == 1
    operations.set_phase(db, SYSTEM, ids["scoring"], "submission", reason="补交材料")
    row = operations.add_evidence(db, SYSTEM, assessment_id=ids["scoring"], town_id=ids["towns"]["新城镇"],
                                  name="a.txt", kind="txt", data=data, passages=[], blobs=store)
    assert row.sha256 == digest
    assert blob_module.release(db, store, digest) is False  # an evidence file still shows it
    db.commit()
    assert store.get(digest) == data
    store.delete(digest)
    db.commit()
    assert not store.exists(digest)
    with pytest.raises(NotFound):
        store.get(digest)
    store.delete(digest)  # deleting what is gone does nothing
    unused = store.put(report_bytes())
    assert blob_module.release(db, store, unused) is True and not store.exists(unused)


def test_a_blob_is_asked_for_by_its_hash_only(settings):
    store = blob_module.DiskBlobs(settings.evidence_path)
    for name in ("../../etc/passwd", "/etc/passwd", "AB" * 32, ""):
        assert not store.exists(name)
        with pytest.raises(NotFound):
            store.get(name)



def test_files_kept_on_disk_move_into_the_database_with_the_cli(settings, db, monkeypatch):
    from click.testing import CliRunner

    from scoring.cli import main as cli

    disk = blob_module.DiskBlobs(settings.evidence_path)
    data = report_bytes()
    digest = disk.put(data)
    monkeypatch.setenv("INSTANCE_PATH", str(settings.instance_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["evidence", "to-database"])
    assert result.exit_code == 0, result.output
    assert int(result.output.split()[0]) >= 1
    db.rollback()
    assert blob_module.DatabaseBlobs(db).get(digest) == data  # without reading the disk
    again = CliRunner().invoke(cli, ["evidence", "to-database"])
    assert again.output.startswith("0 files")
