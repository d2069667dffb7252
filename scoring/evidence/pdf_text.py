"""PDF text, page by page, regrouped into paragraphs (pdfminer.six).

pdfminer gives text boxes made of visual lines, and its boxes are not paragraphs: Chinese
government PDFs hard-wrap every line, and pdfminer splits a paragraph whose first line is
indented from the rest. So the page's lines are rejoined into paragraphs here: a new paragraph
starts at an indented line (正文首行缩进两字), after a short line, after vertical space, and at
every numbered heading.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTPage, LTTextBox, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from scoring.messages import N_

from .errors import rejected
from .passages import Block, heading_level

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
    prev: tuple[LTTextLine, str], cur: tuple[LTTextLine, str], left: float, right: float
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


def _page_paragraphs(page: LTPage) -> list[str]:
    lines = _page_lines(page)
    if not lines:
        return []
    left = min(line.x0 for line, _ in lines)
    right = max(line.x1 for line, _ in lines)
    paragraphs, current = [], lines[0][1]
    for prev, cur in zip(lines, lines[1:], strict=False):
        if _breaks_before(prev, cur, left, right):
            paragraphs.append(current)
            current = cur[1]
        else:
            current = _join(current, cur[1])
    paragraphs.append(current)
    return paragraphs


def pdf_blocks(data: bytes) -> Iterator[Block]:
    """One block per paragraph, tagged with its 1-based page number."""
    pages = extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=MAX_PDF_PAGES + 1)
    try:
        for page_number, page in enumerate(pages, start=1):
            if page_number > MAX_PDF_PAGES:
                raise rejected("too_much_text", N_("PDF 超过 %(limit)s 页，请拆分后上传", limit=MAX_PDF_PAGES))
            for paragraph in _page_paragraphs(page):
                yield Block(paragraph, page=page_number)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise rejected("encrypted", N_("PDF 已加密，请去除打开密码后上传")) from exc
