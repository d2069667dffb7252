"""Secret, cookie flags, upload limit and security headers."""

from __future__ import annotations

from flask import Flask, Response

from scoring.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def configure(app: Flask, settings: Settings) -> None:
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,  # the file plus the form around it
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session: a long scoring day
        SETTINGS=settings,
        TESTING=settings.environment == "test",
    )
    app.json.ensure_ascii = False  # audit values in Chinese, readable
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")  # pages carry scores: never cache them
    return response
