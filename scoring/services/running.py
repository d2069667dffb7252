"""After a save: the item's points and the town's running total, from that town's marks alone.

Neither needs the district (a town's total depends on its own marks). Both are remembered
under what they are computed from (``marks.frame_values``: a mark's method inputs, without
its comment or citations): a mark's points under its values, a town's total under the set of
its counting marks' (item, reviewer, values). A save that changes nothing that counts (a
draft, a comment typed over a complete mark) therefore computes nothing. A save that changes
one scored item's mark computes that mark's points and the town's total from the town's
last outcome (each counting mark's points, its bonus and veto cap) with that one mark
replaced (``results.town_total``); anything else computes the town's results again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from scoring.bonus_veto import bonus_points, veto_findings
from scoring.marks import frame_values, read_mark
from scoring.messages import N_, Message
from scoring.method_points import MarkPoints, compute_mark_points, item_tables, values_points
from scoring.points import format_points
from scoring.results import item_scores, town_results, town_total
from scoring.rubric import Rubric
from scoring.store import queries
from scoring.store.mark_frames import entries, is_counting, table_of

NOT_APPLICABLE = N_("不适用")
_KEEP = 4096  # towns' totals and outcomes, and marks' points, remembered per process
_totals: OrderedDict[tuple, int] = OrderedDict()
# a mark's (rubric, (cents, not applicable, occurrences)) under its rubric and values
_points: OrderedDict[tuple, tuple[Rubric, tuple[float, bool, int]]] = OrderedDict()
_outcomes: OrderedDict[tuple, _Outcome] = OrderedDict()  # (database, rubric version, assessment, town) -> last outcome
_lock = threading.Lock()


@dataclass(frozen=True)
class _Outcome:
    """A town's last computed total and what it came from: each counting mark's points (in
    the order of ``marks``), the town's bonus and its veto cap (NaN: none)."""

    content: frozenset
    marks: dict[tuple[str, str], int]  # (item, reviewer) -> row of ``computed``
    computed: MarkPoints
    bonus: int
    total_cap: float
    total: int


def points_text(rubric: Rubric, marks: list) -> dict[str, Message | str]:
    """Item id -> the points these marks give, as shown beside the item (不适用 when it does not apply)."""
    if not marks:
        return {}
    tables = item_tables(rubric)
    computed = values_points(tables, [(mark.item, frame_values(mark)) for mark in marks])  # no frames
    return {tables.ids[code]: format_points(int(cents)) if cents == cents else NOT_APPLICABLE
            for code, cents in zip(computed.item.tolist(), computed.points.tolist(), strict=True) if code >= 0}


def item_points(rubric: Rubric, rubric_version_id: int, item_id: str, inputs: dict) -> Message | str:
    """The points of one valid mark of an item (the method's own computation, remembered)."""
    mark = read_mark(rubric, town="-", item=item_id, reviewer="-", inputs=inputs)
    cents, _, _ = _mark_points(rubric, rubric_version_id, item_id, frame_values(mark))
    return format_points(int(cents)) if cents == cents else NOT_APPLICABLE


def _mark_points(rubric: Rubric, rubric_version_id: int, item_id: str, values: tuple) -> tuple[float, bool, int]:
    """One mark's (cents, not applicable, deduction occurrences) from its ``frame_values``: the
    method's own computation on arrays of that mark alone, remembered under the values."""
    key = (id(rubric), rubric_version_id, item_id, _scored(values))  # a new comment: the same points
    found = _get(_points, key)
    if found is None or found[0] is not rubric:  # the rubric object itself: ids of dead objects are reused
        computed = values_points(item_tables(rubric), [(item_id, values)])
        found = (rubric, (float(computed.points[0]), bool(computed.not_applicable[0]), int(computed.occurrences[0])))
        _put(_points, key, found)
    return found[1]


