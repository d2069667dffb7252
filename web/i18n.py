"""Translate the core's messages (``scoring.messages.Message``) into the reader's language."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_translations

from scoring.messages import Message


def translate(message: Message | str) -> str:
    """The message in the current locale with its parameters filled in (message parameters
    translated too, e.g. a field's name); plain text passes through."""
    if isinstance(message, Message):
        return message.format(get_translations().gettext(message.id), translate)
    return str(message)


def init_app(app: Flask) -> None:
    """``{{ problem.message|t }}`` in templates."""
    app.jinja_env.filters["t"] = translate
