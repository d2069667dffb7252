"""Extract citable passages from an evidence file whose kind ``detect_type`` established."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from scoring.messages import N_

from .archive import check_archive
from .errors import EvidenceRejected, rejected
from .filetypes import ALLOWED_TYPES, decode_text
from .office import docx_blocks, xlsx_blocks
from .passages import Block, Passage, build_passages
from .pdf_text import pdf_blocks

_UNREADABLE = {
    "pdf": N_("PDF 文件已损坏或无法解析"),
    "docx": N_("Word 文档已损坏或无法解析"),
    "xlsx": N_("Excel 表格已损坏或无法解析"),
    "txt": N_("文本文件无法读取"),
}


def _txt_blocks(data: bytes) -> Iterator[Block]:
    text = decode_text(data)
    if text is None:
        raise rejected("unsupported_type", N_("文本编码无法识别（仅支持 UTF-8 或 GB18030）"))
    yield Block(text)


def _docx(data: bytes) -> Iterable[Block]:
    check_archive(data)
    return docx_blocks(data)


def _xlsx(data: bytes) -> Iterable[Block]:
    check_archive(data)
    return xlsx_blocks(data)


_READERS: dict[str, Callable[[bytes], Iterable[Block]]] = {
    "pdf": pdf_blocks,
    "docx": _docx,
    "xlsx": _xlsx,
    "txt": _txt_blocks,
}


def extract_passages(data: bytes, kind: str, filename: str) -> list[Passage]:
    """Return the passages of ``data``, a file of ``kind`` (as returned by ``detect_type``).

    Images ("jpg", "png") have no text and give an empty list; so does a scanned PDF without
    a text layer. A file the parsers cannot read raises EvidenceRejected, never a parser's
    own exception: the file comes from outside and may be hostile.
    """
    if kind not in ALLOWED_TYPES:
        raise ValueError(f"unknown evidence kind {kind!r}")
    reader = _READERS.get(kind)
    if reader is None:
        return []
    try:
        return build_passages(reader(data), filename)
    except EvidenceRejected:
        raise
    except Exception as exc:  # any parser failure on outside input means "unreadable"
        raise rejected("corrupt", _UNREADABLE[kind]) from exc
