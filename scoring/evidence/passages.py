"""Passages: the citable pieces of an evidence file, and how text is cut into them.

A reviewer cites a passage ("第3页第2段") as the reason for a deduction, so a passage must be
short enough to be precise, keep its place in the file, and carry an id that stays the same
each time the same file is extracted. Every passage's text is a verbatim slice of the
whitespace-normalised file text, so a citation can always be found again in the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from scoring.messages import N_, Message

from .errors import rejected
from .structure import heading_level, heading_rank, is_boilerplate

MAX_PASSAGE_CHARS = 400
MAX_TEXT_CHARS = 2_000_000
MAX_PASSAGES = 50_000

# Whitespace that Chinese documents carry besides the ASCII space: ideographic space (U+3000),
# no-break space, the typographic spaces; tabs count as spaces too.
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))
_SENTENCE_ENDS = frozenset("。！？；!?;…")
_CLOSERS = frozenset("”’」』）)】〕\"'")
_CLAUSE_ENDS = frozenset("，,、：:")


class Passage(BaseModel):
    """One citable piece of an evidence file.

    ``passage_id`` is unique within the file and stable across re-extraction:
    "¶12" (text/Word), "p3-¶2" (PDF page 3, 2nd passage), "Sheet1-r5" (Excel sheet row 5;
    a long row continues as "Sheet1-r5.2"). ``paragraph`` is the 1-based position of the
    passage within its page (PDF), sheet (Excel) or file (text/Word); ``seq`` is its 0-based
    position in the whole file, for ordering passages across pages and sheets.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_name: str
    passage_id: str = Field(min_length=1, max_length=64)  # fits marks.Citation.passage_id
    seq: int = Field(ge=0)
    page: int | None = Field(default=None, ge=1)
    sheet: str | None = None
    row: int | None = Field(default=None, ge=1)
    paragraph: int = Field(ge=1)
    text: str = Field(min_length=1, max_length=MAX_PASSAGE_CHARS)
    is_heading: bool = False
    # The nearest top-level heading above ("五、工作中存在的问题"), for display and matching.
    section: str | None = None
    # Every heading above, outermost first: ("一、主要举措", "（二）完善法律顾问制度").
    section_path: tuple[str, ...] = ()
    # The page a paragraph continued onto (set only when it crosses a page break).
    page_end: int | None = Field(default=None, ge=1)

    @property
    def location(self) -> str:
        """Where the passage is, as a reviewer would say it: "第3页第2段", "第3–4页第5段",
        "工作表“台账”第5行"; the one place a location is formatted."""
        return format_location(page=self.page, page_end=self.page_end, sheet=self.sheet, row=self.row,
                               paragraph=self.paragraph)


def place(*, page: int | None, sheet: str | None, row: int | None, paragraph: int,
          page_end: int | None = None) -> Message:
    """A passage's place in its file, from the fields stored with it (also for stored rows): the
    one rule for it. A message id, so the web shows it in the reader's language; ``str()`` is
    the Chinese the scorecard prints."""
    if sheet is not None:
        if row is not None:
            return N_("工作表“%(sheet)s”第%(row)s行", sheet=sheet, row=row)
        return N_("工作表“%(sheet)s”第%(paragraph)s段", sheet=sheet, paragraph=paragraph)
    if page is not None:
        if page_end is not None and page_end != page:
            return N_("第%(page)s–%(page_end)s页第%(paragraph)s段", page=page, page_end=page_end, paragraph=paragraph)
        return N_("第%(page)s页第%(paragraph)s段", page=page, paragraph=paragraph)
    return N_("第%(paragraph)s段", paragraph=paragraph)


def format_location(*, page: int | None, sheet: str | None, row: int | None, paragraph: int,
                    page_end: int | None = None) -> str:
    """``place`` as Chinese text (what documents print)."""
    return str(place(page=page, sheet=sheet, row=row, paragraph=paragraph, page_end=page_end))


@dataclass(frozen=True)
class Block:
    """A raw piece of text as a reader found it: a text file, a paragraph, a table row."""

    text: str
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    # 1 = section heading, 2 = sub-heading, 0 = unknown; set from a Word heading style.
    heading_level: int = 0
    # A PDF paragraph joined across a page break ends on this page.
    page_end: int | None = None
    ocr: bool = False  # read by OCR from a scan or photo


def normalize_text(text: str) -> str:
    """Unify whitespace: every kind of space becomes one ASCII space, line ends become "\\n".

    Full-width (U+3000) and no-break spaces, tabs and runs of spaces collapse to one space;
    lines are stripped; zero-width characters and other control characters are dropped;
    more than one blank line collapses to one. Letters and punctuation are left alone, so a
    passage reads exactly as the town wrote it.
    """
    lines = []
    for line in text.translate(_INVISIBLE).splitlines():
        line = "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) != "Cc")
        lines.append(_SPACES.sub(" ", line).strip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _cut_after(text: str, ends: frozenset[str]) -> list[str]:
    """Cut ``text`` after each run of ``ends`` (and any closing quotes or brackets)."""
    pieces, start, i = [], 0, 0
    while i < len(text):
        if text[i] in ends:
            j = i + 1
            while j < len(text) and (text[j] in ends or text[j] in _CLOSERS):
                j += 1
            pieces.append(text[start:j])
            start = i = j
        else:
            i += 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _pack(pieces: list[str], limit: int) -> list[str]:
    """Greedily join consecutive pieces into chunks of at most ``limit`` characters."""
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) <= limit:
            chunks[-1] += piece
        else:
            chunks.append(piece)
    return chunks


