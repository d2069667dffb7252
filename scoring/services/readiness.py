"""What stands in the way of releasing an assessment's results: the one list of blockers.

The administrator's assessment page and the phase-change confirmation both show this,
so they can never disagree about what is unfinished.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.messages import Message
from scoring.ranking import INCOMPLETE
from scoring.services import cache
from scoring.services.outcomes import assessment_towns
from scoring.store import queries

MISSING_LISTED = 50  # missing marks named on the page; the count is always complete


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: str  # display name
    department: str
    assigned: int  # town × item cells assigned
    marked: int  # of which with a counting mark


@dataclass(frozen=True)
class TownProgress:
    town_id: int
    town: str
    items: int
    scored: int
    note: Message | str  # "未完成，缺 n 项" for an incomplete town, else ""


@dataclass(frozen=True)
class MissingMark:
    reviewer: str
    town: str
    item_id: str


@dataclass(frozen=True)
class Blockers:
    reviewers: tuple[ReviewerProgress, ...]
    towns: tuple[TownProgress, ...]
    missing: tuple[MissingMark, ...]  # at most MISSING_LISTED
    missing_count: int
    disagreements: int  # open (not resolved)
    unusable: int  # stored marks that do not count
    pending_appeals: int

    @property
    def incomplete(self) -> tuple[TownProgress, ...]:
        return tuple(t for t in self.towns if t.note)

    @property
    def any(self) -> bool:
        """Whether anything stands in the way of releasing the results."""
        return bool(self.incomplete or self.missing_count or self.disagreements or self.unusable
                    or self.pending_appeals)


def release_blockers(session: Session, assessment_id: int) -> Blockers:
    """Progress per reviewer and per town, missing marks, open disagreements, incomplete towns.

    Read off the cached outcome and a count of marked cells per town and reviewer, both
    brought up to date after a save by counting that town again (reading every counting
    mark took 0.9 s at 400 towns); the missing marks named are read from the towns where
    a reviewer's count falls short. Kept per data version, so the phase confirmation never
    shows blockers older than the data.
    """
    return cache.derived(session, assessment_id, "blockers", lambda: _blockers(session, assessment_id))


@dataclass(frozen=True)
class _Cells:
    """One reviewer's assigned town × item cells, without listing 2,000 towns × every item."""

    everywhere: frozenset[str]  # items assigned for every town of the assessment
    by_town: dict[int, frozenset[str]]  # further items assigned for one town

    def count(self, n_towns: int) -> int:
        return len(self.everywhere) * n_towns + sum(len(items) for items in self.by_town.values())

    def of(self, town_id: int) -> frozenset[str]:
        return self.everywhere | self.by_town.get(town_id, frozenset())

    def has(self, town_id: int, item: str) -> bool:
        return item in self.everywhere or item in self.by_town.get(town_id, frozenset())


def _marked(session: Session, assessment_id: int) -> dict[int, dict[int, int]]:
    """Town -> reviewer -> marked cells, counted again only for the towns whose marks changed."""
    def update(known: dict[int, dict[int, int]], towns: set[int]) -> dict[int, dict[int, int]]:
        return {**{t: n for t, n in known.items() if t not in towns}, **queries.marked_cells(session, assessment_id, towns)}

    return cache.through_marks(session, assessment_id, "marked-cells",
                               lambda: queries.marked_cells(session, assessment_id), update)


