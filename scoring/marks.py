"""A reviewer's mark (评分) of one item for one town, its validation, and the table of many marks.

A ``Mark`` is what a reviewer records: the inputs of the item's scoring method (each
method's module in ``scoring.methods`` declares them: deductions, a level, met or not, a
ratio, points), a comment and citations; for a bonus item the recognitions claimed, for a
veto item whether it is triggered. ``validate_mark`` is the one check every path goes
through (autosave, CSV, XLSX, demo, appeals): a mark stored as complete always passes it.
Turning marks into points happens on a ``MarkTable`` (``scoring.method_points``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from pydantic import Field, ValidationError, create_model

from scoring.errors import InvalidMark
from scoring.messages import N_, Message
from scoring.methods import METHODS, frame_columns, input_owner, mark_inputs, method_of
from scoring.methods.deduct import Deduction
from scoring.rubric import Rubric
from scoring.validation_messages import pydantic_message
from scoring.values import MAX_COMMENT_CHARS, MAX_ROWS, Citation, Model

__all__ = ["BonusClaim", "Citation", "Deduction", "Mark", "MarkTable", "mark_table", "validate_mark"]


class BonusClaim(Model):
    """One recognition of a matter at a level (e.g. 普法创新做法, 市)."""

    matter: Annotated[str, Field(min_length=1, max_length=200)]
    level: Annotated[str, Field(min_length=1, max_length=40)]


class MarkBase(Model):
    """The fields every mark has; each scoring method adds its own inputs (see ``Mark``)."""

    town: Annotated[str, Field(min_length=1, max_length=100)]
    item: Annotated[str, Field(min_length=1, max_length=40)]
    reviewer: Annotated[str, Field(min_length=1, max_length=100)]
    triggered: bool | None = None
    claims: list[BonusClaim] = Field(default_factory=list, max_length=MAX_ROWS)
    not_applicable: bool = False
    comment: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""
    citations: list[Citation] = Field(default_factory=list, max_length=MAX_ROWS)


# One reviewer's judgement of one item for one town: the common fields and every method's inputs.
Mark = create_model("Mark", __base__=MarkBase, __module__=__name__, **mark_inputs())  # type: ignore[call-overload]
Mark.__doc__ = "One reviewer's judgement of one item for one town."


def _given(mark: MarkBase, field: str) -> bool:
    value = getattr(mark, field)
    return bool(value) if isinstance(value, list) else value is not None


def validate_mark(rubric: Rubric, mark: MarkBase) -> None:
    """Raise InvalidMark unless the mark's inputs fit its item; inputs of another method are refused."""
    kind = rubric.kind_of(mark.item)
    if kind is None:
        raise InvalidMark(mark.item, "item", N_("本考核细则没有项目 %(item)s", item=mark.item))
    owners = input_owner()
    if kind == "veto":
        _refuse_foreign(mark, [*owners, "claims"])
        _require(mark, mark.triggered is not None, "triggered", N_("请说明是否存在该情形"))
        _require(mark, not mark.triggered or bool(mark.comment.strip()), "comment",
                 N_("触发一票否决须写明理由"))
        return
    if kind == "bonus":
        _refuse_foreign(mark, [*owners, "triggered"])
        levels = {level.name for level in rubric.bonus_item(mark.item).levels}
        for claim in mark.claims:
            _require(mark, claim.level in levels, "claims", N_("没有加分级别 %(level)s", level=claim.level))
        return
    item = rubric.item(mark.item)
    _refuse_foreign(mark, [f for f, owner in owners.items() if owner != item.method.kind] + ["claims", "triggered"])
    if mark.not_applicable:
        _require(mark, item.not_applicable != "not_allowed", "not_applicable", N_("本项不能标记为不适用"))
        _require(mark, bool(mark.comment.strip()), "comment", N_("请说明本项不适用的理由"))
        return
    method_of(item).validate(item, mark)


def _refuse_foreign(mark: MarkBase, fields: list[str]) -> None:
    """Inputs another kind of item reads are refused outright: never silently ignored."""
    for field in fields:
        if _given(mark, field):
            problem = InvalidMark(mark.item, field, N_("本项的评分方式不使用“%(field)s”",
                                                       field=FIELD_NAMES.get(field, field)))
            problem.refused = True
            raise problem


def _require(mark: MarkBase, condition: bool, field: str, message) -> None:
    if not condition:
        raise InvalidMark(mark.item, field, message)


@dataclass(frozen=True)
class MarkTable:
    """Many marks as three frames, the shape the results pipeline computes on.

    ``marks``: one row per mark, index ``mark_id``; columns town, item, reviewer, triggered
    (bool), not_applicable (bool) and each method's own (``FRAME`` in its module: level,
    met 1.0/0.0/NaN, ratio_bp in basis points, points in cents).
    ``deductions``: mark_id, rule, count.  ``claims``: mark_id, matter, level.
    """

    marks: pd.DataFrame
    deductions: pd.DataFrame
    claims: pd.DataFrame

    @property
    def towns(self) -> list[str]:
        return sorted(pd.unique(self.marks["town"].astype(str)))


