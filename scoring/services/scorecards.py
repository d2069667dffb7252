"""Scorecards and the ranking: view models from the one outcome of an assessment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import NotFound
from scoring.messages import N_
from scoring.outcome import Outcome
from scoring.points import format_points
from scoring.ranking import RANKED
from scoring.report.ranking import RankingReport, build_ranking
from scoring.report.scorecard import MarkContext, Scorecard, build_scorecard
from scoring.resolutions import resolve_marks
from scoring.services.appeals import appeal_lines
from scoring.services.outcomes import assessment_outcome
from scoring.store import checkpoints, queries
from scoring.store.resolutions import resolved_marks


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
    previous = _previous_year(session, assessment) if town_ids else _PreviousYear()  # only cards show it
    contexts = {t: _mark_context(session, assessment_id, t) for t in town_ids}
    appeals = {t: appeal_lines(session, assessment_id, t, rubric) for t in town_ids}  # now: the cards are lazy
    anchor = checkpoints.latest(session)
    common = {"district": queries.district_name(session, assessment.district_id), "assessment": assessment.name,
              "year": assessment.year, "released": _date(assessment.released_at),
              "audit_anchor": anchor.short if anchor else ""}
    report = _ranking(rubric, outcome, common) if ranking else None
    cards = (build_scorecard(rubric=rubric, outcome=outcome, town=towns[t], marks=marks, context=contexts[t],
                             previous_total=previous.totals.get(towns[t], ""),
                             previous_categories=previous.categories.get(towns[t], {}), previous_note=previous.note,
                             issuer=assessment.issuer, document_number=assessment.document_number,
                             appeals=appeals[t], **common) for t in town_ids)
    return cards, report


_rankings: list[tuple[Outcome, tuple, RankingReport]] = []  # the last few, per outcome computed


def _ranking(rubric, outcome: Outcome, common: dict) -> RankingReport:
    """The ranking's view model, built once per outcome (2,000 towns: 18,000 numbers to format)."""
    key = tuple(sorted(common.items()))
    for known, known_key, report in list(_rankings):
        if known is outcome and known_key == key:
            return report
    report = build_ranking(rubric=rubric, outcome=outcome, **common)
    _rankings.append((outcome, key, report))
    del _rankings[:-4]
    return report


def _reasons(session: Session, assessment_id: int, town_ids: list[int]) -> list:
    """The counting marks the cards quote (comments, deductions, citations): of these towns only.

    A resolved item's reasons are the resolution's mark's, as its points are.
    """
    if not town_ids:
        return []
    if len(town_ids) > 3:
        marks = queries.complete_marks(session, assessment_id)
    else:
        marks = [m for t in town_ids for m in queries.complete_marks(session, assessment_id, t)]
    return resolve_marks(marks, resolved_marks(session, assessment_id))


def town_scorecard(session: Session, assessment_id: int, town_id: int) -> Scorecard:
    """Return a town's scorecard view model, computed from the whole assessment's outcome."""
    cards, _ = assessment_documents(session, assessment_id, [town_id], ranking=False)
    return next(cards)


@dataclass(frozen=True)
class RankingPage:
    """One page of the district ranking: ``report`` holds only this page's rows (ranked and
    unranked towns each, ``size`` a page); ``number`` clamped to the ``pages`` there are."""

    report: RankingReport
    number: int
    pages: int


def district_ranking_page(session: Session, assessment_id: int, number: int, size: int) -> RankingPage:
    """The ranking's page ``number`` (from 1), the rows built for that page alone.

    A row is its own town's record formatted, so a page's rows are the district ranking's
    rows on that page, without formatting 2,000 towns' numbers after every save.
    """
    assessment = queries.assessment(session, assessment_id)
    rubric, outcome = assessment_outcome(session, assessment_id)  # cached per data version
    ranked = (outcome.ranking["status"] == RANKED).to_numpy()
    places, others = ranked.nonzero()[0], (~ranked).nonzero()[0]
    pages = max(1, -(-max(len(places), len(others)) // size))
    number = min(max(number, 1), pages)
    part = slice((number - 1) * size, number * size)
    shown = outcome.ranking.iloc[sorted([*places[part], *others[part]])]
    common = {"district": queries.district_name(session, assessment.district_id), "assessment": assessment.name,
              "year": assessment.year, "released": _date(assessment.released_at), "audit_anchor": ""}
    report = build_ranking(rubric=rubric, outcome=replace(outcome, ranking=shown), **common)
    return RankingPage(report, number, pages)


def district_ranking(session: Session, assessment_id: int) -> RankingReport:
    _, report = assessment_documents(session, assessment_id, [], ranking=True)
    assert report is not None
    return report


@dataclass(frozen=True)
class _PreviousYear:
    totals: dict[str, str] = field(default_factory=dict)  # town -> total
    categories: dict[str, dict[str, str]] = field(default_factory=dict)  # town -> category id -> points
    note: str = ""  # says when last year's rubric is another version


def _previous_year(session: Session, assessment) -> _PreviousYear:
    """Each town's total and category points in the district's released assessment of the year before."""
    earlier = [a for a in queries.all_assessments(session)
               if a.district_id == assessment.district_id and a.year == assessment.year - 1
               and phases.allowed(a.phase, "see_results")]
    if not earlier:
        return _PreviousYear()
    rubric, outcome = assessment_outcome(session, earlier[0].id)
    ranked = [row for row in outcome.ranking.to_dict("records") if row["status"] == RANKED]
    # An unranked town had no total last year either; a category is compared by its id.
    categories = {c.id for c in rubric.categories}
    note = "" if earlier[0].rubric_version_id == assessment.rubric_version_id else str(N_(
        "上年度使用的考核细则版本不同，分类得分对比仅供参考"))
    return _PreviousYear(
        totals={row["town"]: format_points(row["total"]) for row in ranked},
        categories={row["town"]: {c: format_points(row[f"cat:{c}"]) for c in categories} for row in ranked},
        note=note)


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
