"""What a line of a report is, besides text: a heading of some level, or boilerplate.

Chinese government reports number their headings in a fixed order of levels
(第一章 > 第一节 > 一、 > （一） > 1. > （1）); a passage is placed under the headings above it
(its section path) and a heading is context, not evidence. Web-page chrome (发布时间, 来源,
字号, 当前位置), closing formulae (专此报告。), dates, page numbers and running page headers
carry nothing a reviewer would cite, so they are never passages.
"""

from __future__ import annotations

import re

_NUMERALS = "一二三四五六七八九十百零〇两"
_MAX_HEADING_CHARS = 60
# (rank, pattern): a lower rank is a higher level.
_HEADINGS = (
    (1, re.compile(rf"^第[{_NUMERALS}\d]+(?:部分|章|篇)")),
    (2, re.compile(rf"^第[{_NUMERALS}\d]+节")),
    (3, re.compile(rf"^[{_NUMERALS}]+\s*[、．.]")),
    (4, re.compile(rf"^[（(]\s*[{_NUMERALS}]+\s*[）)]")),
    (5, re.compile(r"^\d{1,2}\s*[、．.](?!\d)")),
    (6, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
)
_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|[-—–－]*\s*\d{1,4}\s*[-—–－]*)$"
)
# Web-page chrome and document metadata; the field name and its colon start the line.
_META = re.compile(
    r"^[•·●\s]*(?:(?:发布|更新|成文|发文|印发)(?:时间|日期)|(?:文章|信息)?来源|字号|当前位置|您(?:所在|现在)的位置"
    r"|浏览(?:次数)?|点击(?:数|量|率)|索引号|主题分类|公开方式|公开范围|发布(?:单位|机构)|责任编辑|分享到)"
    r"\s*[:：]"
)
_CHROME = re.compile(r"^[•·●\s【\[]*(?:扫一扫|打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|上一篇|下一篇)")
_CLOSING = re.compile(r"^(?:专此|特此)(?:报告|汇报|说明)[。.！!]?$")
_DATE = re.compile(
    rf"^(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|[{_NUMERALS}]{{4}}年[{_NUMERALS}]{{1,2}}月[{_NUMERALS}]{{1,3}}日)$"
)
_LINKS = re.compile(r"^.{0,12}(?:网站|链接|网站群)$")


def heading_rank(line: str) -> int:
    """The level of a numbered heading: 1 (第一章) ... 6 (（1）), or 0 for body text.

    A line with a full stop inside ("（一）依法履职。我镇……") or longer than 60 characters
    is a paragraph that starts with a number, not a heading.
    """
    if len(line) > _MAX_HEADING_CHARS or line.rstrip("。").count("。"):
        return 0
    for rank, pattern in _HEADINGS:
        if pattern.match(line):
            return rank
    return 0


def heading_level(line: str) -> int:
    """1 for "一、…" or "第二部分…", 2 for "（一）…" or "1、…", else 0 (the coarse two levels)."""
    rank = heading_rank(line)
    if not rank:
        return 0
    return 1 if rank <= 3 else 2


def is_boilerplate(line: str, *, paged: bool = False) -> bool:
    """True for lines with nothing to cite: punctuation only, page numbers (in paged files),
    web-page chrome and metadata, closing formulae, a bare date, a list of links."""
    if not any(ch.isalnum() for ch in line):
        return True
    if paged and _PAGE_NUMBER.match(line):
        return True
    if len(line) <= 100 and (_META.match(line) or _CHROME.match(line)):
        return True
    return bool(_CLOSING.match(line) or _DATE.match(line) or _LINKS.match(line))


def running_line_key(line: str) -> str:
    """A page header or footer with its numbers blanked, to find the ones every page repeats."""
    return re.sub(r"\d+", "#", line.replace(" ", ""))
