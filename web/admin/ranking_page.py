"""The assessment page lists a district's towns page by page (a province: 2,000 towns)."""

from __future__ import annotations

RANKING_PAGE = 100  # towns per page, ranked and unranked each


def page_of(ranking, number: int) -> dict:
    """The ranked and the unranked towns page ``number`` lists (clamped to the pages there are)."""
    pages = max(1, -(-max(len(ranking.rows), len(ranking.incomplete)) // RANKING_PAGE))
    number = min(max(number, 1), pages)
    part = slice((number - 1) * RANKING_PAGE, number * RANKING_PAGE)
    return {"number": number, "pages": pages, "rows": ranking.rows[part], "incomplete": ranking.incomplete[part]}
