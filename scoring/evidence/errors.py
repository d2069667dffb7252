"""The one error the evidence package raises for anything wrong with an uploaded file."""

from __future__ import annotations

from scoring.errors import ScoringError
from scoring.messages import N_, Message


class EvidenceRejected(ScoringError):
    """An uploaded file cannot be accepted or read.

    ``message`` says why, as a message id the shells show in the uploader's language
    (``web.i18n.translate``); ``reason`` is its Chinese text (CLI, logs). ``code`` is a
    stable machine word the web layer maps to an HTTP status (``too_large`` -> 413,
    everything else -> 400).
    """

    def __init__(self, message: Message, *, code: str = "rejected") -> None:
        super().__init__(str(message))
        self.message = message
        self.reason = str(message)
        self.code = code


def rejected(code: str, message: Message) -> EvidenceRejected:
    return EvidenceRejected(message, code=code)


_ALLOWED = N_("PDF、Word（.docx）、Excel（.xlsx）、纯文本（.txt）、JPG、PNG")


def unsupported(why: Message) -> EvidenceRejected:
    """A file of no allowed type; the reason lists the allowed ones."""
    return rejected("unsupported_type", N_("%(why)s；允许的类型：%(allowed)s", why=why, allowed=_ALLOWED))
