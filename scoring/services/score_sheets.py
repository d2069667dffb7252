"""Reviewers' offline score sheets: export their towns × items, import them back all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from scoring import phases, score_sheet
from scoring.errors import CellProblem, InvalidMark, MarksFileError, NotFound
from scoring.marks import read_mark
from scoring.messages import N_
from scoring.methods import method_of
from scoring.points import format_points
from scoring.rubric import Rubric
from scoring.store import queries
from scoring.store.audit import Actor, record
from scoring.store.operations.base import operation


@dataclass(frozen=True)
class SheetImport:
    """What an import changed: marks saved, and rows left as they were."""

    saved: int
    unchanged: int


def _items(rubric: Rubric, assigned: set[str]) -> list[tuple[str, object]]:
    """(kind, item) the reviewer scores, in rubric order."""
    out: list[tuple[str, object]] = [("item", item) for _, item in rubric.all_items() if item.id in assigned]
    out += [("bonus", b) for b in (rubric.bonus.items if rubric.bonus else []) if b.id in assigned]
    return out + [("veto", v) for v in rubric.vetoes if v.id in assigned]


def export_score_sheet(session: Session, assessment_id: int, reviewer_id: int) -> bytes:
    """The reviewer's score sheet: every town and item assigned to them, with the marks as they stand."""
    assessment = queries.assessment(session, assessment_id)
    rubric = queries.assessment_rubric(session, assessment_id)
    reviewer = queries.user(session, reviewer_id)
    rows = []
    for town_id, town in queries.assessment_towns(session, assessment_id).items():
        assigned = queries.assigned_items(session, assessment_id, reviewer_id, town_id)
        stored = queries.reviewer_marks(session, assessment_id, town_id, reviewer_id)
        for kind, item in _items(rubric, assigned):
            state = stored.get(item.id)
            mark = None
            if state is not None:
                shown = state.draft if state.draft is not None else state.inputs
                try:  # a draft may not be a valid mark yet: its cells are then left as typed
                    mark = read_mark(rubric, town=town, item=item.id, reviewer=reviewer.username, inputs=shown)
                except InvalidMark:
                    mark = _typed(shown, town, item.id, reviewer.username)
            complete = state is not None and state.complete and state.draft is None
            method_kind = item.method.kind if kind == "item" else None
            rows.append(score_sheet.SheetRow(
                town_id, town, item.id, kind, item.title,
                format_points(item.max_cents) if kind == "item" else "",
                method_of(item).cell_rule(item) if kind == "item" else None,
                score_sheet.row_cells(kind, method_kind, mark, complete), state.version if state else 0))
    return score_sheet.write_sheet(rows, f"{assessment.name} · {reviewer.display_name or reviewer.username}")


def _typed(inputs: dict, town: str, item: str, reviewer: str):
    """The draft as typed, when its values have the right types (else nothing is shown)."""
    from pydantic import ValidationError

    from scoring.marks import Mark

    try:
        return Mark.model_validate({**inputs, "town": town, "item": item, "reviewer": reviewer})
    except ValidationError:
        return None


def import_score_sheet(session: Session, actor: Actor, *, assessment_id: int, reviewer_id: int,
                       path: str | Path, name: str = "", data: bytes | None = None) -> SheetImport:
    """Apply a score sheet's edited rows, all or nothing; raise MarksFileError naming every bad cell.

    ``data``: the sheet's bytes when uploaded (read from memory: nothing of it is written to
    disk, where a killed process would leave it); ``path`` then only names the file.

    A row edited in the sheet whose mark was saved on the server since the export is a
    conflict: the whole file is refused, and the server's mark stays.
    """
    from scoring.services.marks import record_mark

    assessment = queries.assessment(session, assessment_id)
    phases.require_open(assessment.phase, "score", assessment.deadlines)
    rubric = queries.assessment_rubric(session, assessment_id)
    reviewer = queries.user(session, reviewer_id)
    if reviewer is None:
        raise NotFound(f"user {reviewer_id}")
    towns = queries.assessment_towns(session, assessment_id)
    label = name or Path(path).name
    edits = score_sheet.read_sheet(path, rubric, reviewer=reviewer.username, towns=towns, name=label,
                                   data=data)
    problems: list[CellProblem] = []
    current: dict[tuple[int, str], object] = {}
    for edit in edits:
        if edit.item_id not in queries.assigned_items(session, assessment_id, reviewer_id, edit.town_id):
            problems.append(CellProblem(edit.sheet, edit.row, edit.column, N_("此项目未分配给您评分")))
            continue
        state = queries.reviewer_marks(session, assessment_id, edit.town_id, reviewer_id).get(edit.item_id)
        version = state.version if state else 0
        if version != edit.version:
            problems.append(score_sheet.conflict(edit, version, state.updated_at.strftime("%Y-%m-%d %H:%M")))
        current[(edit.town_id, edit.item_id)] = state
    if problems:
        raise MarksFileError(label, problems)

    @operation
    def apply(session: Session) -> None:
        for edit in edits:
            state = current[(edit.town_id, edit.item_id)]
            shown = (state.draft if state.draft is not None else state.inputs) if state else None
            inputs = score_sheet.kept_inputs(score_sheet.mark_inputs(edit.mark), shown)
            record_mark(session, actor, assessment_id=assessment_id, town_id=edit.town_id, item_id=edit.item_id,
                        reviewer_id=reviewer_id, inputs=inputs, expected_version=edit.version,
                        running_total=False)
        record(session, actor, "marks.import", "assessment", str(assessment_id), assessment_id=assessment_id,
               after={"file": label, "saved": len(edits)})

    if edits:
        apply(session)
    return SheetImport(len(edits), _rows(session, rubric, assessment_id, reviewer_id, towns) - len(edits))


def _rows(session: Session, rubric: Rubric, assessment_id: int, reviewer_id: int, towns: dict[int, str]) -> int:
    return sum(len(_items(rubric, queries.assigned_items(session, assessment_id, reviewer_id, t))) for t in towns)
