"""Decide what an uploaded evidence file is from its bytes, never from its name alone.

The name's extension must agree with the content, so nothing can be smuggled in under a
harmless-looking name (an HTML page called 报告.pdf, an .exe called 台账.xlsx).
"""

from __future__ import annotations

import codecs

from scoring.messages import N_, Message

from .archive import ooxml_kind
from .errors import rejected, unsupported
from .images import DEFAULT_MAX_PIXELS, JPEG_SIGNATURE, PNG_SIGNATURE, check_jpeg, check_png

ALLOWED_TYPES: tuple[str, ...] = ("pdf", "docx", "xlsx", "txt", "jpg", "png")
EXTENSIONS: dict[str, str] = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "txt": "txt",
    "jpg": "jpg",
    "jpeg": "jpg",
    "png": "png",
}
# What the download route should send as Content-Type for each kind.
MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
    "jpg": "image/jpeg",
    "png": "image/png",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_LABELS = {
    "pdf": N_("PDF 文档"),
    "docx": N_("Word 文档"),
    "xlsx": N_("Excel 表格"),
    "txt": N_("纯文本"),
    "jpg": N_("JPG 图片"),
    "png": N_("PNG 图片"),
}
# Recognisable content we refuse, so the message can say what the file really is.
_UTF16 = N_("UTF-16 编码的文本（请另存为 UTF-8）")
_FOREIGN: tuple[tuple[bytes, Message], ...] = (
    (b"\x7fELF", N_("Linux 可执行程序")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", N_("旧版 Office 文档（.doc/.xls）或加密的 Office 文档")),
    (b"GIF8", N_("GIF 图片")),
    (b"Rar!", N_("RAR 压缩包")),
    (b"7z\xbc\xaf\x27\x1c", N_("7z 压缩包")),
    (b"\x1f\x8b", N_("gzip 压缩包")),
    (b"PK\x05\x06", N_("空 ZIP 压缩包")),
    (b"{\\rtf", N_("RTF 文档")),
    (b"II*\x00", N_("TIFF 图片")),
    (b"MM\x00*", N_("TIFF 图片")),
    (b"\xff\xfe", _UTF16),
    (b"\xfe\xff", _UTF16),
    (b"#!", N_("脚本程序")),
)
# A text file that a browser would sniff as markup is refused (stored-XSS defence in depth).
_MARKUP_PREFIXES = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<?xml",
    b"<iframe",
    b"<!--",
    b"<div",
    b"<a ",
    b"<img",
    b"<style",
    b"<title",
    b"<table",
    b"<p>",
)
_HTML_IN_PDF = (b"<html", b"<script", b"<svg", b"<body", b"<!doctype")
# C0 controls other than tab, newlines, form feed and the DOS end-of-file mark mean binary.
_BAD_CONTROLS = frozenset(chr(c) for c in range(32)) - set("\t\n\r\x0b\x0c\x1a")


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} B"


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), else GB18030; None when neither fits."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def file_name(filename: str) -> str:
    """The name an upload is kept and shown under: its last path part, whichever separator.

    Browsers send the bare name; a path (``../../etc/passwd.txt``, ``C:\\x\\a.pdf``) only comes
    from a crafted request, and would reach download headers and exports as given.
    """
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _kind_from_name(filename: str) -> str:
    base = file_name(filename).rstrip(".")
    _stem, dot, ext = base.rpartition(".")
    if not dot:
        raise unsupported(N_("文件名缺少扩展名"))
    kind = EXTENSIONS.get(ext.strip().lower())
    if kind is None:
        raise unsupported(N_("不支持的文件扩展名 .%(ext)s", ext=ext[:20]))
    return kind


def _sniff_text(data: bytes) -> str:
    if b"\x00" in data:
        raise unsupported(N_("文件内容为二进制数据，不是允许的类型"))
    text = decode_text(data)
    if text is None:
        raise unsupported(N_("文本编码无法识别（仅支持 UTF-8 或 GB18030）"))
    if any(ch in _BAD_CONTROLS for ch in text):
        raise unsupported(N_("文件含有控制字符，不是纯文本"))
    head = text.lstrip("\ufeff \t\r\n")[:64].lower().encode("utf-8")
    if head.startswith(_MARKUP_PREFIXES):
        raise unsupported(N_("文件内容是网页（HTML/SVG/XML）"))
    return "txt"


def _sniff(data: bytes, max_pixels: int) -> str:
    if data.startswith(b"%PDF-"):
        if any(tag in data[:1024].lower() for tag in _HTML_IN_PDF):
            raise unsupported(N_("文件同时含有 PDF 与网页内容（PDF/HTML）"))
        return "pdf"
    if data.startswith(PNG_SIGNATURE):
        check_png(data, max_pixels)
        return "png"
    if data.startswith(JPEG_SIGNATURE):
        check_jpeg(data, max_pixels)
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return ooxml_kind(data)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise unsupported(N_("文件内容是%(what)s", what=N_("Windows 可执行程序")))
    for signature, what in _FOREIGN:
        if data.startswith(signature):
            raise unsupported(N_("文件内容是%(what)s", what=what))
    return _sniff_text(data)


def detect_type(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> str:
    """Return the evidence kind ("pdf", "docx", "xlsx", "txt", "jpg" or "png") of ``data``.

    Raises EvidenceRejected when the file is empty, larger than ``max_bytes``, of no
    allowed type, unsafe (zip bomb, macros, pixel flood), or named with an extension that
    disagrees with its content.
    """
    if not data:
        raise rejected("empty", N_("文件为空"))
    if len(data) > max_bytes:
        raise rejected("too_large", N_("文件超过大小上限 %(limit)s", limit=_human_size(max_bytes)))
    expected = _kind_from_name(filename)
    actual = _sniff(data, max_pixels)
    if actual != expected:
        raise rejected("extension_mismatch",
                       N_("扩展名与文件内容不符：内容是%(content)s，请使用正确的扩展名", content=_LABELS[actual]))
    return actual