METHOD_COLUMNS = frame_columns()
MARK_COLUMNS = ["town", "item", "reviewer", "triggered", "not_applicable", *METHOD_COLUMNS]
VALUE_COLUMNS = MARK_COLUMNS[3:]  # the names of ``frame_values``' row values


def frame_values(mark: MarkBase) -> tuple[tuple, tuple, tuple]:
    """What the results pipeline reads of a mark: its row's values after town, item and
    reviewer (triggered, not_applicable, each method's columns), its (rule, count)
    deductions and its (matter, level) claims. Comments and citations are not among them."""
    return ((bool(mark.triggered), mark.not_applicable, *(column(mark) for column in METHOD_COLUMNS.values())),
            tuple((d.rule, d.count) for d in mark.deductions), tuple((c.matter, c.level) for c in mark.claims))


def mark_table(marks: Iterable[MarkBase]) -> MarkTable:
    """Return the table of these marks (for the web and the CLI; benchmarks build frames)."""
    rows, deductions, claims = [], [], []
    for mark_id, mark in enumerate(marks):
        values, own_deductions, own_claims = frame_values(mark)
        rows.append((mark.town, mark.item, mark.reviewer, *values))
        deductions += [(mark_id, *d) for d in own_deductions]
        claims += [(mark_id, *c) for c in own_claims]
    return MarkTable(
        marks=pd.DataFrame(rows, columns=MARK_COLUMNS).rename_axis("mark_id"),
        deductions=pd.DataFrame(deductions, columns=["mark_id", "rule", "count"]),
        claims=pd.DataFrame(claims, columns=["mark_id", "matter", "level"]),
    )



# The names of a mark's inputs as a reviewer sees them on the form.
FIELD_NAMES = {
    "deductions": N_("扣分"), "count": N_("次数"), "reason": N_("扣分理由"), "rule": N_("扣分规则"),
    "citation": N_("引用段落"), "citations": N_("引用段落"), "level": N_("档次"), "met": N_("是否达到要求"),
    "ratio": N_("完成率"), "points": N_("得分"), "comment": N_("评分理由/备注"), "claims": N_("加分事项"),
    "matter": N_("事项"), "triggered": N_("是否触发"), "not_applicable": N_("不适用"), "quote": N_("引用内容"),
}
# Problems that no amount of further typing fixes: refused outright, never kept as a draft.
REFUSED = {"string_too_long", "too_long", "extra_forbidden", "dict_type", "list_type", "model_type",
           "model_attributes_type"}


def read_mark(rubric: Rubric, *, town: str, item: str, reviewer: str, inputs: dict) -> Mark:
    """Return the valid Mark these inputs make, or raise InvalidMark saying what is wrong.

    ``InvalidMark.refused`` is set for input that must not even be kept as a draft
    (too long, too many rows, fields that do not exist); other problems (a count not yet
    given, no level chosen) leave a draft that does not count.
    """
    try:
        mark = Mark.model_validate({**inputs, "town": town, "item": item, "reviewer": reviewer})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(step) for step in error["loc"] if not isinstance(step, int)]
        field = loc[0] if loc else "inputs"
        if field == "ratio" and error["type"] not in REFUSED:
            message = N_("完成率须在 0–100%% 之间，最多两位小数")
        else:
            label = FIELD_NAMES.get(loc[-1] if loc else "", loc[-1] if loc else "")
            message = N_("%(field)s：%(problem)s", field=label, problem=pydantic_message(error))
        problem = InvalidMark(item, field, message)
        problem.refused = error["type"] in REFUSED
        raise problem from None
    validate_mark(rubric, mark)
    return mark


# Why a valid mark that gives full marks (or no bonus) is kept as a draft until confirmed.
UNCONFIRMED = {"item": N_("尚未计分：没有扣分时，请选择“无扣分（满分）”或点“保存”确认"),
               "bonus": N_("尚未计分：没有加分事项时，请选择“无加分事项”或点“保存”确认")}


def needs_confirmation(kind: str, method_kind: str | None, inputs: dict) -> bool:
    """Whether these inputs would give full marks (or no bonus) without the reviewer saying so.

    A deduct item with no deduction, or a bonus item with no claim, is a valid mark; typed
    into by accident it would count. Such a mark counts only when confirmed (the 无扣分
    choice or the save button); until then it is a draft.
    """
    if inputs.get("not_applicable"):
        return False
    if kind == "item":
        method = METHODS.get(method_kind or "")
        return bool(method and method.EMPTY_IS_FULL) and not any(inputs.get(f) for f in method.FIELDS)
    return kind == "bonus" and not inputs.get("claims")


def unconfirmed_hold(rubric: Rubric, item_id: str, inputs: dict) -> Message | None:
    """Why these inputs stay a draft until the reviewer confirms them (``needs_confirmation``), or None."""
    kind = rubric.kind_of(item_id)
    method = rubric.item(item_id).method.kind if kind == "item" else None
    return UNCONFIRMED[kind] if kind and needs_confirmation(kind, method, inputs) else None