def town_running_total(session: Session, assessment_id: int, town_id: int, *, rubric_version_id: int | None = None,
                       town: str | None = None) -> Message | str:
    """The town's total once every item is scored; until then how many items are missing.

    An incomplete town has no total anywhere (a partial sum beside real totals misleads).
    An item is missing exactly when no mark of it counts (a counting mark is valid, so it
    gives points, or says not applicable, which a rubric allowing it scores). The town's
    counting marks are read once; a complete town's result is computed from them alone,
    from its last outcome when one scored item's mark is all that changed.
    """
    if rubric_version_id is None:
        rubric_version_id = queries.assessment(session, assessment_id).rubric_version_id
    rubric = queries.rubric_of_version(session, rubric_version_id)
    counting = [(key, entry) for key, entry in entries(session, assessment_id, town_id, rubric_version_id)
                if is_counting(entry)]
    scored = {key[1] for key, _ in counting}
    missing = sum(1 for _, item in rubric.all_items() if item.id not in scored)
    if missing:
        return N_("未完成，缺 %(n)s 项", n=missing)
    content = frozenset((key[1], key[3], _scored(entry)) for key, entry in counting)  # not the comments
    version = (str(session.get_bind().url), rubric_version_id)  # tests open many databases in one process
    total = _get(_totals, (version, content))
    if total is None:
        place = (version, assessment_id, town_id)
        outcome = _changed(rubric, rubric_version_id, _get(_outcomes, place), content, counting)
        if outcome is None:
            outcome = _computed(rubric, counting, content, town or queries.assessment_town(session, assessment_id,
                                                                                               town_id) or "")
        _put(_outcomes, place, outcome)
        total = outcome.total
        _put(_totals, (version, content), total)
    return format_points(total)


def _computed(rubric: Rubric, counting: list, content: frozenset, town: str) -> _Outcome:
    """The town's outcome computed from all its counting marks (``results.town_results``)."""
    table = table_of(counting).table
    total = int(town_results(rubric, item_scores(rubric, table, [town]), table)["total"].iloc[0])
    computed = compute_mark_points(item_tables(rubric), table)
    marks = {(key[1], key[3]): row for row, (key, _) in enumerate(counting)}
    bonus = bonus_points(rubric, table).get(town, 0)
    vetoes = veto_findings(rubric, table)
    total_cap = float(vetoes.loc[town, "total_cap"]) if town in vetoes.index else float("nan")
    return _Outcome(content, marks, computed, int(bonus), total_cap, total)


def _changed(rubric: Rubric, rubric_version_id: int, last: _Outcome | None, content: frozenset,
             counting: list) -> _Outcome | None:
    """The outcome of ``content`` from the town's last one when a single scored item's mark
    is all that differs (same item and reviewer, other values); None otherwise."""
    if last is None or len(content) != len(last.content):
        return None
    added, removed = content - last.content, last.content - content
    if len(added) != 1 or len(removed) != 1:
        return None
    (item, reviewer, _), (old_item, old_reviewer, _) = next(iter(added)), next(iter(removed))
    if (item, reviewer) != (old_item, old_reviewer) or rubric.kind_of(item) != "item":
        return None  # a bonus or veto mark changes the bonus or the cap: computed again
    values = next(entry for key, entry in counting if key[1] == item and key[3] == reviewer)
    cents, not_applicable, occurrences = _mark_points(rubric, rubric_version_id, item, values)
    row = last.marks[(item, reviewer)]
    points, na = last.computed.points.copy(), last.computed.not_applicable.copy()
    counted, unusable = last.computed.occurrences.copy(), last.computed.unusable.copy()
    points[row], na[row], counted[row] = cents, not_applicable, occurrences
    unusable[row] = not not_applicable and cents != cents
    computed = replace(last.computed, points=points, not_applicable=na, occurrences=counted, unusable=unusable)
    total = town_total(rubric, computed, last.bonus, last.total_cap)
    return replace(last, content=content, computed=computed, total=total)


def _scored(entry: tuple) -> tuple:
    """A mark's ``frame_values`` as a key: NaN (no value) as None, since NaN != NaN."""
    values, deductions, claims = entry
    return tuple(None if v != v else v for v in values), deductions, claims


def _get(memo: OrderedDict, key):
    with _lock:
        found = memo.get(key)
        if found is not None:
            memo.move_to_end(key)
        return found


def _put(memo: OrderedDict, key, value) -> None:
    with _lock:
        memo[key] = value
        while len(memo) > _KEEP:
            memo.popitem(last=False)
