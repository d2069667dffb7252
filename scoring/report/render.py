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

from scoring.report.lines import GRID_PX, Cell, row_cells
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
    """Column widths and page capacity of the ranking table (A4 landscape).

    Computed here rather than in CSS so that a long ranking can be split into parts whose
    page numbers are known before rendering (scoring.services.documents). Widths are whole
    multiples of lines.GRID_PX, so that a row's fields can be placed on one line of text
    (scoring.report.lines). Capacities are taken from rendered pages (tests check them).
    """

    rank_px: int
    town_px: int
    num_px: int  # one category / bonus / total column
    grade_px: int
    note_px: float
    header_lines: int  # lines of the longest category title
    header_pt: float  # height of the header row
    rows_per_page: int
    rows_first_page: int  # under the title and the grade bands


# Content box of an A4 landscape page with ranking.html's margins, and the fixed columns.
_PAGE_W, _PAGE_H = 267.0, 179.0
_PX = 25.4 / 96  # mm
_RANK_PX, _TOWN_PX, _GRADE_PX, _MIN_NOTE_PX, _MAX_NUM_PX = 45, 150, 51, 142, 69  # 11.9, 39.7, 13.5, 37.6, 18.3 mm
_PT = 25.4 / 72
# Heights as scorecard.css sets them: a row is 8pt × 1.35 + 2 × 1pt padding; a header line
# 7.5pt × 1.25, plus 2 × 1.5pt padding and its 0.75pt rule; the table's 1pt rule on top.
_ROW_H = 12.8 * _PT
_HEADER_LINE_PT, _HEADER_EXTRA_PT, _TABLE_RULE_PT = 7.5 * 1.25, 3.75, 1.0
_SUMMARY_H, _BAND_H = 34.0, 4.8  # title, meta line and heading; one grade band line


def ranking_layout(report: RankingReport) -> RankingLayout:
    """Return the column widths and rows per page of ``report``'s ranking table."""
    columns = len(report.category_titles) + 2  # categories, bonus, total
    page_px = _PAGE_W / _PX
    free = page_px - _RANK_PX - _TOWN_PX - _GRADE_PX - _MIN_NOTE_PX
    num_px = min(_MAX_NUM_PX, int(free / columns) // GRID_PX * GRID_PX)
    note_px = round(page_px - _RANK_PX - _TOWN_PX - _GRADE_PX - columns * num_px, 2)
    chars_per_line = max(1, int((num_px - 8) * 0.75 / 7.5))  # content box in pt / 7.5pt characters
    header_lines = max([math.ceil(len(t) / chars_per_line) for t in (*report.category_titles, "加分")])
    header_pt = header_lines * _HEADER_LINE_PT + _HEADER_EXTRA_PT
    table_h = _PAGE_H - (header_pt + _TABLE_RULE_PT) * _PT
    rows_per_page = int(table_h / _ROW_H)
    summary_h = _SUMMARY_H + _BAND_H * max(len(report.band_lines), len(report.bands))
    return RankingLayout(rank_px=_RANK_PX, town_px=_TOWN_PX, num_px=num_px, grade_px=_GRADE_PX, note_px=note_px,
                         header_lines=header_lines, header_pt=header_pt, rows_per_page=rows_per_page,
                         # one row short: the title block is estimated, and part 1 is never the last
                         rows_first_page=max(0, int((table_h - summary_h) / _ROW_H) - 1))


def ranking_rows(report: RankingReport, rows: tuple[RankingRow, ...]) -> list[tuple[Cell, ...]]:
    """The cells of the ranked table's rows: rank to grade placed on one line where they fit
    their columns (scoring.report.lines), the note in a cell of its own when there is one."""
    layout = ranking_layout(report)
    widths = (layout.rank_px, layout.town_px, *[layout.num_px] * (len(report.category_titles) + 2), layout.grade_px)
    lines = []
    for row in rows:
        texts = (str(row.rank) if row.rank is not None else "—", row.town, *row.categories, row.bonus, row.total,
                 row.grade)
        cells = row_cells(list(zip(texts, widths, strict=True)))
        note = row.note + ("；" if row.note and row.vetoes else "") + (f"一票否决：{row.vetoes}" if row.vetoes else "")
        if note:
            cells += (Cell(note, 1, False),)
        else:  # the last cell covers the empty note column: one box fewer
            cells = (*cells[:-1], replace(cells[-1], span=cells[-1].span + 1))
        lines.append(cells)
    return lines


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
        report=report, layout=ranking_layout(report), rows=ranking_rows(report, rows), incomplete=incomplete,
        first_page=first_page,
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

