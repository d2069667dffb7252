"""The phases of an assessment and, for each, what each role may do: the one home of these rules.

准备 → 材料报送 → 评分 → 审核 → 发布 → 归档. The store refuses what the phase forbids
(``require``), and views and templates receive the answers as booleans (``allowed``,
``PhaseView``), so no template or view names a phase.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    "set_deadlines",    # administrators
]

# What each phase allows. Administrators move phases; everything else is listed here.
ALLOWED: dict[Phase, frozenset[Action]] = {
    "prepare": frozenset({"edit_setup", "set_deadlines"}),
    "submission": frozenset({"edit_setup", "upload_evidence", "set_deadlines"}),
    "scoring": frozenset({"edit_setup", "score", "set_deadlines"}),
    "review": frozenset({"set_deadlines"}),
    "released": frozenset({"see_results", "appeal", "set_deadlines"}),
    "archived": frozenset({"see_results"}),
}

# Phases that close on a date the administrator sets (archived never closes).
DEADLINE_PHASES: tuple[Phase, ...] = PHASES[:5]

# Why an action is refused, by action (message ids: the shells translate them).
REFUSALS: dict[Action, Message] = {
    "edit_setup": N_("该考核已进入审核阶段，不能再修改设置"),
    "upload_evidence": N_("只有在材料报送阶段才能提交佐证材料"),
    "score": N_("只有在评分阶段才能修改评分"),
    "see_results": N_("考核结果尚未发布"),
    "appeal": N_("只有在结果发布后的申诉期内才能申诉"),
    "set_deadlines": N_("已归档的考核不能再修改"),
}


def allowed(phase: str, action: Action) -> bool:
    """Whether ``action`` is allowed while an assessment is in ``phase``."""
    return action in ALLOWED.get(phase, frozenset())  # type: ignore[call-overload]


def require(phase: str, action: Action) -> None:
    """Raise PhaseClosed (with the reason as a message id) unless the phase allows the action."""
    if not allowed(phase, action):
        raise PhaseClosed(REFUSALS[action])


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
    deadline_phases: tuple[str, ...] = DEADLINE_PHASES


def phase_view(phase: str) -> PhaseView:
    """The booleans pages use for an assessment in ``phase``."""
    back, forward = next_phases(phase)
    return PhaseView(phase=phase, back=back, forward=forward,
                     results_released=allowed(phase, "see_results"),
                     evidence_open=allowed(phase, "upload_evidence"),
                     marks_editable=allowed(phase, "score"),
                     appeals_open=allowed(phase, "appeal"),
                     setup_editable=allowed(phase, "edit_setup"))
