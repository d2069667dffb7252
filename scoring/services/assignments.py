"""The assignment board: reviewers × items (and one reviewer's items × towns), loads,
shortfalls against the rubric's reviewer count, conflicts, and last year's assessment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring import assignments as plan
from scoring import phases
from scoring.services import cache
from scoring.services.outcomes import assessment_towns
from scoring.store import queries
from scoring.store.views import AssessmentView, ConflictView, UserView

ALL, SOME, NONE = "all", "some", ""


@dataclass(frozen=True)
class Column:
    """An assignable item as a column: id, title, department and how many reviewers it needs."""

    id: str
    title: str
    department: str
    needed: int
    group: str  # the category id (or 加分 / 否决), for the header row


@dataclass(frozen=True)
class ConflictLine:
    conflict: ConflictView
    reviewer: str
    town: str
    declared_by_self: bool
    items: tuple[str, ...]  # the reviewer's items for that town, now not scored by them


@dataclass(frozen=True)
class Board:
    assessment: AssessmentView
    editable: bool  # the phase allows setup edits
    reviewers: list[UserView]
    columns: list[Column]
    cells: dict[tuple[int, str], tuple[str, int]]  # (reviewer, item) -> (ALL/SOME/NONE, towns covered)
    loads: dict[int, int]  # reviewer -> item × town marks to give
    towns: dict[int, str]
    shortfalls: list[plan.Shortfall]
    conflicts: list[ConflictLine]
    previous: AssessmentView | None  # last year's, to copy from
    proposal: dict[str, list[int]]  # item -> reviewers of its responsible department


def _columns(rubric) -> list[Column]:
    out = [Column(i.id, i.title, i.department, rubric.reviewers_of(i.id), c.id) for c, i in rubric.all_items()]
    out += [Column(b.id, b.title, b.department, 1, "+") for b in (rubric.bonus.items if rubric.bonus else [])]
    return out + [Column(v.id, v.title, v.department, 1, "×") for v in rubric.vetoes]


def _cells(session: Session, assessment_id: int, towns: dict[int, str], reviewers: list[UserView]):
    rows = [(a.reviewer_id, a.item_id, a.town_id) for a in queries.assignments(session, assessment_id)]
    barred = {r.id: queries.conflicted_towns(session, assessment_id, r.id) for r in reviewers}
    return plan.cells_of(rows, towns, barred), barred


def _expanded(session: Session, assessment_id: int, rubric, towns: dict[int, str], reviewers: list[UserView]):
    """(reviewer, item) -> (ALL/SOME/NONE, towns covered); loads; shortfalls: from every assigned cell."""
    cells, barred = _cells(session, assessment_id, towns, reviewers)
    covered: dict[tuple[int, str], int] = {}
    for reviewer, item, _ in cells:
        covered[(reviewer, item)] = covered.get((reviewer, item), 0) + 1
    every, state = set(towns), {}
    for key, n in covered.items():
        possible = len(every - barred.get(key[0], set()))
        state[key] = (ALL if n >= possible else SOME, n)
    return state, plan.loads(cells), plan.shortfalls(rubric, cells, towns)


@dataclass(frozen=True)
class BoardSummary:
    """What the assessment page shows of the board: each reviewer's load, shortfalls, conflicts."""

    reviewers: list[UserView]
    loads: dict[int, int]  # reviewer -> item × town marks to give
    shortfalls: list[plan.Shortfall]
    conflicts: list[ConflictView]


def assignment_summary(session: Session, assessment_id: int) -> BoardSummary:
    """The board's figures the assessment page shows, without the board's columns and proposal."""
    reviewers = _reviewers(queries.users_by_id(session))
    _, loads, shortfalls = _expanded_cells(session, assessment_id, reviewers)
    return BoardSummary(reviewers, loads, shortfalls, queries.conflicts(session, assessment_id))


def _reviewers(users: dict[int, UserView]) -> list[UserView]:
    return sorted((u for u in users.values() if u.role == "reviewer" and u.active),
                  key=lambda u: (u.department, u.display_name))


def _expanded_cells(session: Session, assessment_id: int, reviewers: list[UserView]):
    """``_expanded``, once per change of the setup, not after every mark (0.4 s warm at 2,000 towns)."""
    return cache.through_marks(session, assessment_id, "assignment-cells", lambda: _expanded(
        session, assessment_id, queries.assessment_rubric(session, assessment_id),
        assessment_towns(session, assessment_id), reviewers))


def assignment_board(session: Session, assessment_id: int) -> Board:
    assessment = queries.assessment(session, assessment_id)
    rubric = queries.assessment_rubric(session, assessment_id)
    towns = assessment_towns(session, assessment_id)
    users = queries.users_by_id(session)
    reviewers = _reviewers(users)
    state, loads, shortfalls = _expanded_cells(session, assessment_id, reviewers)
    lines = []
    for c in queries.conflicts(session, assessment_id):
        items = tuple(i for (r, i), _ in state.items() if r == c.reviewer_id)
        lines.append(ConflictLine(c, users[c.reviewer_id].display_name if c.reviewer_id in users else "",
                                  towns.get(c.town_id, ""), c.declared_by == c.reviewer_id, tuple(sorted(items))))
    return Board(assessment=assessment, editable=phases.allowed(assessment.phase, "edit_setup"),
                 reviewers=reviewers, columns=_columns(rubric), cells=state, loads=loads, towns=towns,
                 shortfalls=shortfalls, conflicts=lines,
                 previous=queries.previous_assessment(session, assessment_id),
                 proposal=plan.department_plan(rubric, {r.id: r.department for r in reviewers}))


@dataclass(frozen=True)
class TownBoard:
    """One reviewer's items × towns."""

    assessment: AssessmentView
    editable: bool
    reviewer: UserView
    columns: list[Column]
    towns: dict[int, str]
    on: set[tuple[str, int]]  # (item, town) the reviewer scores
    barred: set[int]  # towns the reviewer conflicts with
    load: int


def reviewer_towns_board(session: Session, assessment_id: int, reviewer: UserView) -> TownBoard:
    assessment = queries.assessment(session, assessment_id)
    towns = queries.assessment_towns(session, assessment_id)
    cells, barred = _cells(session, assessment_id, towns, [reviewer])
    on = {(item, town) for r, item, town in cells if r == reviewer.id}
    return TownBoard(assessment, phases.allowed(assessment.phase, "edit_setup"), reviewer,
                     _columns(queries.assessment_rubric(session, assessment_id)), towns, on,
                     barred.get(reviewer.id, set()), len(on))
