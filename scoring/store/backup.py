"""Backups: the database and the evidence files in one archive, with a manifest of checksums.

Consistent while the service runs: the database is copied from one snapshot (SQLite's
online backup API; ``pg_dump``, which reads in one transaction), then the evidence files
it names are copied. Evidence is written under its sha256 before the row naming it commits
and never rewritten, so every file the snapshot names is already complete on disk.
``cp`` of a live WAL database is not a backup (the WAL holds the newest commits).

The archive is a tar file: ``manifest.json`` (format, backend, schema revision, the audit
head, and the sha256 and size of every other member), ``database.sqlite`` or
``database.pgdump`` (``pg_dump -Fc``), ``evidence/<xx>/<sha256>`` and, when the instance
has one, the audit checkpoint file. Restore checks every checksum before it writes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from scoring.store.audit import GENESIS
from scoring.store.models import Appeal, AuditEvent, Blob, EvidenceFile

FORMAT = 1
MANIFEST = "manifest.json"
CHECKPOINTS = "audit-checkpoints.jsonl"


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why (nothing was changed)."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    backend: str
    audit_events: int
    audit_head: str
    evidence_files: int
    missing_evidence: tuple[str, ...]  # named by the database, absent from the evidence folder


def backup(engine: Engine, evidence_dir: Path, out: Path, *, checkpoints: Path | None = None) -> BackupSummary:
    """Write a consistent archive of the database and its evidence to ``out`` (atomically)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scoring-backup-", dir=out.parent) as work:
        work_dir = Path(work)
        backend = engine.dialect.name
        if backend == "sqlite":
            database = work_dir / "database.sqlite"
            _sqlite_copy(engine.url.database or "", database)
            copy = create_engine(f"sqlite:///{database}")
            try:
                with copy.connect() as connection:
                    digests, count, head, revision = _snapshot_facts(connection)
            finally:
                copy.dispose()
        elif backend == "postgresql":
            database = work_dir / "database.pgdump"
            # One snapshot for the dump and for what the manifest says of it: exported by a
            # transaction held open until pg_dump has read everything.
            with engine.connect() as connection:
                connection.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                digests, count, head, revision = _snapshot_facts(connection)
                _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                      "-f", str(database), _libpq_url(engine)])
                connection.rollback()
        else:
            raise BackupError(f"cannot back up a {backend} database")
        members: dict[str, Path] = {database.name: database}
        missing = []
        for digest in sorted(digests):
            source = evidence_dir / digest[:2] / digest
            if source.is_file():
                members[f"evidence/{digest[:2]}/{digest}"] = source
            else:
                missing.append(digest)  # e.g. kept in the database, or lost before this backup
        if checkpoints is not None and checkpoints.is_file():
            members[CHECKPOINTS] = checkpoints
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "backend": "postgresql" if backend == "postgresql" else "sqlite", "schema": revision,
                    "audit_events": count, "audit_head": head, "missing_evidence": missing,
                    "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size}
                              for name, path in members.items()}}
        partial = work_dir / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        partial.replace(out)
    return BackupSummary(out, manifest["backend"], count, head, len(members) - 1 - (CHECKPOINTS in members),
                         tuple(missing))


def read_manifest(archive_path: Path) -> dict:
    """The archive's manifest, after checking every member against its checksum."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            manifest = json.loads(archive.extractfile(MANIFEST).read())
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{archive_path}: not a backup of this format")
            names = {m.name for m in archive.getmembers()} - {MANIFEST}
            if names != set(manifest["files"]):
                raise BackupError(f"{archive_path}: members differ from the manifest")
            for name, expected in manifest["files"].items():
                digest = hashlib.sha256()
                with archive.extractfile(name) as member:
                    for block in iter(lambda: member.read(1 << 20), b""):
                        digest.update(block)
                if digest.hexdigest() != expected["sha256"]:
                    raise BackupError(f"{archive_path}: {name} does not match its checksum")
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{archive_path}: not a readable backup ({exc})") from exc
    return manifest


def restore(archive_path: Path, engine: Engine, evidence_dir: Path, *, checkpoints: Path | None = None,
            force: bool = False, derived: Iterable[Path] = ()) -> dict:
    """Restore an archive into ``engine``'s database and ``evidence_dir``; return its manifest.

    The database must be empty (no tables) unless ``force``; the archive's backend must be
    the target's. Evidence files are written under a temporary name, checked, then renamed.
    Once the database is replaced the ``derived`` folders are deleted: what they keep is found
    by data version (the newest audit id), and after an older backup the same versions come
    again with other data.
    """
    manifest = read_manifest(archive_path)
    backend = "postgresql" if engine.dialect.name == "postgresql" else engine.dialect.name
    if manifest["backend"] != backend:
        raise BackupError(f"the backup is of a {manifest['backend']} database, the target is {backend}")
    if inspect(engine).get_table_names() and not force:
        raise BackupError("the target database is not empty (restore into a new one, or pass --force)")
    with tempfile.TemporaryDirectory(prefix="scoring-restore-") as work, tarfile.open(archive_path) as archive:
        work_dir = Path(work)
        for name in manifest["files"]:
            if name.startswith("evidence/"):
                _restore_file(archive, name, evidence_dir / name.removeprefix("evidence/"),
                              manifest["files"][name]["sha256"])
        if CHECKPOINTS in manifest["files"] and checkpoints is not None and not checkpoints.exists():
            _restore_file(archive, CHECKPOINTS, checkpoints, manifest["files"][CHECKPOINTS]["sha256"])
        database = "database.pgdump" if backend == "postgresql" else "database.sqlite"
        archive.extract(database, work_dir, filter="data")
        engine.dispose()  # no pooled connection may see the old file or hold a lock
        if backend == "postgresql":
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  *(["--clean", "--if-exists"] if force else []), "-d", _libpq_url(engine),
                  str(work_dir / database)])
        else:
            target = Path(engine.url.database or "")
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(str(work_dir / database), target)
    for folder in derived:
        shutil.rmtree(folder, ignore_errors=True)
    return manifest


# -- internals ------------------------------------------------------------------------------


def _sqlite_copy(source: str, target: Path) -> None:
    """Copy one consistent snapshot with SQLite's online backup API (writers may go on)."""
    if not source or source == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    sqlite3.connect(target).close()


def _snapshot_facts(connection) -> tuple[set[str], int, str, str]:
    """(evidence digests named, audit event count, audit head hash, schema revision)."""
    digests = set(connection.execute(select(EvidenceFile.sha256)).scalars())
    digests |= {d for d in connection.execute(select(Appeal.attachment_sha256)).scalars() if d}
    digests -= set(connection.execute(select(Blob.sha256)).scalars())  # in the database: in its dump already
    count = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    head = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    return digests, count, head or GENESIS, revision


def _restore_file(archive: tarfile.TarFile, name: str, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with archive.extractfile(name) as member, partial.open("wb") as file:
        shutil.copyfileobj(member, file)
        file.flush()
        os.fsync(file.fileno())
    if _sha256(partial) != sha256:
        partial.unlink()
        raise BackupError(f"{name} changed while being restored")
    partial.replace(target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as pg_dump/pg_restore read it (no SQLAlchemy driver suffix)."""
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian package postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
