"""The one error the evidence package raises for anything wrong with an uploaded file."""

from __future__ import annotations

from scoring.errors import ScoringError


class EvidenceRejected(ScoringError):
    """An uploaded file cannot be accepted or read; ``reason`` is shown to the uploader.

    ``reason`` is bilingual ("中文 / English") because it goes straight to a town's clerk.
    ``code`` is a stable machine word the web layer maps to an HTTP status
    (``too_large`` -> 413, everything else -> 415/422).
    """

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def rejected(code: str, zh: str, en: str) -> EvidenceRejected:
    """Build an ``EvidenceRejected`` whose reason reads "中文 / English"."""
    return EvidenceRejected(f"{zh} / {en}", code=code)


_ALLOWED_ZH = "PDF、Word（.docx）、Excel（.xlsx）、纯文本（.txt）、JPG、PNG"
_ALLOWED_EN = "PDF, Word (.docx), Excel (.xlsx), plain text (.txt), JPG, PNG"


def unsupported(zh: str, en: str) -> EvidenceRejected:
    """A file of no allowed type; the reason lists the allowed ones (HTML renamed to .pdf lands here)."""
    return rejected(
        "unsupported_type",
        f"{zh}；允许的类型：{_ALLOWED_ZH}",
        f"{en}; allowed types: {_ALLOWED_EN}",
    )
