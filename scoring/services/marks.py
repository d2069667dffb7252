"""Reviewers: saving a mark, their progress, and the scoring sheet of one town."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidMark, NotFound, NotPermitted
from scoring.marks import Mark, mark_table, read_mark, unconfirmed_hold
from scoring.messages import N_, Message
from scoring.method_points import mark_points
from scoring.points import format_points
from scoring.rubric import Rubric
from scoring.services import running
from scoring.services.coverage import TownEvidence
from scoring.services.match_index import town_passages
from scoring.store import operations, queries
from scoring.store.audit import Actor

NOT_APPLICABLE = running.NOT_APPLICABLE
_points_text = running.points_text  # the sheet's and the save's points of marks, in one home


@dataclass(frozen=True)
class SavedMark:
    version: int
    complete: bool  # a complete mark counts (the one just saved, or the last one before a draft)
    draft: bool  # the inputs just saved are a draft that does not count yet
    problem: Message | str  # why those inputs are not (yet) a valid mark ("" when they are)
    problem_field: str
    item_points: Message | str  # this reviewer's points for the item from the mark that counts
    town_total: Message | str  # the town's total, or how many items are missing


def record_mark(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str,
                reviewer_id: int, inputs: dict, expected_version: int, running_total: bool = True,
                confirmed: bool = True) -> SavedMark:
    """Save a reviewer's mark (or draft) after checking the assignment; return the new state.

    Inputs that do not yet form a valid mark are kept as a draft (nothing typed is lost)
    and do not count; over a complete mark, that mark keeps counting. A stale edit raises
    StaleEdit with the current value; input that cannot be kept raises InvalidMark. Unless
    ``confirmed``, valid inputs that would give full marks stay a draft (``marks.needs_confirmation``).
    The item's points and the town's total come from this town's marks (``running``).
    """
    context = queries.save_context(session, assessment_id, town_id, reviewer_id, item_id)
    if context is None or not context.assigned:
        raise NotPermitted("item not assigned to this reviewer for this town")
    if context.town is None:
        raise NotFound("town not in this assessment")
    rubric = queries.rubric_of_version(session, context.rubric_version_id)
    hold = None if confirmed else unconfirmed_hold(rubric, item_id, inputs)
    inputs = _resolve_citations(session, assessment_id, town_id, item_id, inputs)
    saved = operations.save_mark(session, actor, assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                                 reviewer_id=reviewer_id, inputs=inputs, expected_version=expected_version,
                                 hold=hold, known=(context.phase, context.rubric_version_id))
    item_points: Message | str = ""
    if saved.complete and rubric.kind_of(item_id) == "item":
        item_points = running.item_points(rubric, context.rubric_version_id, item_id, saved.inputs)
    total = running.town_running_total(session, assessment_id, town_id, rubric_version_id=context.rubric_version_id,
                                       town=context.town) if running_total else ""
    problem = saved.problem
    return SavedMark(saved.version, saved.complete, problem is not None, problem.message if problem else "",
                     problem.field if problem else "", item_points, total)


def town_running_total(session: Session, assessment_id: int, town_id: int) -> Message | str:
    """The town's total once every item is scored, else how many items are missing (``running``)."""
    return running.town_running_total(session, assessment_id, town_id)


def _resolve_citations(session: Session, assessment_id: int, town_id: int, item_id: str, inputs: dict) -> dict:
    """Fill each cited passage's quote (a deduction's, or the mark's own citations) from the
    town's own evidence; refuse any other passage."""
    deductions = inputs.get("deductions") or []
    citations = inputs.get("citations") or []
    if not citations and not any(isinstance(d, dict) and d.get("citation") for d in deductions):
        return inputs
    files = {str(f.id) for f in queries.evidence_files(session, assessment_id, town_id)}
    texts = {(str(p.evidence_id), p.passage_key): p.text
             for p in queries.passages(session, [int(f) for f in files])}

    def resolve(citation: dict) -> dict:
        key = (str(citation.get("evidence_id")), str(citation.get("passage_id")))
        if key not in texts:
            raise InvalidMark(item_id, "citation", N_("所引用的段落不在本单位的佐证材料中"))
        return {"evidence_id": key[0], "passage_id": key[1], "quote": texts[key][:200]}

    resolved = []
    for deduction in deductions:
        citation = deduction.get("citation") if isinstance(deduction, dict) else None
        resolved.append({**deduction, "citation": resolve(citation)} if citation else deduction)
    out = {**inputs, "deductions": resolved} if deductions else dict(inputs)
    if citations:
        out["citations"] = [resolve(c) for c in citations if isinstance(c, dict)]
    return out


