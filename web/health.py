"""Operations: health and readiness, a request id on every request, JSON log lines."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import text

from scoring.store import audit
from scoring.store.migrate import MIGRATIONS

bp = Blueprint("health", __name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("scoring.requests")


@bp.get("/healthz")
def healthz():
    """The process answers (liveness): nothing else is checked."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready for traffic: the database answers and its schema is the newest migration."""
    checks = {"database": False, "migrations": False}
    try:
        with current_app.extensions["engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = True
            heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
            checks["migrations"] = set(MigrationContext.configure(connection).get_current_heads()) == heads
    except Exception:  # noqa: BLE001 - any failure means "not ready"; the log says which
        log.exception("readiness check failed")
    ready = all(checks.values())
    return jsonify({"status": "ready" if ready else "unavailable", **checks}), 200 if ready else 503


class JsonFormatter(logging.Formatter):
    """One JSON object per line; user text stays inside a string, so no line can be forged."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()[:2000],
                 "request_id": audit.request_id.get()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the app's, the store's and these loggers (once per process)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    # Our loggers at INFO (requests, security events); libraries keep the root's WARNING.
    logging.getLogger("scoring").setLevel(logging.INFO)
    app.logger.handlers.clear()  # Flask's own handler would print a second, plain line
    app.logger.propagate = True


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.register_blueprint(bp)
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_forget)


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_token = audit.request_id.set(g.request_id)
    g.request_started = time.monotonic()


def _end(response):
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
        if request.endpoint not in ("health.healthz", "static"):
            log.info("request", extra={"fields": {
                "method": request.method, "path": request.path[:300], "status": response.status_code,
                "ms": round((time.monotonic() - g.request_started) * 1000, 1), "ip": request.remote_addr}})
    return response


def _forget(_exc: BaseException | None = None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        audit.request_id.reset(token)
