"""Publication (公示): frozen, numbered ranking snapshots of an assessment.

The store keeps what the service computed and never recomputes it: v1 is what was
published; a later change (an appeal decision) makes v2 beside it, so the two can be
compared. Confirming publication is refused while an appeal is pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.models import Appeal, Assessment, RankingSnapshot, SnapshotRow
from scoring.store.operations.base import get, operation


@dataclass(frozen=True)
class Placing:
    """One town's place as the snapshot freezes it."""

    town_id: int
    town: str
    rank: int | None
    total: str
    grade: str


def pending_appeals(session: Session, assessment_id: int) -> int:
    return session.execute(select(func.count()).select_from(Appeal).where(
        Appeal.assessment_id == assessment_id, Appeal.status == "pending")).scalar_one()


@operation
def snapshot_ranking(session: Session, actor: Actor, assessment_id: int, placings: list[Placing], *,
                     reason: str = "", appeal_id: int | None = None, confirm: bool = False) -> RankingSnapshot:
    """Freeze ``placings`` as the assessment's next snapshot version; audited.

    ``confirm``: the administrator confirms publication, refused while an appeal is pending.
    Without it (a decision changed the ranking after publication) the new version is kept
    beside the earlier one.
    """
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "publish")
    if confirm and (n := pending_appeals(session, assessment_id)):
        raise InvalidInput("publish", N_("尚有 %(n)s 件申诉未处理，不能确认公示", n=n))
    last = session.execute(select(func.max(RankingSnapshot.version)).where(
        RankingSnapshot.assessment_id == assessment_id)).scalar() or 0
    row = RankingSnapshot(assessment_id=assessment_id, version=last + 1, reason=reason.strip(),
                          appeal_id=appeal_id, created_by=actor.id)
    session.add(row)
    session.flush()
    session.add_all(SnapshotRow(snapshot_id=row.id, town_id=p.town_id, town=p.town, rank=p.rank, total=p.total,
                                grade=p.grade) for p in placings)
    record(session, actor, "ranking.snapshot", "assessment", f"{assessment_id}@v{row.version}",
           assessment_id=assessment_id, after={"version": row.version, "appeal": appeal_id, "confirmed": confirm,
                                               "towns": len(placings)}, reason=row.reason)
    return row
