"""Appeals and publication: filing, deciding, the frozen ranking versions and their diff."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.errors import InvalidMark, NotFound
from scoring.evidence import detect_type, file_name
from scoring.marks import mark_table, read_mark
from scoring.messages import N_, Message
from scoring.method_points import mark_points
from scoring.points import format_points, to_cents
from scoring.ranking import RANKED
from scoring.report.scorecard import AppealLine
from scoring.rubric import Rubric
from scoring.services import marks as mark_service
from scoring.services.outcomes import assessment_outcome
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.blobs import BlobStore
from scoring.store.views import AppealView, RankingSnapshotView

DECISIONS = {"pending": "受理中", "upheld": "维持原评分", "adjusted": "调整评分"}  # as the scorecard writes them


def file_appeal(session: Session, actor: Actor, *, assessment_id: int, town_id: int, mark_id: int, reason: str,
                attachment_name: str = "", attachment_data: bytes = b"", blobs: BlobStore | None = None,
                max_bytes: int = 0) -> AppealView:
    """File a town's appeal of one of its marks; an attachment passes the evidence checks.

    Raises EvidenceRejected (nothing stored) for an attachment of a wrong type or size.
    """
    attachment = None
    attachment_name = file_name(attachment_name)
    if attachment_name:
        kind = detect_type(attachment_data, attachment_name, **({"max_bytes": max_bytes} if max_bytes else {}))
        attachment = operations.Attachment(attachment_name, kind, attachment_data)
    row = operations.file_appeal(session, actor, assessment_id=assessment_id, town_id=town_id, mark_id=mark_id,
                                 reason=reason, attachment=attachment, blobs=blobs)
    return queries.appeal(session, row.id)


def decide_appeal(session: Session, actor: Actor, appeal_id: int, *, adjust: bool, reply: str,
                  inputs: dict | None = None) -> AppealView:
    """Decide an appeal; once a ranking was published, an adjustment freezes the next version."""
    appeal = queries.appeal(session, appeal_id)
    if adjust and inputs is not None:
        inputs = _without_zero_deductions(inputs)
        inputs = mark_service._resolve_citations(session, appeal.assessment_id, appeal.town_id, appeal.item_id,
                                                 inputs)
    operations.decide_appeal(session, actor, appeal_id, adjust=adjust, reply=reply, inputs=inputs)
    if adjust and queries.snapshots(session, appeal.assessment_id):
        town = queries.assessment_towns(session, appeal.assessment_id).get(appeal.town_id, "")
        why = str(N_("申诉复核：%(town)s %(item)s 调整评分（%(reply)s）", town=town, item=appeal.item_id,
                     reply=reply.strip()))
        operations.snapshot_ranking(session, actor, appeal.assessment_id, placings(session, appeal.assessment_id),
                                    reason=why, appeal_id=appeal_id)
    return queries.appeal(session, appeal_id)


def appeal_inputs(session: Session, appeal: AppealView) -> dict:
    """The appealed mark's inputs now (a decision form starts from them)."""
    refs = {m.id for m in queries.town_mark_refs(session, appeal.assessment_id, appeal.town_id)}
    if appeal.mark_id not in refs:
        return {}
    state = queries.reviewer_marks(session, appeal.assessment_id, appeal.town_id, appeal.reviewer_id).get(appeal.item_id)
    return dict(state.inputs) if state else {}


@dataclass(frozen=True)
class RoutedAppeal:
    """An appeal an arbiter decides, with what the decision form needs."""

    appeal: AppealView
    assessment: str
    town: str
    rubric: Rubric
    inputs: dict  # the appealed mark's inputs now
    can_decide: bool  # the phase allows deciding


def routed_appeals(session: Session, user_id: int) -> list[RoutedAppeal]:
    """The appeals routed to this arbiter (or theirs as the assessment's arbiter), oldest first."""
    from scoring import phases

    out = []
    for appeal, assessment_id in queries.routed_appeals(session, user_id):
        assessment = queries.assessment(session, assessment_id)
        out.append(RoutedAppeal(appeal, assessment.name,
                                queries.assessment_towns(session, assessment_id).get(appeal.town_id, ""),
                                queries.assessment_rubric(session, assessment_id), appeal_inputs(session, appeal),
                                phases.allowed(assessment.phase, "decide_appeal")))
    return out


def _without_zero_deductions(inputs: dict) -> dict:
    """A deduction counted 0 times is none: a decision is a complete mark, never a draft row
    (the form starts from the appealed mark, so its reasons and citations are still filled in)."""
    rows = inputs.get("deductions")
    if not isinstance(rows, list):
        return inputs
    kept = [d for d in rows if not (isinstance(d, dict) and str(d.get("count", "")).strip() in ("0", ""))]
    return {k: v for k, v in inputs.items() if k != "deductions"} | ({"deductions": kept} if kept else {})


