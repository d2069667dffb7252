"""Translate the core's messages (``scoring.messages.Message``) into the reader's language."""

from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_babel import get_translations

from scoring.messages import Message


def translate(message: Message | str) -> str:
    """The message in the current locale with its parameters filled in (message parameters
    translated too, e.g. a field's name); plain text passes through."""
    if isinstance(message, Message):
        return message.format(_catalog().gettext(message.id), translate)
    return str(message)


def _catalog():
    """The request's translations, looked up once per request: a page may translate thousands
    of messages (every passage's place), and Flask-Babel's lookup costs more than the gettext."""
    if not has_request_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def init_app(app: Flask) -> None:
    """``{{ problem.message|t }}`` in templates."""
    app.jinja_env.filters["t"] = translate
