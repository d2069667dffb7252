"""Extract citable passages from an evidence file whose kind ``detect_type`` established."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from scoring.messages import N_, Message

from .archive import check_archive
from .errors import EvidenceRejected, rejected
from .filetypes import ALLOWED_TYPES, decode_text
from .ocr import ocr_image, ocr_ready, pdf_ocr_ready
from .office import docx_blocks, xlsx_blocks
from .passages import Block, Passage, build_passages
from .pdf_text import pdf_blocks

_UNREADABLE = {
    "pdf": N_("PDF 文件已损坏或无法解析"),
    "docx": N_("Word 文档已损坏或无法解析"),
    "xlsx": N_("Excel 表格已损坏或无法解析"),
    "txt": N_("文本文件无法读取"),
}
_SCANS = frozenset({"pdf", "jpg", "png"})

# What a reviewer or town is told about a file's text (``Extraction.state``).
STATE_MESSAGES: dict[str, Message] = {
    "text": N_("已提取文字"),
    "ocr": N_("文字由 OCR 识别，可能有误，引用前请核对原件"),
    "no_text_layer": N_("此文件没有文字层（扫描件或图片），本机未安装文字识别（OCR），内容无法检索和引用"),
    "no_text": N_("未能从此文件中识别出文字"),
}


@dataclass(frozen=True)
class Extraction:
    """The passages of a file and how its text was obtained.

    ``state``: "text" (a text layer), "ocr" (some passages read by OCR), "no_text_layer"
    (a scan or photo and no OCR installed: nothing to search, say so) or "no_text" (nothing
    readable, OCR or not). ``message`` says it for people.
    """

    passages: list[Passage]
    state: str

    @property
    def message(self) -> Message:
        return STATE_MESSAGES[self.state]


class _Reader:
    """Remembers whether any block came from OCR."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        self.blocks, self.ocr = blocks, False

    def __iter__(self) -> Iterator[Block]:
        for block in self.blocks:
            self.ocr = self.ocr or block.ocr
            yield block


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


def _image(data: bytes) -> Iterable[Block]:
    return [Block(text, ocr=True) for text in ocr_image(data)]


_READERS: dict[str, Callable[[bytes], Iterable[Block]]] = {
    "pdf": pdf_blocks,
    "docx": _docx,
    "xlsx": _xlsx,
    "txt": _txt_blocks,
    "jpg": _image,
    "png": _image,
}


def extract_document(data: bytes, kind: str, filename: str) -> Extraction:
    """The passages of ``data``, a file of ``kind`` (as returned by ``detect_type``), with the
    state of its text. Scanned PDF pages and photos are read by OCR where Tesseract is
    installed. A file the parsers cannot read raises EvidenceRejected, never a parser's own
    exception: the file comes from outside and may be hostile.
    """
    if kind not in ALLOWED_TYPES:
        raise ValueError(f"unknown evidence kind {kind!r}")
    reader = _Reader(_READERS[kind](data)) if kind in _READERS else _Reader([])
    try:
        passages = build_passages(reader, filename)
    except EvidenceRejected:
        raise
    except Exception as exc:  # any parser failure on outside input means "unreadable"
        raise rejected("corrupt", _UNREADABLE.get(kind, N_("文件已损坏或无法解析"))) from exc
    if passages:
        return Extraction(passages, "ocr" if reader.ocr else "text")
    installed = pdf_ocr_ready() if kind == "pdf" else ocr_ready()
    if kind in _SCANS and not installed:
        return Extraction(passages, "no_text_layer")
    return Extraction(passages, "no_text")


def extract_passages(data: bytes, kind: str, filename: str) -> list[Passage]:
    """The passages of ``data`` (see ``extract_document``, which also says how the text was
    obtained): an image or scan without OCR gives an empty list."""
    return extract_document(data, kind, filename).passages
