"""View models → HTML: the scorecard (考核结果通报) and the district ranking, for print.

A plain Jinja environment (no Flask), so the CLI and background jobs render without an app.
The web page includes the same ``_scorecard_*.html`` partials through a PrefixLoader, so a
number can never differ between page and PDF. Autoescape is on: every value a user typed
(reasons, quotes, file names) reaches the HTML as text, never as markup.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from jinja2 import Environment, PackageLoader, StrictUndefined

from scoring.report.ranking import RankingReport, RankingRow
from scoring.report.scorecard import AppealLine, CitedPassage, Finding, Scorecard

# Print limits for user text, in characters. Pango lays out long CJK runs slowly (a
# 150,000-character comment took 7 s), and a scorecard should stay within 2 to 5 pages; a
# quote only has to identify its passage, whose file and location are printed beside it.
# The page on screen shows the full texts.
TEXT_LIMIT = 800
QUOTE_LIMIT = 80
NAME_LIMIT = 120


@functools.cache
def environment() -> Environment:
    """The process's Jinja environment for the report templates (built once)."""
    return Environment(
        loader=PackageLoader("scoring.report"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt field fails the render instead of printing ""
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_scorecard_html(card: Scorecard) -> str:
    """Return the print HTML of a town's scorecard, user texts cut for print."""
    return environment().get_template("scorecard.html").render(card=for_print(card))


@dataclass(frozen=True)
class RankingLayout:
    """Column widths and page capacity of the ranking table (A4 landscape, in mm).

    Computed here rather than in CSS so that a long ranking can be split into parts whose
    page numbers are known before rendering (scoring.services.documents). Capacities are taken
    from rendered pages (tests/scoring/report/test_documents.py checks them).
    """

    rank_w: float
    town_w: float
    num_w: float  # one category / bonus / total column
    grade_w: float
    note_w: float
    tab_px: int  # tab stop of the numbers cell, corrected for WeasyPrint (see ranking_layout)
    header_lines: int  # lines of the longest category title
    header_pt: float  # height of the header row
    rows_per_page: int
    rows_first_page: int  # under the title and the grade bands


# Content box of an A4 landscape page with ranking.html's margins, and the fixed columns.
_PAGE_W, _PAGE_H = 267.0, 179.0
_RANK_W, _TOWN_W, _GRADE_W, _MIN_NOTE_W = 12.0, 40.0, 14.0, 38.0
_PT = 25.4 / 72
# Heights as scorecard.css sets them: a row is 8pt × 1.35 + 2 × 1pt padding; a header line
# 7.5pt × 1.25, plus 2 × 1.5pt padding and its 0.75pt rule; the table's 1pt rule on top.
_ROW_H = 12.8 * _PT
_HEADER_LINE_PT, _HEADER_EXTRA_PT, _TABLE_RULE_PT = 7.5 * 1.25, 3.75, 1.0
_SUMMARY_H, _BAND_H = 34.0, 4.8  # title, meta line and heading; one grade band line


def ranking_layout(report: RankingReport) -> RankingLayout:
    """Return the column widths and rows per page of ``report``'s ranking table."""
    columns = len(report.category_titles) + 2  # categories, bonus, total
    num_w = min(18.0, math.floor((_PAGE_W - _RANK_W - _TOWN_W - _GRADE_W - _MIN_NOTE_W) / columns * 10) / 10)
    note_w = round(_PAGE_W - _RANK_W - _TOWN_W - _GRADE_W - columns * num_w, 1)
    # WeasyPrint 70 draws the gap a tab leaves with Pango units / 1000 instead of / 1024
    # (draw/text.py, PANGO_GLYPH_EMPTY), so each gap comes out 2.4% wider than laid out;
    # the stop is shrunk to match for numbers about 22 px wide, in whole px as WeasyPrint
    # truncates it (test_documents checks that numbers stand under their headers).
    tab_px = round((num_w * 96 / 25.4 + 0.53) / 1.024)
    chars_per_line = max(1, int((num_w - 2.2) / (7.5 * 25.4 / 72)))
    header_lines = max([math.ceil(len(t) / chars_per_line) for t in (*report.category_titles, "加分")])
    header_pt = header_lines * _HEADER_LINE_PT + _HEADER_EXTRA_PT
    table_h = _PAGE_H - (header_pt + _TABLE_RULE_PT) * _PT
    rows_per_page = int(table_h / _ROW_H)
    summary_h = _SUMMARY_H + _BAND_H * max(len(report.band_lines), len(report.bands))
    return RankingLayout(rank_w=_RANK_W, town_w=_TOWN_W, num_w=num_w, grade_w=_GRADE_W, note_w=note_w,
                         tab_px=tab_px, header_lines=header_lines, header_pt=header_pt, rows_per_page=rows_per_page,
                         # one row short: the title block is estimated, and part 1 is never the last
                         rows_first_page=max(0, int((table_h - summary_h) / _ROW_H) - 1))


@dataclass(frozen=True)
class RankingPart:
    """A slice of a long ranking rendered as its own document, and its expected page count."""

    rows: tuple[int, int]  # slice of report.rows
    incomplete: tuple[int, int]  # slice of report.incomplete
    pages: int


PART_PAGES = 6  # pages per part: ~220 rows, ~200 MB of worker memory (memory grows ~0.24 MB per row)
SINGLE_DOCUMENT_ROWS = 240  # up to this many towns the ranking is one document
_INCOMPLETE_HEADING_ROWS = 5  # heading, note and table header of the incomplete towns


def plan_ranking_parts(report: RankingReport) -> tuple[RankingPart, ...]:
    """Split a long ranking into parts of PART_PAGES pages (one part when short).

    Every row of a part is one line high, so a full part has exactly PART_PAGES pages; the
    last part's count is an estimate, checked after rendering (scoring.services.documents).
    """
    n_rows, n_incomplete = len(report.rows), len(report.incomplete)
    if n_rows + n_incomplete <= SINGLE_DOCUMENT_ROWS:
        return (RankingPart((0, n_rows), (0, n_incomplete), pages=0),)
    layout = ranking_layout(report)
    per_page, first_page = layout.rows_per_page, layout.rows_first_page
    parts: list[RankingPart] = []
    r = i = 0
    while r < n_rows or i < n_incomplete:
        capacity = (first_page if not parts else per_page) + (PART_PAGES - 1) * per_page
        r0, i0 = r, i
        r = min(n_rows, r + capacity)
        used = r - r0
        heading = _INCOMPLETE_HEADING_ROWS if i == 0 else 0
        if r == n_rows and i < n_incomplete and capacity - used > heading:
            i = min(n_incomplete, i + capacity - used - heading)
            used += heading + i - i0
        if parts:
            pages = math.ceil(used / per_page)
        else:
            pages = 1 + math.ceil(max(0, used - first_page) / per_page)
        parts.append(RankingPart((r0, r), (i0, i), max(1, pages)))
    return tuple(parts)


def render_ranking_part_html(report: RankingReport, part: RankingPart, first_page: int, total_pages: int) -> str:
    """Return the print HTML of one part of a long ranking, numbered within the whole."""
    return render_ranking_html(report, rows=report.rows[slice(*part.rows)],
                               incomplete=report.incomplete[slice(*part.incomplete)],
                               first_page=first_page, total_pages=total_pages)


def render_ranking_html(
    report: RankingReport,
    *,
    rows: tuple[RankingRow, ...] | None = None,
    incomplete: tuple[RankingRow, ...] | None = None,
    first_page: int = 1,
    total_pages: int | None = None,
) -> str:
    """Return the print HTML of the district ranking, or of one part of it.

    A long ranking is rendered in parts and merged (scoring.services.documents): ``rows`` and
    ``incomplete`` are then slices of the report's, and ``first_page``/``total_pages`` make
    each part's footer count pages across the whole document. The title and grade bands
    open the first part; the incomplete towns' heading opens their first slice.
    """
    rows = report.rows if rows is None else rows
    incomplete = report.incomplete if incomplete is None else incomplete
    incomplete_first = bool(incomplete) and incomplete[0] is report.incomplete[0]
    if report.rows:
        first_part = bool(rows) and rows[0] is report.rows[0]
    else:
        first_part = incomplete_first or not report.incomplete
    return environment().get_template("ranking.html").render(
        report=report, layout=ranking_layout(report), rows=rows, incomplete=incomplete, first_page=first_page,
        total_pages=total_pages, with_summary=first_part, incomplete_first=incomplete_first)


def truncate_for_print(text: str, limit: int = 2000) -> str:
    """Cut user text to ``limit`` characters, saying so, so one comment cannot stall a render.

    Pango breaks long CJK runs slowly: a 150,000-character comment took 7 s to lay out. The
    note keeps the cut visible to the reader; the full text stays available on screen.
    """
    if limit < 0:
        raise ValueError("limit must be >= 0")
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}……（以下省略，全文共 {len(text)} 字）"


_cut = truncate_for_print  # short name for the field-by-field cuts below


def for_print(card: Scorecard) -> Scorecard:
    """Return ``card`` with every user text cut to its print limit (with a note when cut).

    The verification code is kept: it certifies the full content, which the page shows.
    """
    items = tuple(
        replace(item, findings=tuple(_finding(f) for f in item.findings)) if item.findings else item
        for item in card.items
    )
    return replace(
        card,
        items=items,
        grade_note=_cut(card.grade_note, TEXT_LIMIT),
        bonus_findings=tuple(_finding(f) for f in card.bonus_findings),
        veto_findings=tuple(_finding(f) for f in card.veto_findings),
        appeals=tuple(_appeal(a) for a in card.appeals),
    )


def _finding(finding: Finding) -> Finding:
    return replace(finding, text=_cut(finding.text, TEXT_LIMIT), department=_cut(finding.department, NAME_LIMIT),
                   citation=_citation(finding.citation) if finding.citation is not None else None,
                   citations=tuple(_citation(c) for c in finding.citations))


def _citation(citation: CitedPassage) -> CitedPassage:
    quote = citation.quote if len(citation.quote) <= QUOTE_LIMIT else citation.quote[:QUOTE_LIMIT].rstrip() + "…"
    return replace(citation, file=_cut(citation.file, NAME_LIMIT), location=_cut(citation.location, NAME_LIMIT),
                   quote=quote)


def _appeal(appeal: AppealLine) -> AppealLine:
    return replace(appeal, item=_cut(appeal.item, NAME_LIMIT), request=_cut(appeal.request, TEXT_LIMIT),
                   decision=_cut(appeal.decision, NAME_LIMIT), reply=_cut(appeal.reply, TEXT_LIMIT))