@dataclass(frozen=True)
class Progress:
    assessment_id: int
    assessment: str
    phase: str
    town_id: int
    town: str
    assigned: int
    scored: int  # items whose mark counts
    rescore: int = 0  # complete marks the counting rule leaves out (given under an older rubric version)


def reviewer_progress(session: Session, reviewer_id: int) -> list[Progress]:
    """Per assessment and town they score: items assigned to the reviewer and items with a complete mark."""
    out = []
    for assessment in queries.reviewer_assessments(session, reviewer_id):
        uncounted = queries.uncounted_marks(session, assessment.id, reviewer_id)  # one read per assessment
        for town_id, town in queries.assessment_towns(session, assessment.id).items():
            items = queries.assigned_items(session, assessment.id, reviewer_id, town_id)
            if not items:  # not theirs, or a town they conflict with
                continue
            marks = queries.reviewer_marks(session, assessment.id, town_id, reviewer_id)
            complete = {i for i in items if i in marks and marks[i].complete}
            rescore = sum(1 for i in complete if (town_id, i) in uncounted)
            out.append(Progress(assessment.id, assessment.name, assessment.phase, town_id, town, len(items),
                                len(complete) - rescore, rescore))
    return out


@dataclass(frozen=True)
class ItemState:
    """One of the reviewer's items on the sheet: what the form shows and what counts."""

    inputs: dict  # what the form shows: the draft when there is one, else the counting inputs
    version: int
    updated_at: datetime | None
    status: str  # "untouched", "draft" (does not count), "scored", "scored_with_draft", "rescore"
    problem: Message | str  # why the shown inputs are not a valid mark ("" when they are)
    points: Message | str  # the points of the counting mark ("" when none counts)
    # "rescore": a complete mark the counting rule leaves out, given under this rubric version
    # number (the item's definition changed since); it counts again once saved anew
    rescore_version: int | None = None


@dataclass(frozen=True)
class ScoringSheet:
    """What a reviewer's scoring page shows for one town."""

    assessment_id: int
    assessment: str
    phase: str
    editable: bool  # marks can be changed in this phase (scoring.phases)
    town_id: int
    town: str
    rubric: Rubric
    items: list  # (category, item, kind) the reviewer scores, in rubric order
    states: dict[str, ItemState]  # item id -> its state (the reviewer's own: no other mark, no town total)
    evidence: list  # (EvidenceView, [PassageView]) in upload order
    suggestions: dict = field(default_factory=dict)  # item id -> [Suggestion], best first
    coverage: dict = field(default_factory=dict)  # item id -> Coverage (scored items)
    sections: dict = field(default_factory=dict)  # passage id -> its section heading
    previous_town: tuple[int, str] | None = None  # in the reviewer's list of towns
    next_town: tuple[int, str] | None = None
    # item id -> [(reviewer, points)] of the other reviewers, only for items whose own mark
    # counts: nobody is led by the others' marks before giving theirs (pretalx #611)
    others: dict = field(default_factory=dict)
    evidence_key: str = ""  # changes whenever ``evidence`` does (match_index's key)

    @property
    def scored(self) -> int:
        """Items whose mark counts."""
        return sum(1 for s in self.states.values() if s.status in ("scored", "scored_with_draft"))


