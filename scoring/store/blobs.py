"""File bytes by content hash, behind one interface: on the local disk or in the database.

Every upload, download and generated ZIP goes through a ``BlobStore``: ``put`` returns the
sha256 of the bytes and stores them once (the same content uploaded twice is one blob),
``get`` returns them, ``exists`` and ``delete`` do what they say. Two kinds:

- ``DiskBlobs``: files under a folder (``instance/evidence/ab/abcdef…``), for the embedded
  one-machine default (SQLite). Written under a temporary name and renamed, so readers never
  see half a file.
- ``DatabaseBlobs``: rows of the ``blobs`` table, for several app servers sharing one
  PostgreSQL: nothing that matters lives on one machine's disk. ``put`` joins the caller's
  transaction, so an upload's bytes and its row commit together (or neither does).

Which one an instance uses is the settings' choice (``Settings.blobs_in_database``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.evidence import EvidenceRejected
from scoring.messages import N_
from scoring.store.models import Appeal, Blob, DocumentExport, EvidenceFile


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256."""

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; NotFound if there are none."""

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None:
        """Remove the bytes (nothing happens if there are none). See ``release`` for the safe way."""


class DiskBlobs:
    """Blobs as files under ``root`` (``root/ab/abcdef…``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise NotFound("no such blob")  # never a path built from anything but a hash
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        target = self._path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:8]}-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(partial, target)
            except BaseException as exc:
                Path(partial).unlink(missing_ok=True)  # a full disk leaves nothing half-stored
                if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise EvidenceRejected(N_("存储空间不足，文件未保存，请联系管理员"), code="storage_full") from exc
                raise
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such blob") from None

    def exists(self, digest: str) -> bool:
        try:
            return self._path(digest).is_file()
        except NotFound:
            return False

    def delete(self, digest: str) -> None:
        try:
            self._path(digest).unlink(missing_ok=True)
        except NotFound:
            pass


class DatabaseBlobs:
    """Blobs as rows of ``blobs``, read and written in ``session`` (its transaction).

    ``legacy``, if given, is the disk store an instance used before its bytes moved into
    the database: read from when a blob is not (yet) in the table, never written.
    """

    def __init__(self, session: Session, legacy: DiskBlobs | None = None) -> None:
        self.session, self.legacy = session, legacy

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two servers storing the same bytes at once: the second insert does nothing.
        self.session.execute(insert(Blob).values(sha256=digest, size=len(data), data=data)
                             .on_conflict_do_nothing(index_elements=["sha256"]))
        return digest

    def get(self, digest: str) -> bytes:
        data = self.session.execute(select(Blob.data).where(Blob.sha256 == digest)).scalar_one_or_none()
        if data is None:
            if self.legacy is not None:
                return self.legacy.get(digest)
            raise NotFound("no such blob")
        return bytes(data)

    def exists(self, digest: str) -> bool:
        found = self.session.execute(select(Blob.sha256).where(Blob.sha256 == digest)).first() is not None
        return found or (self.legacy is not None and self.legacy.exists(digest))

    def delete(self, digest: str) -> None:
        self.session.execute(delete(Blob).where(Blob.sha256 == digest))


def copy_disk_blobs(source: DiskBlobs, target: BlobStore) -> int:
    """Copy every file of a disk store into ``target`` (moving to the database); return the count.

    A file whose bytes do not match its name is skipped: it was damaged or put there by hand.
    """
    copied = 0
    for path in sorted(source.root.glob("*/" + "[0-9a-f]" * 64)):
        data = path.read_bytes()
        if digest_of(data) == path.name and not target.exists(path.name):
            target.put(data)
            copied += 1
    return copied


def open_blobs(session: Session, *, root: Path, in_database: bool) -> BlobStore:
    """The instance's blob store: the ``blobs`` table (disk kept for reading older files) or ``root``."""
    return DatabaseBlobs(session, legacy=DiskBlobs(root)) if in_database else DiskBlobs(root)


def referenced(session: Session, digest: str) -> bool:
    """Whether any evidence file, appeal attachment or finished ZIP still names ``digest``."""
    return any(session.execute(select(column).where(column == digest).limit(1)).first() is not None
               for column in (EvidenceFile.sha256, Appeal.attachment_sha256, DocumentExport.sha256))


def release(session: Session, blobs: BlobStore, digest: str) -> bool:
    """Delete the bytes of ``digest`` unless something still refers to them; return whether deleted.

    Blobs are shared by content (two towns may upload the same file), so a row going away
    must never take bytes another row still shows.
    """
    if referenced(session, digest):
        return False
    blobs.delete(digest)
    return True
