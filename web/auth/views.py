"""Sign in and out, and the choice of language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from scoring.store import operations
from web.auth import devices
from web.db import get_session
from web.extensions import LOCALES, SignedInUser
from web.permissions import actor
from web.security import start_session

bp = Blueprint("auth", __name__)
HOME = {"admin": "admin.dashboard", "reviewer": "review.dashboard", "town": "town.dashboard"}


@bp.get("/")
def index():
    """Send a signed-in user to their role's home page, anyone else to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for(HOME[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; failures are throttled per (IP or known device, account) and per IP."""
    error = None
    if request.method == "POST":
        settings = _settings()
        username = request.form.get("username", "").strip()
        user = operations.authenticate(
            get_session(), username, request.form.get("password", ""),
            remote_addr=request.remote_addr or "", device=devices.known_device(username),
            max_failures=settings.login_max_failures, ip_budget=settings.login_ip_budget,
            lockout_minutes=settings.login_lockout_minutes)
        if user is not None:
            _fresh_session()  # no fixation: nothing of the signed-out session survives but the language
            login_user(SignedInUser(user))
            start_session()
            return devices.remember(redirect(url_for(HOME[user.role])), user.username)
        error = _("用户名或密码错误")
    return render_template("auth/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere this session was valid: the session version is bumped."""
    operations.end_sessions(get_session(), actor(), current_user.user_id)
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


def _fresh_session() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@bp.post("/lang/<code>")
def set_language(code: str):
    if code in LOCALES:
        session["lang"] = code
    target = request.form.get("next", "")
    return redirect(target if same_site_path(target) else url_for("auth.index"))


def same_site_path(target: str) -> bool:
    """Whether ``target`` is a path on this site. Browsers drop tabs and newlines from a URL and
    read a backslash as ``/``, so "/<tab>/evil.example" would leave the site: both are refused."""
    if not target.startswith("/") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not target.startswith("//") and not parts.scheme and not parts.netloc


def _settings():
    from flask import current_app

    return current_app.config["SETTINGS"]
