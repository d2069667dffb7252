"""Record refused requests (403, 404 on an object out of reach, 409 stale edit) as security events.

Written in a session of their own (the request's may be mid-failure), bounded per IP by
``scoring.store.security_events``; a database too busy to take one never turns the
refusal into an error: the event then only goes to the log.
"""

from __future__ import annotations

import logging

from flask import current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from scoring.store.security_events import Attempt, record_attempt

log = logging.getLogger("scoring.security")


def note(kind: str, status: int, detail: dict | None = None) -> None:
    from flask_login import current_user

    user_id = getattr(current_user, "user_id", None)
    attempt = Attempt(kind=kind, status=status, ip=request.remote_addr or "", user_id=user_id,
                      username=getattr(current_user, "username", "") or "", method=request.method,
                      route=request.endpoint or "", path=request.path, request_id=g.get("request_id", ""),
                      detail=detail)
    log.warning("refused", extra={"fields": {"event": "access.refused", "kind": kind, "status": status, "path": attempt.path[:300],
                                              "ip": attempt.ip, "user": attempt.username or None,
                                              "request_id": attempt.request_id}})
    try:
        with current_app.extensions["session_factory"]() as session:
            if not record_attempt(session, attempt):
                log.info("security event not stored: budget of %s spent", attempt.ip)
    except SQLAlchemyError:
        log.exception("security event not stored")


def refused_value() -> dict:
    """What the refused request carried (a stale save's inputs), so it is kept on the server."""
    body = request.get_json(silent=True)
    if body is None:
        body = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return {"refused": body}
