"""After a save: the item's points and the town's running total, from that town's marks alone.

Neither needs the district (a town's total depends on its own marks). Both are remembered
under what they are computed from (``marks.frame_values``: a mark's method inputs, without
its comment or citations): a mark's points under its values, a town's total under the set of
its counting marks' (item, reviewer, values). A save that changes nothing that counts (a
draft, a comment typed over a complete mark) therefore computes nothing, and one that
changes a score computes this one town.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from scoring.marks import frame_values, mark_table, read_mark
from scoring.messages import N_, Message
from scoring.method_points import compute_mark_points, item_tables
from scoring.points import format_points
from scoring.results import item_scores, town_results
from scoring.rubric import Rubric
from scoring.store import queries
from scoring.store.mark_frames import entries, is_counting, table_of

NOT_APPLICABLE = N_("不适用")
_KEEP = 4096  # towns' totals and marks' points remembered per process
_totals: OrderedDict[frozenset, int] = OrderedDict()
_points: OrderedDict[tuple, Message | str] = OrderedDict()
_lock = threading.Lock()


def points_text(rubric: Rubric, marks: list) -> dict[str, Message | str]:
    """Item id -> the points these marks give, as shown beside the item (不适用 when it does not apply)."""
    if not marks:
        return {}
    tables = item_tables(rubric)
    computed = compute_mark_points(tables, mark_table(marks))  # the arrays: no per-mark frame to build
    return {tables.ids[code]: format_points(int(cents)) if cents == cents else NOT_APPLICABLE
            for code, cents in zip(computed.item.tolist(), computed.points.tolist(), strict=True) if code >= 0}


def item_points(rubric: Rubric, rubric_version_id: int, item_id: str, inputs: dict) -> Message | str:
    """The points of one valid mark of an item (the method's own computation, remembered)."""
    mark = read_mark(rubric, town="-", item=item_id, reviewer="-", inputs=inputs)
    key = (rubric_version_id, item_id, _scored(frame_values(mark)))  # a new comment: the same points
    found = _get(_points, key)
    if found is None:
        found = points_text(rubric, [mark]).get(item_id, "")
        _put(_points, key, found)
    return found


def town_running_total(session: Session, assessment_id: int, town_id: int, *, rubric_version_id: int | None = None,
                       town: str | None = None) -> Message | str:
    """The town's total once every item is scored; until then how many items are missing.

    An incomplete town has no total anywhere (a partial sum beside real totals misleads).
    An item is missing exactly when no mark of it counts (a counting mark is valid, so it
    gives points, or says not applicable, which a rubric allowing it scores). The town's
    counting marks are read once; a complete town's result is computed from them alone.
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
    total = _get(_totals, content)
    if total is None:
        town = town or queries.assessment_town(session, assessment_id, town_id) or ""
        table = table_of(counting).table
        total = int(town_results(rubric, item_scores(rubric, table, [town]), table)["total"].iloc[0])
        _put(_totals, content, total)
    return format_points(total)


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
