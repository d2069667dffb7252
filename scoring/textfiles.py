"""Read a text file a person gave us: the one place that decides its encoding and refuses it.

Rubric YAML (CLI and web upload) and marks CSV files come from Windows desktops as often as
from editors: UTF-8 with or without a BOM, GB18030/GBK from Excel's "CSV" export, UTF-16
from "Unicode text". ``decode_text`` takes a BOM's word for it, else tries UTF-8, else
GB18030 (a strict superset of GBK and GB2312), and otherwise refuses, naming the line of
the first byte it could not read. Control characters are refused too (a NUL usually means
a binary file or UTF-16 without a BOM). Sizes are bounded before anything is decoded.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from scoring.errors import ScoringError
from scoring.messages import N_, Message

MAX_TEXT_BYTES = 1024 * 1024

# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]
# What YAML allows in a document (YAML 1.1 printable set): tab, line ends, printable text.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What an XLSX cell cannot hold (the XML 1.0 control characters, openpyxl's ILLEGAL_CHARACTERS_RE).
_NOT_IN_CELLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnreadableText(ScoringError):
    """A file is not text we can read: ``message`` says why, ``line`` where (1-based) if known."""

    def __init__(self, message: Message, line: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.line = line


def read_text_file(path: str | Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Return the text of the file at ``path``; UnreadableText if too large or not text."""
    with Path(path).open("rb") as handle:
        data = handle.read(max_bytes + 1)  # never more than the limit in memory
    return decode_text(data, max_bytes)


def decode_text(data: bytes, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Return ``data`` decoded (BOM, else UTF-8, else GB18030) and checked by ``check_text``."""
    if len(data) > max_bytes:
        raise UnreadableText(N_("文件超过 %(n)s KB", n=max_bytes // 1024))
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise UnreadableText(N_("文件以 %(encoding)s 的字节顺序标记（BOM）开头，但内容不是有效的 %(encoding)s 文本",
                                        encoding=name), _line_of(data, exc.start + len(bom), codec)) from None
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise UnreadableText(N_("文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本，请另存为 UTF-8 后再试"),
                                     data[:utf8_error.start].count(b"\n") + 1) from None
    check_text(text, max_bytes)
    return text


def check_text(text: str, max_bytes: int = MAX_TEXT_BYTES) -> None:
    """UnreadableText unless ``text`` fits ``max_bytes`` as UTF-8 and has no control characters."""
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise UnreadableText(N_("内容超过 %(n)s KB", n=max_bytes // 1024))
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        code = format(ord(bad.group()), "04X")
        raise UnreadableText(N_("不允许的控制字符 U+%(code)s", code=code), text.count("\n", 0, bad.start()) + 1)


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'`` (OWASP);
    control characters no XLSX cell may hold (openpyxl refuses the whole file) are dropped."""
    if isinstance(value, str):
        value = _NOT_IN_CELLS.sub("", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo ``spreadsheet_safe`` when reading a table back."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def _line_of(data: bytes, position: int, codec: str) -> int:
    """1-based line of a byte position in text of any of the BOM encodings."""
    head = data[:position]
    try:
        return head.decode(codec, errors="ignore").count("\n") + 1
    except LookupError:  # pragma: no cover - every codec above exists
        return head.count(b"\n") + 1
