"""Extensions, created unbound and bound in ``init_app``: sign-in, CSRF, translations."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from scoring.settings import Settings
from scoring.store import queries

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
LOCALES = ("zh", "en")


class SignedInUser(UserMixin):
    """The signed-in user as the web layer sees it (no ORM object kept across requests)."""

    def __init__(self, row) -> None:
        self.user_id = row.id
        self.username = row.username
        self.display_name = row.display_name
        self.role = row.role
        self.department = row.department
        self.town_id = row.town_id
        self.session_version = row.session_version

    def get_id(self) -> str:
        # The session version is part of the id: bumping it (logout, disable, role change)
        # makes every existing session resolve to nobody.
        return f"{self.user_id}:{self.session_version}"


def _load_user(token: str) -> SignedInUser | None:
    from web.db import get_session

    user_id, _, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = queries.signed_in_user(get_session(), int(user_id))  # columns only: every request does this
    if row is None or not row.active or row.session_version != int(version):
        return None
    return SignedInUser(row)


def _select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "zh" if request else "zh"


def init_app(app: Flask, settings: Settings) -> None:
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config["BABEL_DEFAULT_LOCALE"] = settings.default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = "translations"
    babel.init_app(app, locale_selector=_select_locale)
