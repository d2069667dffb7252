"""Engines and sessions; SQLite set up so that writes are serialised (never lost) and reads never wait.

On SQLite (WAL) a read transaction needs no lock, so it begins deferred; a write must take
the write lock when it begins (``BEGIN IMMEDIATE``, see ``begin_write``): with a deferred
BEGIN two writers both read, then one loses its write (in a test of 200 concurrent saves,
149 were lost), and a read transaction that later writes fails outright when another
connection committed since it began. PostgreSQL needs none of this (rows are locked).
"""

from __future__ import annotations

import functools
import time
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

# lock_not_available (lock_timeout), deadlock_detected, serialization_failure: retry later.
BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})
_WRITE: ContextVar[bool] = ContextVar("scoring_write_transaction", default=False)
# A pooled PostgreSQL connection idle this long is pinged before use (see ``_ping_after_idle``).
PING_AFTER_IDLE_S = 1.0


def make_engine(url: str, *, lock_timeout_ms: int = 30_000, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> Engine:
    """Return an engine for ``url``; SQLite gets WAL, a busy timeout and deferred reads.

    ``lock_timeout_ms`` bounds the wait for a lock (SQLite's busy timeout, PostgreSQL's
    ``lock_timeout``): the web passes a short one, so a busy database answers "busy, retry"
    (``is_busy``) within seconds instead of holding the request for 30 s. A PostgreSQL
    connection is pinged when it comes out of the pool after ``ping_after_idle_s`` or more.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": lock_timeout_ms / 1000, "check_same_thread": False})
        event.listen(engine, "connect", functools.partial(_sqlite_on_connect, lock_timeout_ms=lock_timeout_ms))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_engine(url, connect_args={"options": f"-c lock_timeout={lock_timeout_ms}"})
    event.listen(engine, "before_cursor_execute", _note_write)
    for ended in ("commit", "rollback"):
        event.listen(engine, ended, _forget_writes)
    event.listen(engine.pool, "checkin", _note_checkin)
    event.listen(engine.pool, "checkout", functools.partial(_ping_after_idle, engine=engine,
                                                            idle_s=ping_after_idle_s))
    return engine


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in"] = time.monotonic()
    record.info.pop(_WROTE, None)  # the pool rolled back whatever was open


_WROTE = "scoring_wrote"  # the connection's open transaction has run something other than a SELECT


def _note_write(connection, _cursor, statement: str, *_args) -> None:
    if not statement.lstrip()[:6].upper() == "SELECT":
        connection.info[_WROTE] = True


def _forget_writes(connection) -> None:
    if not connection.invalidated:  # an invalidated connection's record is gone (and so is what it wrote)
        connection.info.pop(_WROTE, None)


def _ping_after_idle(dbapi_connection, record, _proxy, *, engine: Engine, idle_s: float) -> None:
    """Ping a connection that sat idle in the pool; a dead one is replaced before anyone uses it.

    ``pool_pre_ping`` pings at every check-out: a save checks out twice, so two of its dozen
    round trips were pings. A connection given back a moment ago was alive a moment ago; one
    that sat idle may have been closed by a database restart or an idle timeout. Raising
    DisconnectionError makes the pool discard it and connect again (SQLAlchemy's documented
    pessimistic recipe); a disconnect within the idle window fails that one statement, and
    SQLAlchemy then invalidates the pool's older connections (its optimistic handling).
    """
    last = record.info.get("checked_in")
    if last is not None and time.monotonic() - last < idle_s:
        return
    try:
        engine.dialect.do_ping(dbapi_connection)
    except engine.dialect.loaded_dbapi.Error as exc:
        raise DisconnectionError("connection closed while idle in the pool") from exc


def is_busy(error: BaseException) -> bool:
    """Whether a database error means "locked by another writer, try again" (not a bug)."""
    if not isinstance(error, OperationalError | DBAPIError):
        return False
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    text = str(original or error).lower()
    return "database is locked" in text or "database table is locked" in text or "lock timeout" in text


def _sqlite_on_connect(dbapi_connection, _record, *, lock_timeout_ms: int = 30_000) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" hook issue BEGIN itself
    cursor = dbapi_connection.cursor()
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={int(lock_timeout_ms)}",
                   "PRAGMA synchronous=FULL"):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITE.get() else "BEGIN")


def begin_write(session: Session) -> None:
    """Begin the session's write transaction (on SQLite taking the write lock now).

    A read transaction still open is ended first: it holds nothing to keep, and on SQLite
    it could not become a write once another connection has committed since it began. On
    PostgreSQL an open transaction that has only read goes on as the write (each statement
    of a READ COMMITTED transaction reads what is committed when it runs), which spares the
    save a COMMIT, a BEGIN and a pool check-out.
    """
    if session.in_transaction():
        if not _only_read(session):
            session.commit()
        session.expire_all()  # what was read there may have changed: the write reads it again
    token = _WRITE.set(True)
    try:
        session.connection()  # autobegin: the "begin" hook reads _WRITE
    finally:
        _WRITE.reset(token)


def _only_read(session: Session) -> bool:
    """Whether the session's open transaction is a PostgreSQL one that has written nothing."""
    if session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    return connection.dialect.name == "postgresql" and not connection.info.get(_WROTE)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
