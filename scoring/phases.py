"""The phases of an assessment and, for each, what each role may do: the one home of these rules.

准备 → 材料报送 → 评分 → 审核 → 发布 → 归档. The store refuses what the phase forbids
(``require``), and views and templates receive the answers as booleans (``allowed``,
``PhaseView``), so no template or view names a phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

from scoring.errors import PhaseClosed
from scoring.messages import N_, Message

Phase = Literal["prepare", "submission", "scoring", "review", "released", "archived"]
PHASES: tuple[Phase, ...] = ("prepare", "submission", "scoring", "review", "released", "archived")

Action = Literal[
    "edit_setup",       # administrators: towns of the assessment, assignments, rubric version
    "upload_evidence",  # town leaders
    "score",            # reviewers: save marks
    "see_results",      # town leaders: their released scorecard; last year's totals
    "appeal",           # town leaders: challenge a mark
    "decide_appeal",    # administrators (or the reviewer they route it to): uphold or adjust
    "publish",          # administrators: freeze a ranking snapshot (公示)
    "set_deadlines",    # administrators
    "resolve",          # administrators: settle a disagreement between reviewers' marks
    "set_document",     # administrators: issuer (落款) and number (文号) of the scorecards, fixed once released
    "change_rubric",    # administrators: apply a new rubric version (what-if first)
]

# What each phase allows. Administrators move phases; everything else is listed here.
ALLOWED: dict[Phase, frozenset[Action]] = {
    "prepare": frozenset({"edit_setup", "set_deadlines", "set_document", "change_rubric"}),
    "submission": frozenset({"edit_setup", "upload_evidence", "set_deadlines", "set_document", "change_rubric"}),
    "scoring": frozenset({"edit_setup", "score", "set_deadlines", "resolve", "set_document", "change_rubric"}),
    "review": frozenset({"set_deadlines", "resolve", "set_document"}),
    "released": frozenset({"see_results", "appeal", "decide_appeal", "publish", "set_deadlines"}),
    "archived": frozenset({"see_results"}),
}

# Phases that close on a date the administrator sets (archived never closes).
DEADLINE_PHASES: tuple[Phase, ...] = PHASES[:5]
# Further dates the administrator may set: the end of the appeal window (申诉截止).
APPEAL_DEADLINE = "appeal"
DEADLINE_KEYS: tuple[str, ...] = (*DEADLINE_PHASES, APPEAL_DEADLINE)
GRACE_KEY = "grace_hours"  # hours after a deadline during which late work is still accepted
MAX_GRACE_HOURS = 24 * 14
# The deadline (a key of ``Assessment.deadlines``) that closes each action, besides its phase.
CLOSED_BY: dict[str, str] = {"upload_evidence": "submission", "score": "scoring", "appeal": APPEAL_DEADLINE}
# A date closes at the end of that day where the district is (China Standard Time, no DST).
DISTRICT_TZ = timezone(timedelta(hours=8))

# Why an action is refused, by action (message ids: the shells translate them).
REFUSALS: dict[Action, Message] = {
    "edit_setup": N_("该考核已进入审核阶段，不能再修改设置"),
    "upload_evidence": N_("只有在材料报送阶段才能提交佐证材料"),
    "score": N_("只有在评分阶段才能修改评分"),
    "see_results": N_("考核结果尚未发布"),
    "appeal": N_("只有在结果发布后的申诉期内才能申诉"),
    "decide_appeal": N_("只有在结果发布阶段才能处理申诉"),
    "publish": N_("只有在结果发布阶段才能确认公示"),
    "set_deadlines": N_("已归档的考核不能再修改"),
    "resolve": N_("只有在评分和审核阶段才能裁定评分分歧"),
    "set_document": N_("结果发布后不能再修改落款和文号"),
    "change_rubric": N_("审核阶段开始后不能再更换考核细则版本"),
}
DEADLINE_PASSED: dict[str, Message] = {  # filled with the date
    "upload_evidence": N_("材料报送已于 %(date)s 截止"),
    "score": N_("评分已于 %(date)s 截止"),
    "appeal": N_("申诉期已于 %(date)s 截止"),
}


# From review on the marks stand (only resolutions and appeals change them), so the ranking
# page shows how its ranks depend on the choice of combination; before, the administrator
# asks for it (several computations of the district after every save).
SENSITIVITY_FROM: Phase = "review"


def shows_sensitivity(phase: str) -> bool:
    """Whether the ranking shows its sensitivity unasked (from review on)."""
    return phase in PHASES and PHASES.index(phase) >= PHASES.index(SENSITIVITY_FROM)  # type: ignore[arg-type]


def allowed(phase: str, action: Action) -> bool:
    """Whether ``action`` is allowed while an assessment is in ``phase``."""
    return action in ALLOWED.get(phase, frozenset())  # type: ignore[call-overload]


def require(phase: str, action: Action) -> None:
    """Raise PhaseClosed (with the reason as a message id) unless the phase allows the action."""
    if not allowed(phase, action):
        raise PhaseClosed(REFUSALS[action])


def closes_at(deadlines: dict | None, action: str) -> datetime | None:
    """When ``action`` stops being accepted (end of the deadline's day plus any grace), UTC."""
    key = CLOSED_BY.get(action)
    value = (deadlines or {}).get(key) if key else None
    if not value:
        return None
    end = datetime.combine(date.fromisoformat(value) + timedelta(days=1), time(), DISTRICT_TZ)
    return (end + timedelta(hours=grace_hours(deadlines))).astimezone(UTC)


def grace_hours(deadlines: dict | None) -> int:
    value = (deadlines or {}).get(GRACE_KEY) or 0
    return int(value) if str(value).isascii() and str(value).isdigit() else 0


def open_now(phase: str, action: Action, deadlines: dict | None, now: datetime | None = None) -> bool:
    """Whether the phase allows ``action`` and its deadline (with grace) has not passed."""
    if not allowed(phase, action):
        return False
    closing = closes_at(deadlines, action)
    return closing is None or (now or datetime.now(UTC)) < closing


def require_open(phase: str, action: Action, deadlines: dict | None, now: datetime | None = None) -> None:
    """Raise PhaseClosed unless the phase allows ``action`` and its deadline has not passed."""
    require(phase, action)
    if not open_now(phase, action, deadlines, now):
        raise PhaseClosed(Message(DEADLINE_PASSED[action].id, {"date": (deadlines or {})[CLOSED_BY[action]]}))


def deadline_of(deadlines: dict | None, action: str) -> str | None:
    """The date (yyyy-mm-dd) that closes ``action``, if the administrator set one."""
    key = CLOSED_BY.get(action)
    return (deadlines or {}).get(key) if key else None


def time_left(deadlines: dict | None, action: str, now: datetime | None = None) -> timedelta | None:
    """How long ``action`` stays open (negative once closed); None without a deadline."""
    closing = closes_at(deadlines, action)
    return None if closing is None else closing - (now or datetime.now(UTC))


def evidence_deadline(deadlines: dict | None) -> str | None:
    """The date (yyyy-mm-dd) evidence submission closes, if the administrator set one."""
    return (deadlines or {}).get("submission") or None


def next_phases(phase: str) -> tuple[Phase | None, Phase | None]:
    """The phases an administrator may move to from ``phase``: (back, forward); None where none.

    Phases move one step at a time; archived is final.
    """
    if phase not in PHASES or phase == "archived":
        return None, None
    here = PHASES.index(phase)  # type: ignore[arg-type]
    return (PHASES[here - 1] if here else None), PHASES[here + 1]


def can_move(source: str, target: str) -> bool:
    """Whether an administrator may move an assessment from ``source`` to ``target``."""
    return target is not None and target in next_phases(source)


def withdraws_results(source: str, target: str) -> bool:
    """Moving back from released withdraws the results from town leaders."""
    return source == "released" and target == "review"


@dataclass(frozen=True)
class PhaseView:
    """What a page may show and offer for an assessment in its phase (booleans, not phase names)."""

    phase: str
    back: str | None
    forward: str | None
    results_released: bool
    evidence_open: bool
    marks_editable: bool
    appeals_open: bool
    setup_editable: bool  # towns' assignments and the setup may still change
    rubric_changeable: bool = False  # another version of the rubric may still be applied
    resolvable: bool = False  # disagreements between reviewers may be resolved
    document_editable: bool = False  # the scorecards' issuer and document number may still change
    sensitivity_shown: bool = False  # the ranking's sensitivity is shown without being asked for
    deadline_phases: tuple[str, ...] = DEADLINE_PHASES


def phase_view(phase: str) -> PhaseView:
    """The booleans pages use for an assessment in ``phase``."""
    back, forward = next_phases(phase)
    return PhaseView(phase=phase, back=back, forward=forward,
                     results_released=allowed(phase, "see_results"),
                     evidence_open=allowed(phase, "upload_evidence"),
                     marks_editable=allowed(phase, "score"),
                     appeals_open=allowed(phase, "appeal"),
                     setup_editable=allowed(phase, "edit_setup"),
                     resolvable=allowed(phase, "resolve"),
                     document_editable=allowed(phase, "set_document"),
                     sensitivity_shown=shows_sensitivity(phase),
                     rubric_changeable=allowed(phase, "change_rubric"))