def scoring_sheet(session: Session, assessment_id: int, town_id: int, reviewer_id: int) -> ScoringSheet:
    """Return the reviewer's items for a town with their marks, points and the town's evidence."""
    assessment = queries.assessment(session, assessment_id)
    towns = queries.assessment_towns(session, assessment_id)
    assigned = queries.assigned_items(session, assessment_id, reviewer_id, town_id)
    if town_id not in towns or not assigned:
        raise NotFound("no assignment for this town")
    rubric = queries.assessment_rubric(session, assessment_id)
    items = [(category, item, "item") for category, item in rubric.all_items() if item.id in assigned]
    items += [(None, b, "bonus") for b in (rubric.bonus.items if rubric.bonus else []) if b.id in assigned]
    items += [(None, v, "veto") for v in rubric.vetoes if v.id in assigned]
    reviewer = queries.user(session, reviewer_id)
    stored = queries.reviewer_marks(session, assessment_id, town_id, reviewer_id)
    uncounted = queries.uncounted_marks(session, assessment_id, reviewer_id, town_id)  # the counting rule's answer
    states, counting = {}, {}
    for _, item, _ in items:
        states[item.id], counting[item.id] = _item_state(rubric, towns[town_id], item.id, reviewer.username,
                                                         stored.get(item.id), uncounted.get((town_id, item.id)))
    points = _points_text(rubric, [m for m in counting.values() if m is not None])  # one pass for all
    states = {i: replace(state, points=points.get(i, "")) if counting[i] is not None else state
              for i, state in states.items()}
    own_in = {i for i, state in states.items() if state.status in ("scored", "scored_with_draft")}
    others = _other_marks(session, rubric, assessment_id, town_id, reviewer.username, own_in)
    files = queries.evidence_files(session, assessment_id, town_id)
    by_file: dict[int, list] = {f.id: [] for f in files}
    kept = town_passages(session, assessment_id, town_id, files, rubric)  # read and indexed once, not per view
    for passage in kept.passages:
        by_file[passage.evidence_id].append(passage)
    evidence = TownEvidence(files, kept.passages, rubric, kept.index, kept.matches)
    suggestions = {item.id: evidence.suggest(item) for _, item, _ in items}
    coverage = {item.id: evidence.coverage(item, suggestions[item.id][:1]) for _, item, kind in items if kind == "item"}
    scored_towns = queries.reviewer_towns(session, assessment_id, reviewer_id)  # one query, not one per town
    mine = [t for t in towns if scored_towns is None or t in scored_towns]
    here = mine.index(town_id)
    before = (mine[here - 1], towns[mine[here - 1]]) if here > 0 else None
    after = (mine[here + 1], towns[mine[here + 1]]) if here + 1 < len(mine) else None
    return ScoringSheet(assessment_id, assessment.name, assessment.phase, phases.allowed(assessment.phase, "score"),
                        town_id, towns[town_id], rubric, items, states, [(f, by_file[f.id]) for f in files],
                        suggestions, coverage, evidence.sections, before, after, others, kept.key)


def _other_marks(session: Session, rubric: Rubric, assessment_id: int, town_id: int, me: str,
                 items: set[str]) -> dict[str, list[tuple[str, Message | str]]]:
    """The other reviewers' counting points on these items (those the reviewer's own mark is in)."""
    marks = [m for m in queries.complete_marks(session, assessment_id, town_id)
             if m.item in items and m.reviewer != me and rubric.kind_of(m.item) == "item"] if items else []
    if not marks:
        return {}
    names = {u.username: u.display_name for u in queries.users_by_id(session).values()}
    out: dict[str, list[tuple[str, Message | str]]] = {}
    for row in mark_points(rubric, mark_table(marks)).itertuples():
        points = format_points(int(row.points)) if row.points == row.points else NOT_APPLICABLE
        out.setdefault(row.item, []).append((names.get(row.reviewer, row.reviewer), points))
    return out


def _item_state(rubric: Rubric, town: str, item_id: str, reviewer: str, stored,
                rescore_version: int | None = None) -> tuple[ItemState, Mark | None]:
    """The state of one item and its counting mark: a stored mark is read again, so nothing
    stored can break the page (its points are filled in by the caller, for all items at once).
    ``rescore_version``: the stored complete mark does not count (given under that version)."""
    if stored is None:
        return ItemState({}, 0, None, "untouched", "", ""), None
    counting, problem = None, ""
    if stored.complete and rescore_version is None:
        try:
            counting = read_mark(rubric, town=town, item=item_id, reviewer=reviewer, inputs=stored.inputs)
        except InvalidMark as exc:
            problem = exc.message
    shown = stored.draft if stored.draft is not None else stored.inputs
    if counting is None or stored.draft is not None:
        try:
            read_mark(rubric, town=town, item=item_id, reviewer=reviewer, inputs=shown)
        except InvalidMark as exc:
            problem = exc.message
    status = (("scored_with_draft" if stored.draft is not None else "scored") if counting is not None
              else "rescore" if rescore_version is not None else "draft")
    return ItemState(shown, stored.version, stored.updated_at, status, problem, "", rescore_version), counting
