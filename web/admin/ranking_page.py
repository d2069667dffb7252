"""The assessment page lists a district's towns page by page (a province: 2,000 towns)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scoring.services.scorecards import RankingReport, district_ranking_page

RANKING_PAGE = 100  # towns per page, ranked and unranked each


def ranking_page(session: Session, assessment_id: int, number: int) -> tuple[RankingReport, dict]:
    """The ranking (its rows: those of page ``number`` only) and the page the template lists
    (clamped to the pages there are)."""
    found = district_ranking_page(session, assessment_id, number, RANKING_PAGE)
    return found.report, {"number": found.number, "pages": found.pages, "rows": found.report.rows,
                          "incomplete": found.report.incomplete}
