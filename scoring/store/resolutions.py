"""Reads of resolved disagreements: the rows, and the marks they make (one per town × item)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.errors import InvalidMark
from scoring.marks import Mark, read_mark
from scoring.store.models import Resolution
from scoring.store.queries import assessment_rubric, assessment_towns, users_by_id
from scoring.store.views import ResolutionView, view_of


def resolutions(session: Session, assessment_id: int) -> list[ResolutionView]:
    """Every resolution of the assessment, newest first."""
    rows = session.execute(select(Resolution).where(Resolution.assessment_id == assessment_id)
                           .order_by(Resolution.resolved_at.desc(), Resolution.id.desc())).scalars()
    return [view_of(ResolutionView, r) for r in rows]


def resolved_marks(session: Session, assessment_id: int) -> list[Mark]:
    """The marks resolutions set, each under the name of the reviewer chosen (or the administrator).

    Each is checked as it is read (a row edited outside the service that is not a valid
    mark is left out: the reviewers' marks then count as before).
    """
    rows = resolutions(session, assessment_id)
    if not rows:
        return []
    towns, users = assessment_towns(session, assessment_id), users_by_id(session)
    rubric = assessment_rubric(session, assessment_id)
    marks = []
    for row in rows:
        author = users.get(row.chosen_reviewer_id or row.resolved_by or -1)
        if row.town_id not in towns or author is None:
            continue
        try:
            marks.append(read_mark(rubric, town=towns[row.town_id], item=row.item_id, reviewer=author.username,
                                   inputs=dict(row.inputs)))
        except InvalidMark:
            continue
    return marks
