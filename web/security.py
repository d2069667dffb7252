"""Secret, cookie flags, upload limit, session timeouts, id bounds and security headers."""

from __future__ import annotations

import time

from flask import Flask, Response, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from scoring.errors import InvalidInput
from scoring.messages import N_
from scoring.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# The largest id column value: ids are INTEGER on PostgreSQL (a larger id overflows the query,
# a 500), so a larger id names nothing on either backend.
MAX_ID = 2**31 - 1
CACHEABLE = {"static", "town.report_css"}


class BoundedInt(IntegerConverter):
    """``<int:…>`` that does not match past MAX_ID: such a URL is a 404 before any query."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def form_id(value: str | None) -> int | None:
    """An id typed into a form: ASCII digits up to MAX_ID, else None (it names nothing).

    ``str.isdigit`` alone passes "²" and "１", and an id past MAX_ID overflows the query (a 500).
    """
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def configure(app: Flask, settings: Settings) -> None:
    app.url_map.converters["int"] = BoundedInt  # before any blueprint adds its rules
    if settings.trusted_proxies:
        # Behind N proxies, the client's address is the Nth from the right of X-Forwarded-For:
        # login throttling, security events and logs then see the client, not the proxy.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.from_mapping(
        SECRET_KEY=settings.session_secret(),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,  # the file plus the form around it
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.cookies_secure,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session: a long scoring day
        SETTINGS=settings,
        TESTING=settings.environment == "test",
    )
    app.json.ensure_ascii = False  # audit values in Chinese, readable
    app.before_request(_session_timeouts)
    app.before_request(_refuse_control_characters_in_file_names)
    app.after_request(_headers)


def start_session() -> None:
    """Called at sign-in: the absolute and the idle clocks start now."""
    session["signed_in_at"] = session["seen_at"] = int(time.time())


def _session_timeouts() -> None:
    """End a session idle too long or older than the absolute limit (checked on the server's clock)."""
    if "_user_id" not in session:
        return
    settings = _settings()
    now = int(time.time())
    started, seen = session.get("signed_in_at", 0), session.get("seen_at", 0)
    if now - started > settings.session_max_hours * 3600 or now - seen > settings.session_idle_minutes * 60:
        language = session.get("lang")
        session.clear()  # Flask-Login finds no user: the page asks to sign in again
        if language:
            session["lang"] = language
        return
    if now - seen >= 60:  # rewrite the cookie at most once a minute
        session["seen_at"] = now


def _settings() -> Settings:
    from flask import current_app

    return current_app.config["SETTINGS"]


def _refuse_control_characters_in_file_names() -> None:
    """A NUL or control character in an uploaded file's name is refused before any view sees it."""
    if request.method != "POST" or not request.content_type or "multipart" not in request.content_type:
        return
    for upload in request.files.values():
        name = upload.filename or ""
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise InvalidInput("file", N_("文件名含有控制字符，请重命名后再上传"))


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in CACHEABLE:
        # Pages, PDFs and evidence carry scores: never kept by a browser or a proxy
        # (send_file's own "no-cache" would still let them be stored).
        response.headers["Cache-Control"] = "no-store"
    return response
