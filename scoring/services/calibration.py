"""Reviewers' calibration and the ranking's sensitivity, as the administrator's pages show them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from scoring.calibration import HARSH, LENIENT, calibration, offsets
from scoring.marks import MarkTable
from scoring.messages import N_, Message
from scoring.outcome import Outcome, compute_outcome
from scoring.points import format_points
from scoring.resolutions import apply_resolutions
from scoring.sensitivity import sensitivity
from scoring.services import background, cache
from scoring.services.background import Figure
from scoring.services.outcomes import assessment_outcome, assessment_towns
from scoring.store import queries
from scoring.store.mark_frames import MarksById, marks_by_id, with_towns_read_again
from scoring.store.resolutions import resolved_marks

LEANS = {LENIENT: N_("偏宽"), HARSH: N_("偏严")}


@dataclass(frozen=True)
class ReviewerLine:
    reviewer: str  # display name
    department: str
    marks: int
    compared: int
    deviation: str  # signed points, "+0.3" / "-1.25" / "—"
    share: str  # signed per cent of the item's maximum, "+4.0%"
    lean: Message | str


@dataclass(frozen=True)
class PlaceLine:
    """A town's rank, total and grade, raw (what counts) and normalised (beside it)."""

    town: str
    rank: str
    total: Message | str  # an unranked town's note instead
    grade: str
    normalised_rank: str
    normalised_total: Message | str
    normalised_grade: str


@dataclass(frozen=True)
class CalibrationPage:
    reviewers: tuple[ReviewerLine, ...]
    places: tuple[PlaceLine, ...]
    normalised: bool  # False: nothing to correct (no item has marks of two reviewers)


def _tables(session: Session, assessment_id: int):
    rubric, outcome = assessment_outcome(session, assessment_id)
    raw = counting_table(session, assessment_id)
    resolved = apply_resolutions(raw, resolved_marks(session, assessment_id))
    towns = list(assessment_towns(session, assessment_id).values())
    return rubric, outcome, raw, resolved, towns


def counting_table(session: Session, assessment_id: int) -> MarkTable:
    """The counting marks' table (``mark_frames.counting_marks``), kept from one data version to the
    next: after changes of some towns' marks only those towns are read again (the district's
    marks take 2.6 s to read at 2,000 towns). Not to be changed: pages share it."""
    def update(known: MarksById, town_ids: set[int]) -> MarksById | None:
        towns = assessment_towns(session, assessment_id)
        if any(t not in towns for t in town_ids):
            return None
        return with_towns_read_again(known, marks_by_id(session, assessment_id, sorted(town_ids)),
                                     [towns[t] for t in town_ids])

    return cache.through_marks(session, assessment_id, "counting-marks",
                               lambda: marks_by_id(session, assessment_id), update).table


def calibration_page(session: Session, assessment_id: int) -> CalibrationPage:
    """Each reviewer's mean deviation from the others on the same items, and the normalised ranking beside the raw."""
    rubric, outcome, raw, resolved, towns = _tables(session, assessment_id)
    table = calibration(rubric, raw)
    users = {u.username: u for u in queries.users(session)}
    lines = []
    for row in table.to_dict("records"):
        user = users.get(row["reviewer"])
        known = row["compared"] > 0
        lines.append(ReviewerLine(
            reviewer=user.display_name if user else row["reviewer"], department=user.department if user else "",
            marks=int(row["marks"]), compared=int(row["compared"]),
            deviation=_signed(format_points(int(row["mean_deviation"])), row["mean_deviation"]) if known else "—",
            share=_signed(f"{row['mean_share'] * 100:.1f}%", row["mean_share"]) if known else "—",
            lean=LEANS.get(row["lean"], N_("适中")) if known else "—"))
    correction = offsets(table)
    normalised = compute_outcome(rubric, resolved, towns, correction) if correction else outcome
    return CalibrationPage(tuple(lines), _places(outcome, normalised), bool(correction))


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else text


def _places(raw: Outcome, normalised: Outcome) -> tuple[PlaceLine, ...]:
    other = normalised.ranking.set_index("town")
    lines = []
    for row in raw.ranking.to_dict("records"):
        o = other.loc[row["town"]]
        lines.append(PlaceLine(row["town"], *_place(row), *_place(o)))
    return tuple(lines)


def _place(row) -> tuple[str, Message | str, str]:
    if pd.isna(row["rank"]):
        return "—", row["grade_note"] or "", "—"
    return str(int(row["rank"])), format_points(int(row["total"])), str(row["grade"])


def ranking_sensitivity(session: Session, assessment_id: int) -> dict[str, tuple[Message, ...]]:
    """Town -> what its rank or grade depends on ("按中位数合并：名次 2 → 1"), for the ranking page.

    Computed once per data version (the ranking under each variant: after a change at 2,000
    towns × 3 reviewers about 0.5 s, see benchmarks/bench_sensitivity.py).
    """
    return cache.derived(session, assessment_id, "sensitivity", lambda: _sensitivity(session, assessment_id))


def sensitivity_for_page(session: Session, factory: sessionmaker[Session], assessment_id: int) -> Figure:
    """The sensitivity flags for the administrator's page without computing them in the request:
    those of the current data version if computed, else the newest computed (the page says they
    are being brought up to date) while the current version is computed in the background."""
    return background.newest(session, factory, assessment_id, "sensitivity", ranking_sensitivity)


def _sensitivity(session: Session, assessment_id: int) -> dict[str, tuple[Message, ...]]:
    rubric, outcome, raw, resolved, towns = _tables(session, assessment_id)
    names = {u.username: u.display_name for u in queries.users(session)}
    result = sensitivity(rubric, resolved, towns, raw=raw, base=outcome, names=names)
    columns = {c: result.table[c].tolist() for c in result.table.columns}  # plain lists: .loc per town took 1 s
    row_of = {town: k for k, town in enumerate(columns["town"])}
    notes: dict[str, tuple[Message, ...]] = {}
    for town, variants in result.depends.items():
        k = row_of[town]
        notes[town] = tuple(N_("%(choice)s：名次 %(a)s → %(b)s，等次 %(g)s → %(h)s", choice=v.label,
                               a=_rank(columns["rank"][k]), b=_rank(columns[f"rank:{v.key}"][k]),
                               g=columns["grade"][k] or "—", h=columns[f"grade:{v.key}"][k] or "—")
                            for v in variants)
    return notes


def _rank(value) -> str:
    return str(int(value)) if value else "—"