def publish(session: Session, actor: Actor, assessment_id: int, reason: str = "") -> RankingSnapshotView:
    """Confirm publication (公示): freeze the current ranking as the next version.

    Refused (InvalidInput) while an appeal is pending.
    """
    row = operations.snapshot_ranking(session, actor, assessment_id, placings(session, assessment_id),
                                      reason=reason or str(N_("确认公示")), confirm=True)
    return next(s for s in queries.snapshots(session, assessment_id) if s.id == row.id)


def placings(session: Session, assessment_id: int) -> list[operations.Placing]:
    """Every town's rank, total and grade now, from the one outcome computation."""
    _, outcome = assessment_outcome(session, assessment_id)
    ids = {name: tid for tid, name in queries.assessment_towns(session, assessment_id).items()}
    out = []
    for row in outcome.ranking.to_dict("records"):
        ranked = row["status"] == RANKED
        out.append(operations.Placing(
            town_id=ids[row["town"]], town=row["town"], rank=int(row["rank"]) if ranked else None,
            total=format_points(row["total"]) if ranked else "—", grade=(row["grade"] or "—") if ranked else "—"))
    return out


@dataclass(frozen=True)
class Move:
    """How one town changed between two snapshot versions, and why."""

    town: str
    rank_before: int | None
    rank_after: int | None
    total_before: str
    total_after: str
    grade_before: str
    grade_after: str
    why: tuple[Message | str, ...]

    @property
    def places(self) -> int | None:
        """Places gained (positive) or lost; None when the town was not ranked in one of them."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after

    @property
    def total_change(self) -> str:
        try:
            change = to_cents(self.total_after) - to_cents(self.total_before)
        except (ValueError, ArithmeticError):
            return ""
        return ("+" if change > 0 else "") + format_points(change)


def snapshot_diff(session: Session, assessment_id: int, before: int, after: int) -> list[Move]:
    """The towns whose rank, total or grade differ between snapshot versions ``before`` and ``after``.

    Each says why: the appeals decided in between on the town's own marks, or, for a town
    that only moved because others did, that its own marks did not change.
    """
    versions = {s.version: s for s in queries.snapshots(session, assessment_id)}
    if before not in versions or after not in versions:
        raise NotFound("snapshot version")
    old = {r.town_id: r for r in queries.snapshot_rows(session, versions[before].id)}
    new = {r.town_id: r for r in queries.snapshot_rows(session, versions[after].id)}
    between = {s.appeal_id for v, s in versions.items() if before < v <= after and s.appeal_id}
    decided = [a for a in queries.appeals(session, assessment_id) if a.id in between]
    moves = []
    for town_id, now in new.items():
        was = old.get(town_id)
        if was is not None and (was.rank, was.total, was.grade) == (now.rank, now.total, now.grade):
            continue
        why: tuple[Message | str, ...] = tuple(
            N_("申诉 %(item)s：%(reply)s", item=a.item_id, reply=a.reply) for a in decided if a.town_id == town_id)
        moves.append(Move(town=now.town, rank_before=was.rank if was else None, rank_after=now.rank,
                          total_before=was.total if was else "—", total_after=now.total,
                          grade_before=was.grade if was else "—", grade_after=now.grade,
                          why=why or (N_("本单位评分未变，名次随其他单位调整而变化"),)))
    return sorted(moves, key=lambda m: (m.rank_after is None, m.rank_after or 0))


def appeal_lines(session: Session, assessment_id: int, town_id: int, rubric: Rubric) -> tuple[AppealLine, ...]:
    """The town's appeals as its scorecard states them (Chinese: it is the official document)."""
    lines = []
    for a in queries.appeals(session, assessment_id, town_id):
        title = rubric.item(a.item_id).title if rubric.kind_of(a.item_id) == "item" else ""
        before = _points(rubric, a, a.inputs_before) if a.status == "adjusted" else ""
        after = _points(rubric, a, a.inputs_after) if a.status == "adjusted" else ""
        lines.append(AppealLine(item=f"{a.item_id} {title}".strip(), request=a.reason,
                                decision=DECISIONS.get(a.status, a.status), reply=a.reply,
                                points_before=before, points_after=after))
    return tuple(lines)


def _points(rubric: Rubric, appeal: AppealView, inputs: dict | None) -> str:
    """The points one mark gives its item ("" for bonus and veto items, or a mark no longer valid)."""
    if inputs is None or rubric.kind_of(appeal.item_id) != "item":
        return ""
    try:
        mark = read_mark(rubric, town=str(appeal.town_id), item=appeal.item_id, reviewer=str(appeal.reviewer_id),
                         inputs=inputs)
    except InvalidMark:  # valid when decided, refused by a later check: no figure rather than a wrong one
        return ""
    frame = mark_points(rubric, mark_table([mark]))
    value = frame["points"].iloc[0]
    return format_points(int(value)) if value == value else ""
