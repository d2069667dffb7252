"""Devices that signed in before: a signed cookie naming the account, so throttling by IP
never locks the account's owner out on a device they used before."""

from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "device"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def known_device(username: str) -> str:
    """The device id from this request's cookie if it names ``username``, else ""."""
    value = request.cookies.get(COOKIE, "")
    if not value or len(value) > 4096:
        return ""
    try:
        data = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("u") != username or not isinstance(data.get("d"), str):
        return ""
    return data["d"][:32]


def remember(response: Response, username: str) -> Response:
    """After a successful sign-in: this device is known for ``username`` from now on."""
    device = known_device(username) or secrets.token_hex(16)
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps({"u": username, "d": device}), max_age=MAX_AGE,
                        httponly=True, secure=config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response
