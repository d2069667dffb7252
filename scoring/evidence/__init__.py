"""Evidence files: type detection by content, text extraction, citable passages.

Pure data in, data out: no Flask, no SQLAlchemy. The web layer calls ``detect_type`` on an
upload, stores the bytes under their hash, and keeps the list from ``extract_passages``.
"""

from .errors import EvidenceRejected
from .extract import extract_passages
from .filetypes import (
    ALLOWED_TYPES,
    DEFAULT_MAX_BYTES,
    MIME_TYPES,
    decode_text,
    detect_type,
    file_name,
)
from .passages import Passage, normalize_text, split_passages

__all__ = [
    "ALLOWED_TYPES",
    "DEFAULT_MAX_BYTES",
    "MIME_TYPES",
    "EvidenceRejected",
    "Passage",
    "decode_text",
    "detect_type",
    "extract_passages",
    "file_name",
    "normalize_text",
    "split_passages",
]
