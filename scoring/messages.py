"""Messages for people, as ids the shells translate: the core never formats text for one language.

A message id is the Chinese text (Chinese is the source language of the UI), with
``%(name)s`` placeholders for its parameters. ``N_("…", name=value)`` marks it for
extraction (``scripts/i18n.sh`` passes ``-k N_``) and returns a ``Message``. ``str()``
of a message is its Chinese text (what the CLI prints); the web renders it in the
reader's language with ``web.i18n.translate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """A message id and its parameters, translated and formatted by whoever shows it."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted((k, str(v)) for k, v in self.params.items()))))

    def format(self, template: str, render: Callable[[Message], str] = str) -> str:
        """Fill ``template`` (the id, or its translation) with the parameters; a parameter that
        is itself a Message is rendered by ``render`` (the shell's translation)."""
        return template % {k: render(v) if isinstance(v, Message) else str(v) for k, v in self.params.items()}

    def __str__(self) -> str:
        return self.format(self.id)


def N_(message_id: str, **params: Any) -> Message:  # noqa: N802 - the gettext convention
    """Mark a message id for translation and attach its parameters."""
    return Message(message_id, params)