def split_long(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Split a paragraph longer than ``limit`` at sentence ends (。！？；), packing sentences
    back together up to ``limit``; an overlong sentence is cut at commas, then hard."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in _cut_after(text, _SENTENCE_ENDS):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in _pack(_cut_after(sentence, _CLAUSE_ENDS), limit):
            pieces.extend(clause[i : i + limit] for i in range(0, len(clause), limit))
    return [chunk.strip() for chunk in _pack(pieces, limit) if chunk.strip()]


class _Builder:
    """Turns blocks into passages, numbering them per page/sheet/file and enforcing caps."""

    def __init__(self, file_name: str, max_chars: int, max_passages: int) -> None:
        self.file_name = file_name
        self.max_chars = max_chars
        self.max_passages = max_passages
        self.passages: list[Passage] = []
        self.ordinals: dict[tuple[str, object], int] = {}
        self.ids: set[str] = set()
        self.chars = 0
        self.section: str | None = None
        self.headings: list[tuple[int, str]] = []  # (rank, text), outermost first
        self.sheet: str | None = None

    def add(self, block: Block) -> None:
        text = normalize_text(block.text)
        self.chars += len(text)
        if self.chars > self.max_chars:
            raise rejected("too_much_text", N_("文件文字超过 %(limit)s 字，请拆分后上传", limit=self.max_chars))
        if block.sheet != self.sheet:  # a new sheet starts without a section
            self.sheet, self.section, self.headings = block.sheet, None, []
        for line in text.split("\n"):
            if line and not is_boilerplate(line, paged=block.page is not None):
                self._add_line(line, block)

    def _add_line(self, line: str, block: Block) -> None:
        # Spreadsheet rows are records, not prose: none of them is a heading.
        level = 0 if block.sheet is not None else block.heading_level or heading_level(line)
        if len(line) > MAX_PASSAGE_CHARS:  # a whole paragraph styled as a heading is body text
            level = 0
        if level:
            # Numbered headings rank by their numbering; a Word heading style by its level.
            rank = heading_rank(line) or (3 if level == 1 else 4)
            while self.headings and self.headings[-1][0] >= rank:
                self.headings.pop()
            self._emit(line, block, True, 1)  # its path is the headings above it
            self.headings.append((rank, line))
            if level == 1:
                self.section = line
                # Re-stamp the heading with itself as its top-level section, as before.
                self.passages[-1] = self.passages[-1].model_copy(update={"section": line})
            return
        pieces = split_long(line)
        for part, piece in enumerate(pieces, start=1):
            self._emit(piece, block, level > 0, part)

    def _emit(self, text: str, block: Block, heading: bool, part: int) -> None:
        if len(self.passages) >= self.max_passages:
            raise rejected("too_much_text",
                           N_("文件段落超过 %(limit)s 个，请拆分后上传", limit=self.max_passages))
        if block.sheet is not None:
            scope: tuple[str, object] = ("sheet", block.sheet)
        elif block.page is not None:
            scope = ("page", block.page)
        else:
            scope = ("file", None)
        ordinal = self.ordinals[scope] = self.ordinals.get(scope, 0) + 1
        if block.sheet is not None:
            # Excel caps sheet names at 31 characters; a crafted file may not.
            passage_id = f"{block.sheet[:40]}-r{block.row}" + (f".{part}" if part > 1 else "")
        elif block.page is not None:
            passage_id = f"p{block.page}-¶{ordinal}"
        else:
            passage_id = f"¶{ordinal}"
        if passage_id in self.ids:  # cannot happen with well-formed blocks; stay unique anyway
            passage_id = f"{passage_id}~{len(self.passages)}"
        self.ids.add(passage_id)
        self.passages.append(
            Passage(
                file_name=self.file_name,
                passage_id=passage_id,
                seq=len(self.passages),
                page=block.page,
                sheet=block.sheet,
                row=block.row,
                paragraph=ordinal,
                text=text,
                is_heading=heading,
                section=self.section,
                section_path=tuple(text for _, text in self.headings),
                page_end=block.page_end if block.page_end != block.page else None,
            )
        )


def build_passages(
    blocks: Iterable[Block],
    file_name: str,
    *,
    max_chars: int = MAX_TEXT_CHARS,
    max_passages: int = MAX_PASSAGES,
) -> list[Passage]:
    """Cut reader blocks into passages: a line is a paragraph, boilerplate lines are dropped,
    headings stay whole, long paragraphs are split at sentence ends.

    Raises EvidenceRejected once the text or the passage count passes its cap, so a hostile
    file stops being read early instead of filling memory.
    """
    builder = _Builder(file_name, max_chars, max_passages)
    for block in blocks:
        builder.add(block)
    return builder.passages


def split_passages(text: str, file_name: str = "") -> list[Passage]:
    """Passages of one plain text, numbered "¶1", "¶2", ... in reading order."""
    return build_passages([Block(text)], file_name)
