"""Content-addressed PDF cache: a rendered document is stored under the hash of what made it.

The key is the sha256 of the document's HTML together with a fingerprint of everything else
the PDF depends on (the stylesheets, the fonts, the WeasyPrint version), so an unchanged
scorecard is read back from disk instead of rendered again, and a changed mark, template,
stylesheet or font can never be answered with a stale file. Files are written atomically
(temporary file + rename), so concurrent workers and web processes may share the folder.
The cache is only a cache: when its disk is full, ``keep`` declines and the caller serves
the bytes it holds (no document fails for want of cache room).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
_INPUTS = ("base.css", "scorecard.css", "fonts/SHA256SUMS")
log = logging.getLogger(__name__)


@functools.cache
def renderer_fingerprint() -> str:
    """Hash of the bundled stylesheets, the font checksums and the WeasyPrint version."""
    digest = hashlib.sha256(f"weasyprint {version('weasyprint')}\n".encode())
    for name in _INPUTS:
        digest.update(name.encode() + b"\0" + (STATIC_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()


def content_key(*parts: str) -> str:
    """The cache key of a document made of ``parts`` (its HTML, or the HTML of each part)."""
    digest = hashlib.sha256(renderer_fingerprint().encode())
    for part in parts:
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: no ambiguity
    return digest.hexdigest()


class PdfCache:
    """PDFs on disk under ``root``, one file per key (``ab/abcdef….pdf``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        """The cached bytes of ``key``, or None (a hit counts as a use for ``prune``)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except FileNotFoundError:
            return None
        return data

    def put(self, key: str, data: bytes) -> Path:
        """Store ``data`` under ``key`` atomically; return its path."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def keep(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` if the disk lets us; False when it does not (full disk,
        logged): the caller keeps the bytes in memory. Nothing half-written is left either way."""
        try:
            self.put(key, data)
        except OSError:
            log.exception("PDF not cached (disk full?)")
            return False
        return True

    def get_or_render(self, html: str, render: Callable[[str], bytes]) -> bytes:
        """The PDF of ``html``: from the cache, or rendered by ``render`` and stored."""
        key = content_key(html)
        data = self.get(key)
        if data is None:
            data = render(html)
            self.keep(key, data)
        return data

    def prune(self, max_bytes: int) -> int:
        """Delete the least recently used files until the cache holds ``max_bytes``; return the count."""
        files = []
        for path in self.root.glob("*/*.pdf"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # pruned by another process meanwhile
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed
