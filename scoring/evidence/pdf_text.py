"""PDF text, page by page, regrouped into paragraphs (pdfminer.six).

pdfminer gives text boxes made of visual lines, and its boxes are not paragraphs: Chinese
government PDFs hard-wrap every line, and pdfminer splits a paragraph whose first line is
indented from the rest. So the page's lines are rejoined into paragraphs here: a new paragraph
starts at an indented line (正文首行缩进两字), after a short line, after vertical space, and at
every numbered heading. A paragraph that runs on over a page break (the next page starts
without an indent, or the page ended mid-sentence) is joined and keeps both pages. Page numbers
and running headers or footers (the same line at the top or bottom of most pages) are dropped.
Pages without a text layer are read by OCR where Tesseract is installed (``ocr.py``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTPage, LTTextBox, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from scoring.messages import N_

from . import poppler
from .errors import rejected
from .passages import Block
from .structure import heading_level, is_boilerplate, running_line_key

MAX_PDF_PAGES = 2000

_CJK = "\u2018-\u201d\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# pdfminer inserts spaces between CJK glyphs set with letter-spacing or justified lines.
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_SENTENCE_ENDS = tuple("。！？；!?;”’）)")


def _join(paragraph: str, line: str) -> str:
    """Rejoin a wrapped line: no space between Chinese characters, one space otherwise."""
    if not paragraph:
        return line
    if _CJK_CHAR.match(paragraph[-1]) or _CJK_CHAR.match(line[0]):
        return paragraph + line
    return f"{paragraph} {line}"


def _page_lines(page: LTPage) -> list[tuple[LTTextLine, str]]:
    """The page's text lines in pdfminer's reading order, without empty ones."""
    lines = []
    for element in page:
        if isinstance(element, LTTextBox):
            for line in element:
                if isinstance(line, LTTextLine):
                    text = _SPACE_IN_CJK.sub("", line.get_text().strip())
                    if text:
                        lines.append((line, text))
    return lines


def _breaks_before(
    prev: tuple[Any, str], cur: tuple[Any, str], left: float, right: float
) -> bool:
    """Does ``cur`` start a new paragraph? Judged on the whole page, because pdfminer often
    splits one paragraph into several boxes (an indented first line is not "aligned")."""
    (prev_line, prev_text), (line, text) = prev, cur
    em = max(min(prev_line.height, line.height), 1.0)
    if heading_level(text) or heading_level(prev_text):
        return True
    if abs(prev_line.height - line.height) > 0.2 * em:  # a change of font size: a title
        return True
    if prev_line.y0 - line.y1 > 0.8 * em or line.y1 > prev_line.y1:  # blank space, or a jump up
        return True
    if line.x0 - left > 1.5 * em:  # first-line indent (首行缩进)
        return True
    # Justified CJK lines run to the right margin; a short one ends its paragraph.
    short = right - prev_line.x1 > 1.5 * em
    return short and (prev_text.endswith(_SENTENCE_ENDS) or bool(_CJK_CHAR.match(prev_text[-1])))


class _Page:
    """A page's paragraphs, and for each whether it opens visibly (indent or heading) or may
    continue the paragraph before it."""

    def __init__(self, number: int, paragraphs: list[str], opens: list[bool], indented_style: bool) -> None:
        self.number, self.paragraphs, self.opens, self.indented_style = number, paragraphs, opens, indented_style
        self.ocr = False


def _page_paragraphs(number: int, lines: list[tuple[Any, str]]) -> _Page:
    """Paragraphs of a page's (line, text) pairs; a line has pdfminer's x0, x1, y0, y1, height."""
    if not lines:
        return _Page(number, [], [], False)
    left = min(line.x0 for line, _ in lines)
    right = max(line.x1 for line, _ in lines)

    def opens(line: Any, text: str) -> bool:
        return line.x0 - left > 1.5 * max(line.height, 1.0) or bool(heading_level(text))

    paragraphs, flags, current = [], [opens(*lines[0])], lines[0][1]
    for prev, cur in zip(lines, lines[1:], strict=False):
        if _breaks_before(prev, cur, left, right):
            paragraphs.append(current)
            current = cur[1]
            flags.append(opens(*cur))
        else:
            current = _join(current, cur[1])
    paragraphs.append(current)
    # Does this document mark paragraphs by indent? Then an unindented first line continues one.
    indented_style = sum(flags) >= max(2, len(paragraphs) // 2)
    return _Page(number, paragraphs, flags, indented_style)


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove page numbers, and headers or footers repeated at the edge of most pages."""
    edges: dict[str, int] = {}
    for page in pages:
        for text in {page.paragraphs[0], page.paragraphs[-1]} if page.paragraphs else ():
            edges[running_line_key(text)] = edges.get(running_line_key(text), 0) + 1
    # Headers and footers are short; a repeated paragraph of body text is not one.
    running = {key for key, count in edges.items() if count >= 3 and count * 2 >= len(pages) and len(key) <= 40}

    def dropped(text: str) -> bool:
        return running_line_key(text) in running or is_boilerplate(text, paged=True)

    for page in pages:
        while page.paragraphs and dropped(page.paragraphs[0]):
            page.paragraphs.pop(0)
            page.opens.pop(0)
        while page.paragraphs and dropped(page.paragraphs[-1]):
            page.paragraphs.pop()
            page.opens.pop()


