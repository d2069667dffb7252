"""Replaying the audit trail: every mark as the change log says it is, from an empty table.

Each ``mark.save`` event keeps the mark's inputs, whether it counts, its draft and its
version after the save; an appeal's ``mark.adjust`` keeps the adjusted inputs. Folding the
events in order gives every mark without reading the marks table, so a mark changed
outside the service (no event) or an event that was lost shows up in ``compare``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.store.models import AuditEvent, MarkRow

MARK_EVENTS = ("mark.save", "mark.adjust")
MarkKey = tuple[int, int, str, int]  # assessment, town, item, reviewer


@dataclass(frozen=True)
class ReplayedMark:
    inputs: dict
    complete: bool
    draft: dict | None
    version: int


@dataclass(frozen=True)
class ReplayReport:
    """How the marks table compares with the marks the audit trail replays to."""

    events: int  # mark events replayed
    marks: int  # marks stored
    differing: tuple[MarkKey, ...]  # stored and replayed, but not the same
    not_in_log: tuple[MarkKey, ...]  # stored, with no event
    not_stored: tuple[MarkKey, ...]  # replayed, but not in the table

    @property
    def reproduced(self) -> bool:
        return not (self.differing or self.not_in_log or self.not_stored)


def _key(object_key: str) -> MarkKey:
    assessment, town, rest = object_key.split("/", 2)
    item, reviewer = rest.rsplit("/", 1)
    return int(assessment), int(town), item, int(reviewer)


def replay_marks(session: Session) -> tuple[dict[MarkKey, ReplayedMark], int]:
    """Every mark the audit trail's events describe, and how many events were replayed."""
    marks: dict[MarkKey, ReplayedMark] = {}
    events = 0
    query = (select(AuditEvent.action, AuditEvent.object_key, AuditEvent.after)
             .where(AuditEvent.action.in_(MARK_EVENTS)).order_by(AuditEvent.id))
    for action, object_key, after in session.execute(query):
        events += 1
        key, after = _key(object_key), after or {}
        if action == "mark.save":
            marks[key] = ReplayedMark(after.get("inputs") or {}, bool(after.get("complete")), after.get("draft"),
                                      int(after.get("version", 0)))
        else:  # an appeal's adjustment: complete, no draft
            marks[key] = ReplayedMark(after.get("inputs") or {}, True, None, int(after.get("version", 0)))
    return marks, events


def compare(session: Session) -> ReplayReport:
    """Replay the audit trail and compare it with every stored mark."""
    replayed, events = replay_marks(session)
    stored = {(r.assessment_id, r.town_id, r.item_id, r.reviewer_id): ReplayedMark(r.inputs or {}, r.complete,
                                                                                    r.draft, r.version)
              for r in session.execute(select(MarkRow)).scalars()}
    differing = tuple(sorted(k for k in stored.keys() & replayed.keys() if stored[k] != replayed[k]))
    return ReplayReport(events, len(stored), differing, tuple(sorted(stored.keys() - replayed.keys())),
                        tuple(sorted(replayed.keys() - stored.keys())))


def counted_keys(session: Session, assessment_id: int) -> list[tuple[int, str, int]]:
    """(town, item, reviewer) of the stored marks the assignments let count (complete or not)."""
    from scoring.store.assigned import counting_clause

    return [tuple(r) for r in session.execute(select(MarkRow.town_id, MarkRow.item_id, MarkRow.reviewer_id).where(
        MarkRow.assessment_id == assessment_id, counting_clause()))]


def replayed_inputs(session: Session) -> dict[MarkKey, ReplayedMark]:
    """The replayed marks alone (for recomputing results from the trail)."""
    return replay_marks(session)[0]
