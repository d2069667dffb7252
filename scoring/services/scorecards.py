"""Scorecards and the ranking: view models from the one outcome of an assessment."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import NotFound
from scoring.messages import N_
from scoring.points import format_points
from scoring.ranking import RANKED
from scoring.report.scorecard import (
    MarkContext,
    RankingReport,
    Scorecard,
    build_ranking,
    build_scorecard,
)
from scoring.services.appeals import appeal_lines
from scoring.services.outcomes import assessment_outcome
from scoring.store import checkpoints, queries


def assessment_documents(session: Session, assessment_id: int, town_ids: list[int] | None = None, *,
                         ranking: bool = True) -> tuple[Iterator[Scorecard], RankingReport | None]:
    """The towns' scorecards (built lazily, in ``town_ids`` order) and the district ranking.

    One computation of the outcome serves every document (and every page until the data
    changes); the marks themselves are read only for the towns whose cards are wanted.
    """
    assessment = queries.assessment(session, assessment_id)
    towns = queries.assessment_towns(session, assessment_id)
    town_ids = list(towns) if town_ids is None else town_ids
    if any(t not in towns for t in town_ids):
        raise NotFound("town not in this assessment")
    rubric, outcome = assessment_outcome(session, assessment_id)  # cached per data version
    marks = _reasons(session, assessment_id, town_ids)
    previous = _previous_totals(session, assessment) if town_ids else {}  # only cards show it
    contexts = {t: _mark_context(session, assessment_id, t) for t in town_ids}
    appeals = {t: appeal_lines(session, assessment_id, t, rubric) for t in town_ids}  # now: the cards are lazy
    anchor = checkpoints.latest(session)
    common = {"district": queries.district_name(session, assessment.district_id), "assessment": assessment.name,
              "year": assessment.year, "released": _date(assessment.released_at),
              "audit_anchor": anchor.short if anchor else ""}
    report = build_ranking(rubric=rubric, outcome=outcome, **common) if ranking else None
    cards = (build_scorecard(rubric=rubric, outcome=outcome, town=towns[t], marks=marks, context=contexts[t],
                             previous_total=previous.get(towns[t], ""),
                             appeals=appeals[t], **common) for t in town_ids)
    return cards, report


def _reasons(session: Session, assessment_id: int, town_ids: list[int]) -> list:
    """The counting marks the cards quote (comments, deductions, citations): of these towns only."""
    if not town_ids:
        return []
    if len(town_ids) > 3:
        return queries.complete_marks(session, assessment_id)
    return [m for t in town_ids for m in queries.complete_marks(session, assessment_id, t)]


def town_scorecard(session: Session, assessment_id: int, town_id: int) -> Scorecard:
    """Return a town's scorecard view model, computed from the whole assessment's outcome."""
    cards, _ = assessment_documents(session, assessment_id, [town_id], ranking=False)
    return next(cards)


def district_ranking(session: Session, assessment_id: int) -> RankingReport:
    _, report = assessment_documents(session, assessment_id, [], ranking=True)
    assert report is not None
    return report


def _previous_totals(session: Session, assessment) -> dict[str, str]:
    """Town -> total in the same district's released assessment of the year before."""
    earlier = [a for a in queries.all_assessments(session)
               if a.district_id == assessment.district_id and a.year == assessment.year - 1
               and phases.allowed(a.phase, "see_results")]
    if not earlier:
        return {}
    _, outcome = assessment_outcome(session, earlier[0].id)
    return {row["town"]: format_points(row["total"]) for row in outcome.ranking.to_dict("records")
            if row["status"] == RANKED}  # an unranked town had no total last year either


def _mark_context(session: Session, assessment_id: int, town_id: int) -> MarkContext:
    departments = {u.username: u.department for u in queries.users(session)}
    files = {f.id: f.name for f in queries.evidence_files(session, assessment_id, town_id)}
    passages = {}
    for p in queries.passages(session, list(files)):
        passages[(str(p.evidence_id), p.passage_key)] = (files[p.evidence_id], p.location)
    return MarkContext(departments=departments, passages=passages)


def _date(value) -> str:
    """The release date as the document writes it (Chinese: see ``_where``)."""
    if not value:
        return ""
    return str(N_("%(year)s年%(month)s月%(day)s日", year=value.year, month=value.strftime("%m"),
                  day=value.strftime("%d")))
