"""Figures too slow for a page view, computed in the background after the data changed.

The ranking's sensitivity computes several rankings (0.3–0.7 s at 2,000 towns): inside the
request it made the administrator's page miss its 150 ms. A page asks ``newest`` instead: it
gets the figure at the current data version if one was computed, else the newest one known,
marked as not current, and the computation of the current version is started in a thread of
this process (one at a time per figure: views during it start none, but make it pass once
more, which computes again only if the data moved on). The computation opens its own session from the
factory it is given. What a computation found is also written to the instance's folder
(``configure``; the web app sets it), so the other workers and a restart show it at once.

A computation that fails is logged and remembered for its version, so it is not retried
until the data change; the page says it could not be computed. ``settle`` waits for what is
running (tests, and a clean shutdown).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from scoring.services import pickled
from scoring.store import queries

log = logging.getLogger(__name__)

_FORMAT = "figure-1"  # change when Computed's shape changes, so old files are never read
_KEEP = 32  # figures kept in memory and in the folder
_folder: Path | None = None
_lock = threading.Lock()
_known: OrderedDict[str, Computed] = OrderedDict()
_running: dict[str, threading.Thread] = {}
_asked: set[str] = set()  # figures a page asked for since their computation's pass began
_seen: dict[str, tuple[int, int]] = {}  # key -> the folder's file (``_stamp``) when last read or written


@dataclass(frozen=True)
class Computed:
    value: object | None  # None when the computation failed
    version: int  # the data version it was computed at (read before the data it used)
    at: datetime  # when the computation read that version (UTC, as the store's times)
    failed: bool = False


@dataclass(frozen=True)
class Figure:
    """What a page shows: ``value`` is None when nothing was computed yet."""

    value: object | None
    current: bool  # computed at the data version the page reads
    failed: bool  # the computation of the current version failed (the log says why)
    at: datetime | None  # when the data it shows were read (UTC)

    @property
    def computing(self) -> bool:
        """A figure that is not current is being computed (``newest`` started it)."""
        return not self.current


def configure(folder: Path | None) -> None:
    """Where computed figures are shared between the workers (the instance's own folder)."""
    global _folder
    _folder = folder


def clear() -> None:
    """Forget what this process computed (tests)."""
    settle()
    with _lock:
        _known.clear()
        _asked.clear()
        _seen.clear()


def newest(session: Session, factory: sessionmaker[Session], assessment_id: int, name: str,
           compute: Callable[[Session, int], object]) -> Figure:
    """The figure ``name`` of the assessment for a page: current if it was computed at the data
    version ``session`` reads, else the newest known (and its computation started)."""
    version = queries.data_version(session)
    key = _key(session, assessment_id, name)
    known = _newest_known(key)
    if known is not None and known.version == version:
        return Figure(known.value, True, known.failed, known.at)
    _start(key, factory, assessment_id, compute)
    # A newer one than the data (a database restored from a backup) is not shown at all.
    shown = known if known is not None and known.version < version and not known.failed else None
    return Figure(shown.value if shown else None, False, False, shown.at if shown else None)


def settle(timeout: float = 60.0) -> None:
    """Wait until no computation runs (each restarts itself while the data moved on)."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            running = list(_running.values())
        if not running:
            return
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            return


def _key(session: Session, assessment_id: int, name: str) -> str:
    url = session.get_bind().url.render_as_string(hide_password=True)
    return hashlib.sha256(f"{_FORMAT}|{url}|{assessment_id}|{name}".encode()).hexdigest()


def _newest_known(key: str) -> Computed | None:
    """This process's figure, or the folder's if another process wrote a newer one since."""
    with _lock:
        mine = _known.get(key)
    filed = _filed(key)
    if filed is not None and (mine is None or filed.version > mine.version or filed.at > mine.at):
        _remember(key, filed, write=False)
        return filed
    return mine


def _filed(key: str) -> Computed | None:
    """The folder's figure if its file changed since this process last read or wrote it."""
    if _folder is None:
        return None
    path = _folder / f"{key}.pickle"
    try:
        stamp = _stamp(path)
    except OSError:
        return None
    with _lock:
        if _seen.get(key) == stamp:
            return None  # unpickling 2,000 towns' flags on every view cost ~15 ms
        _seen[key] = stamp
    return pickled.read(path, Computed)


def _stamp(path: Path) -> tuple[int, int]:
    """Which file this is: each write is a new file renamed over the old (a new inode)."""
    found = path.stat()
    return found.st_ino, found.st_mtime_ns


def _remember(key: str, found: Computed, *, write: bool = True) -> None:
    with _lock:
        _known[key] = found
        _known.move_to_end(key)
        while len(_known) > _KEEP:
            _known.popitem(last=False)
    if write and _folder is not None and not found.failed and pickled.write(_folder, key, found, keep=_KEEP):
        try:
            stamp = _stamp(_folder / f"{key}.pickle")
        except OSError:
            return
        with _lock:
            _seen[key] = stamp  # our own file: nothing new to read


def _start(key: str, factory: sessionmaker[Session], assessment_id: int,
           compute: Callable[[Session, int], object]) -> None:
    with _lock:
        _asked.add(key)
        if key in _running:
            return  # it makes another pass, as it was asked again meanwhile
        thread = threading.Thread(target=_run, args=(key, factory, assessment_id, compute),
                                  name=f"figure-{assessment_id}", daemon=True)
        _running[key] = thread
    thread.start()


def _run(key: str, factory: sessionmaker[Session], assessment_id: int,
         compute: Callable[[Session, int], object]) -> None:
    """Passes until no page asked during the last one; a pass computes the figure at the data
    version it reads, unless that one is known (so a pass with no new data costs one query)."""
    try:
        while True:
            with _lock:
                _asked.discard(key)  # what was asked so far, this pass answers
            _pass(key, factory, assessment_id, compute)
            with _lock:
                if key not in _asked:
                    _running.pop(key, None)  # under the lock: a page asking now starts a new thread
                    return
    except BaseException:
        with _lock:
            _running.pop(key, None)
        raise


def _pass(key: str, factory: sessionmaker[Session], assessment_id: int,
          compute: Callable[[Session, int], object]) -> None:
    session = factory()
    engine = session.get_bind()
    pool = engine.pool  # before this pass checks a connection out of it
    try:
        version, at = queries.data_version(session), datetime.now(UTC)  # read first: the data read after are as new
        known = _newest_known(key)
        if known is not None and known.version == version:
            return
        try:
            found = Computed(compute(session, assessment_id), version, at)
        except Exception:  # noqa: BLE001 - logged; the page says it could not be computed
            log.exception("computing a figure of assessment %s failed", assessment_id)
            found = Computed(None, version, at, failed=True)
        _remember(key, found)
    finally:
        session.close()
        if engine.pool is not pool:  # the engine was disposed meanwhile: the connection went back to
            pool.dispose()  # the old pool, which nothing closes (an app's tests dispose theirs at the end)
