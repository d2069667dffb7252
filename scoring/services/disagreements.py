"""The disagreement queue: items whose reviewers' marks differ beyond the rubric's threshold.

Which items are in disagreement is the core's rule (``results.item_scores``'s
``disagreement``); the queue is that flag read off the assessment's one outcome, in
which resolved items already count with their one resolved mark (so they leave it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.errors import InvalidInput
from scoring.marks import mark_table
from scoring.messages import N_
from scoring.method_points import mark_points
from scoring.points import format_points
from scoring.services.outcomes import assessment_outcome
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.resolutions import resolutions


@dataclass(frozen=True)
class ReviewerMark:
    reviewer_id: int
    reviewer: str  # display name
    department: str
    points: str
    comment: str


@dataclass(frozen=True)
class Disagreement:
    town_id: int
    town: str
    item_id: str
    title: str
    max_points: str
    lowest: str
    highest: str
    combined: str  # what counts now, by the rubric's rule
    marks: tuple[ReviewerMark, ...]


@dataclass(frozen=True)
class ResolvedLine:
    town: str
    item_id: str
    chosen: str  # the reviewer whose mark was chosen, or "" when the administrator set it
    points: str
    reason: str
    resolved_by: str
    resolved_at: str


def disagreement_queue(session: Session, assessment_id: int) -> list[Disagreement]:
    """The open disagreements of an assessment, town by town, items in rubric order."""
    rubric, outcome = assessment_outcome(session, assessment_id)
    scores = outcome.item_scores
    open_rows = scores[scores["disagreement"].to_numpy(dtype=bool)]
    if open_rows.empty:
        return []
    town_ids = {name: tid for tid, name in queries.assessment_towns(session, assessment_id).items()}
    users = {u.username: u for u in queries.users(session)}
    marks = queries.complete_marks(session, assessment_id)  # the reviewers' own marks, comments included
    given = mark_points(rubric, mark_table(marks))
    queue = []
    for row in open_rows.to_dict("records"):
        town, item = str(row["town"]), str(row["item"])
        mine = given[(given["town"].astype(str) == town) & (given["item"] == item) & given["points"].notna()]
        lines = []
        for mark in mine.to_dict("records"):
            user = users.get(str(mark["reviewer"]))
            comment = marks[int(mark["mark_id"])].comment
            lines.append(ReviewerMark(user.id if user else 0, user.display_name if user else str(mark["reviewer"]),
                                      user.department if user else "", format_points(int(mark["points"])), comment))
        queue.append(Disagreement(
            town_id=town_ids[town], town=town, item_id=item, title=rubric.item(item).title,
            max_points=format_points(int(row["max"])), lowest=format_points(int(row["lowest"])),
            highest=format_points(int(row["highest"])), combined=format_points(int(row["points"])),
            marks=tuple(lines)))
    return queue


def resolved_lines(session: Session, assessment_id: int) -> list[ResolvedLine]:
    """The resolutions made, newest first, with the points each now gives."""
    _, outcome = assessment_outcome(session, assessment_id)
    scores = outcome.item_scores.set_index(["town", "item"])["points"]
    towns, users = queries.assessment_towns(session, assessment_id), queries.users_by_id(session)
    lines = []
    for r in resolutions(session, assessment_id):
        town = towns.get(r.town_id, "")
        value = scores.get((town, r.item_id))
        chosen, by = users.get(r.chosen_reviewer_id or -1), users.get(r.resolved_by or -1)
        lines.append(ResolvedLine(town=town, item_id=r.item_id, chosen=chosen.display_name if chosen else "",
                                  points=format_points(int(value)) if value is not None and value == value else "—",
                                  reason=r.reason, resolved_by=by.display_name if by else "",
                                  resolved_at=r.resolved_at.strftime("%Y-%m-%d %H:%M")))
    return lines


def resolve(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str, reason: str,
            reviewer_id: int | None = None, inputs: dict | None = None) -> None:
    """Resolve one open disagreement (refused for an item that is not in the queue); audited in the store."""
    if not any(d.town_id == town_id and d.item_id == item_id for d in disagreement_queue(session, assessment_id)):
        raise InvalidInput("item_id", N_("该项目没有待裁定的评分分歧"))
    operations.resolve_disagreement(session, actor, assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                                    reason=reason, reviewer_id=reviewer_id, inputs=inputs)