def _continues(previous: str, page: _Page) -> bool:
    """Does ``page`` begin with the rest of ``previous``, the last paragraph of the page before?"""
    if page.opens[0] or heading_level(previous) or heading_level(page.paragraphs[0]):
        return False
    return not previous.endswith((*_SENTENCE_ENDS, ".")) or page.indented_style


def _blocks(pages: list[_Page]) -> Iterator[Block]:
    pending: Block | None = None
    for page in pages:
        paragraphs = list(page.paragraphs)
        if not paragraphs:
            continue
        if pending is not None and _continues(pending.text, page):
            pending = Block(_join(pending.text, paragraphs.pop(0)), page=pending.page, page_end=page.number,
                            ocr=pending.ocr or page.ocr)
        for text in paragraphs:
            if pending is not None:
                yield pending
            pending = Block(text, page=page.number, ocr=page.ocr)
    if pending is not None:
        yield pending


def _too_many() -> Exception:
    return rejected("too_much_text", N_("PDF 超过 %(limit)s 页，请拆分后上传", limit=MAX_PDF_PAGES))


def _pages(data: bytes) -> list[_Page]:
    """Every page's paragraphs: by poppler where installed, else (or if it refuses) pdfminer."""
    try:
        fast = poppler.page_lines(data, MAX_PDF_PAGES + 1)
    except poppler.PopplerTimeout as exc:
        raise rejected("corrupt", N_("PDF 文件已损坏或无法解析")) from exc
    # No text on any page: a scan, or fonts poppler cannot map; pdfminer has the last word.
    if fast is not None and any(fast):
        if len(fast) > MAX_PDF_PAGES:
            raise _too_many()
        return [_page_paragraphs(n, [(line, _SPACE_IN_CJK.sub("", text)) for line, text in lines])
                for n, lines in enumerate(fast, start=1)]
    pages: list[_Page] = []
    layout = extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=MAX_PDF_PAGES + 1)
    try:
        for page_number, page in enumerate(layout, start=1):
            if page_number > MAX_PDF_PAGES:
                raise _too_many()
            pages.append(_page_paragraphs(page_number, _page_lines(page)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise rejected("encrypted", N_("PDF 已加密，请去除打开密码后上传")) from exc
    return pages


def pdf_blocks(data: bytes) -> Iterator[Block]:
    """One block per paragraph, tagged with its 1-based page number (and end page)."""
    from .ocr import ocr_pdf_page, pdf_ocr_ready

    pages = _pages(data)
    if pdf_ocr_ready():
        for page in pages:
            if not page.paragraphs:  # a scanned page: no text layer
                page.paragraphs = ocr_pdf_page(data, page.number)
                page.opens = [True] * len(page.paragraphs)
                page.ocr = True
    _drop_running_lines(pages)
    yield from _blocks(pages)