def _blockers(session: Session, assessment_id: int) -> Blockers:
    rubric, cached = cache.assessment_outcome(session, assessment_id)
    outcome, unusable = cached.outcome, cached.unusable  # unusable: stored, not valid, so they do not count
    marked = _marked(session, assessment_id)
    towns = assessment_towns(session, assessment_id)
    ids = {name: tid for tid, name in towns.items()}
    users = queries.users_by_id(session)
    cells = _assigned_cells(queries.assignments(session, assessment_id), towns)
    usernames = {u.username: uid for uid, u in users.items()}
    bad: dict[int, set[tuple[int, str]]] = {}  # reviewer -> unusable marks on their cells
    for u in unusable:
        reviewer, town_id = usernames.get(u.reviewer), ids.get(u.town)
        if reviewer in cells and town_id is not None and cells[reviewer].has(town_id, u.item):
            bad.setdefault(reviewer, set()).add((town_id, u.item))
    by_name = sorted(towns, key=lambda t: towns[t])  # sorted here: the database's collation may differ
    reviewers, missing, missing_count = [], [], 0
    for reviewer_id in sorted(cells, key=lambda r: users[r].display_name):  # ties: by id, as cells are
        user, mine, spoilt = users[reviewer_id], cells[reviewer_id], bad.get(reviewer_id, set())
        short = {}  # town -> cells without a counting mark
        every = len(mine.everywhere)
        for town_id in towns:
            n = every + len(mine.by_town.get(town_id, ())) - marked.get(town_id, {}).get(reviewer_id, 0)
            if n:
                short[town_id] = n
        for town_id, _item in spoilt:
            short[town_id] = short.get(town_id, 0) + 1
        assigned, absent = mine.count(len(towns)), sum(short.values())
        reviewers.append(ReviewerProgress(user.display_name, user.department, assigned, assigned - absent))
        missing_count += absent
        if absent and len(missing) < MISSING_LISTED:
            missing += [MissingMark(user.display_name, towns[t], item) for t, item in _absent(
                session, assessment_id, reviewer_id, mine, [t for t in by_name if t in short], short, spoilt,
                MISSING_LISTED - len(missing))]
    n_items = sum(1 for _ in rubric.all_items())
    ranking = outcome.ranking  # read by column: to_dict of 2,000 rows cost 30 ms
    names, absent = ranking["town"].tolist(), ranking["missing"].tolist()
    status, notes = ranking["status"].tolist(), ranking["grade_note"].tolist()
    town_lines = tuple(TownProgress(ids[names[k]], names[k], n_items, n_items - int(absent[k]),
                                    notes[k] if status[k] == INCOMPLETE else "")
                       for k in sorted(range(len(names)), key=names.__getitem__) if names[k] in ids)
    return Blockers(
        reviewers=tuple(reviewers), towns=town_lines, missing=tuple(missing), missing_count=missing_count,
        disagreements=int(outcome.item_scores["disagreement"].sum()), unusable=len(unusable),
        pending_appeals=sum(a.status == "pending" for a in queries.appeals(session, assessment_id)))


def _assigned_cells(assignments, towns: dict[int, str]) -> dict[int, _Cells]:
    """Reviewer id -> their cells (an assignment without a town: every town of the assessment);
    a reviewer without a cell in the assessment's towns has no line."""
    everywhere: dict[int, set[str]] = {}
    by_town: dict[int, dict[int, set[str]]] = {}
    for a in assignments:
        if a.town_id is None:
            everywhere.setdefault(a.reviewer_id, set()).add(a.item_id)
        elif a.town_id in towns:
            by_town.setdefault(a.reviewer_id, {}).setdefault(a.town_id, set()).add(a.item_id)
    cells = {}
    for reviewer in sorted(everywhere.keys() | by_town.keys()):
        every = frozenset(everywhere.get(reviewer, ()))
        found = _Cells(every, {t: frozenset(items - every) for t, items in by_town.get(reviewer, {}).items()
                               if items - every})
        if found.count(len(towns)):
            cells[reviewer] = found
    return cells


def _absent(session: Session, assessment_id: int, reviewer_id: int, cells: _Cells, short_towns: list[int],
            short: dict[int, int], spoilt: set[tuple[int, str]], wanted: int) -> list[tuple[int, str]]:
    """The first ``wanted`` of the reviewer's cells without a counting mark, by town name and
    item: only the towns (in name order) that hold them are read."""
    chosen, enough = [], 0
    for town_id in short_towns:
        chosen.append(town_id)
        enough += short[town_id]
        if enough >= wanted:
            break
    have = queries.marked_cells_of(session, assessment_id, reviewer_id, chosen) - spoilt
    found = [(t, item) for t in chosen for item in sorted(cells.of(t)) if (t, item) not in have]
    return found[:wanted]
