"""The audit log as people read it: one sentence per change, autosaves of a mark grouped.

"司法局 张审核 将 新城镇 D4 的评分由 3 分改为 2.5 分" instead of ``mark.save`` and two JSON
blobs. Sentences are message ids with parameters, so each shell shows them in its language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from scoring.assignments import assignable_ids, item_ranges
from scoring.errors import InvalidMark, NotFound
from scoring.marks import mark_table, read_mark
from scoring.messages import N_, Message
from scoring.method_points import mark_points
from scoring.points import format_points
from scoring.store import queries
from scoring.store.views import AuditEventView

PHASE_NAMES = {"prepare": N_("准备"), "submission": N_("材料报送"), "scoring": N_("评分"), "review": N_("审核"),
               "released": N_("发布"), "archived": N_("归档")}
MARK_ACTIONS = ("mark.save", "mark.adjust")
HOW = {"department": N_("，按责任部门"), "copy": N_("，沿用上年分配"), "reassign": N_("，回避改派")}


@dataclass(frozen=True)
class Entry:
    """One line of the readable log: possibly several consecutive autosaves of one mark."""

    at: datetime  # the newest event's time
    first_at: datetime  # the oldest grouped event's time
    actor: str
    text: Message
    reason: str
    events: int  # how many stored events this line stands for
    event_ids: tuple[int, ...]


class _Describer:
    """Turns events into sentences; caches rubrics, towns and users while it reads a page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.users = queries.users_by_id(session)
        self.towns = {t.id: t.name for t in queries.towns(session)}
        self.rubrics: dict[int, object] = {}

    def actor(self, event: AuditEventView) -> str:
        user = self.users.get(event.actor_id) if event.actor_id is not None else None
        return user.display_name if user else event.actor_name

    def points(self, event: AuditEventView, value: dict | None) -> Message | str:
        """What a mark's stored state gives its item: points, 草稿, or 无."""
        if not value:
            return N_("无")
        if not value.get("complete"):
            return N_("草稿")
        rubric = self._rubric(event.assessment_id)
        if rubric is None or rubric.kind_of(event.item_id or "") != "item":
            return N_("已评")
        try:
            mark = read_mark(rubric, town="-", item=event.item_id, reviewer="-", inputs=value.get("inputs") or {})
        except InvalidMark:
            return N_("无效评分")
        cents = mark_points(rubric, mark_table([mark]))["points"].iloc[0]
        return N_("%(points)s 分", points=format_points(int(cents))) if cents == cents else N_("不适用")

    def _rubric(self, assessment_id: int | None):
        if assessment_id is None:
            return None
        if assessment_id not in self.rubrics:
            try:
                self.rubrics[assessment_id] = queries.assessment_rubric(self.session, assessment_id)
            except NotFound:
                self.rubrics[assessment_id] = None
        return self.rubrics[assessment_id]

    def text(self, first: AuditEventView, last: AuditEventView, count: int) -> Message:
        e, actor = last, self.actor(last)
        town = self.towns.get(e.town_id, "") if e.town_id is not None else ""
        if e.action in MARK_ACTIONS:
            before, after = self.points(first, first.before), self.points(e, e.after)
            if count > 1:
                return N_("%(actor)s 将 %(town)s %(item)s 的评分由 %(before)s 改为 %(after)s（%(n)s 次保存）",
                          actor=actor, town=town, item=e.item_id, before=before, after=after, n=count)
            if e.action == "mark.adjust":
                return N_("%(actor)s 复核申诉，将 %(town)s %(item)s 的评分由 %(before)s 调整为 %(after)s",
                          actor=actor, town=town, item=e.item_id, before=before, after=after)
            return N_("%(actor)s 将 %(town)s %(item)s 的评分由 %(before)s 改为 %(after)s",
                      actor=actor, town=town, item=e.item_id, before=before, after=after)
        if e.action == "assessment.phase":
            return N_("%(actor)s 将考核阶段由“%(before)s”改为“%(after)s”", actor=actor,
                      before=PHASE_NAMES.get((e.before or {}).get("phase"), ""),
                      after=PHASE_NAMES.get((e.after or {}).get("phase"), ""))
        if e.action == "appeal.file":
            return N_("%(actor)s 就 %(town)s %(item)s 的评分提出申诉", actor=actor, town=town, item=e.item_id)
        if e.action == "appeal.decide":
            adjusted = (e.after or {}).get("status") == "adjusted"
            return N_("%(actor)s 处理 %(town)s %(item)s 的申诉：%(result)s", actor=actor, town=town, item=e.item_id,
                      result=N_("调整评分") if adjusted else N_("维持原评分"))
        if e.action in ("marks.keep", "conflict.declare", "conflict.withdraw", "appeal.route",
                        "assessment.arbiter") or (
                e.action.startswith("assignment.") and (e.after or {}).get("items")):  # older events: generic line
            return self._setup_text(e, actor, town)
        if e.action == "disagreement.resolve":
            after = e.after or {}
            points = self.points(e, {"complete": True, "inputs": after.get("inputs") or {}})
            chosen = self.users.get(after.get("chosen_reviewer_id") or -1)
            if chosen is not None:
                return N_("%(actor)s 裁定 %(town)s %(item)s 的评分分歧：采用 %(reviewer)s 的评分（%(points)s）",
                          actor=actor, town=town, item=e.item_id, reviewer=chosen.display_name, points=points)
            return N_("%(actor)s 裁定 %(town)s %(item)s 的评分分歧：评分定为 %(points)s", actor=actor, town=town,
                      item=e.item_id, points=points)
        if e.action == "evidence.add":
            return N_("%(actor)s 为 %(town)s 上传佐证材料“%(name)s”", actor=actor, town=town,
                      name=(e.after or {}).get("name", ""))
        if e.action == "evidence.text":
            from scoring.evidence.states import state_message

            after = e.after or {}
            return N_("%(town)s 的佐证材料（编号 %(id)s）文字提取结束：%(state)s", town=town, id=e.object_key,
                      state=state_message(str(after.get("text_state", "")), after.get("reason")))
        if e.action == "login":
            return N_("%(actor)s 登录", actor=actor)
        if e.action == "login.failed":
            return N_("用户名 %(name)s 登录失败", name=e.object_key)
        return N_("%(actor)s：%(action)s %(object_type)s %(object_key)s", actor=actor, action=e.action,
                  object_type=e.object_type, object_key=e.object_key)

    def _setup_text(self, e: AuditEventView, actor: str, town: str) -> Message:
        """Assignments, conflicts and arbiters: "管理员 将 A1–A4 分配给 司法局 李四（全部 8 个单位）"."""
        after = e.after or {}
        reviewer, arbiter = after.get("reviewer", ""), after.get("arbiter", "")
        if e.action == "conflict.declare":
            if after.get("by_admin"):
                return N_("%(actor)s 登记 %(reviewer)s 回避 %(town)s", actor=actor, reviewer=reviewer, town=town)
            return N_("%(reviewer)s 申报回避 %(town)s", reviewer=reviewer, town=town)
        if e.action == "conflict.withdraw":
            if after.get("by_admin"):
                return N_("%(actor)s 撤回 %(reviewer)s 对 %(town)s 的回避", actor=actor, reviewer=reviewer, town=town)
            return N_("%(reviewer)s 撤回对 %(town)s 的回避申报", reviewer=reviewer, town=town)
        if e.action == "appeal.route":
            if not arbiter:
                return N_("%(actor)s 将 %(town)s %(item)s 的申诉交回管理员复核", actor=actor, town=town, item=e.item_id)
            return N_("%(actor)s 将 %(town)s %(item)s 的申诉交由 %(arbiter)s 复核", actor=actor, town=town,
                      item=e.item_id, arbiter=arbiter)
        if e.action == "assessment.arbiter":
            if not arbiter:
                return N_("%(actor)s 取消了本考核的申诉复核人", actor=actor)
            return N_("%(actor)s 指定 %(arbiter)s 为本考核的申诉复核人", actor=actor, arbiter=arbiter)
        rubric = self._rubric(e.assessment_id)
        items = item_ranges(assignable_ids(rubric) if rubric is not None else [], after.get("items") or [])
        if e.action == "marks.keep":
            return N_("%(actor)s 保留 %(reviewer)s 的 %(n)s 条 %(items)s 评分（分配已取消，评分仍计入）", actor=actor,
                      reviewer=reviewer, n=after.get("marks", 0), items=items)
        towns = after.get("towns")
        where: Message | str = (N_("全部 %(n)s 个单位", n=after["all_towns"]) if towns is None and "all_towns" in after
                                else N_("全部单位") if towns is None
                                else self.towns.get(towns[0], "") if len(towns) == 1
                                else N_("%(n)s 个单位", n=len(towns)))
        text = (N_("%(actor)s 安排 %(reviewer)s 评分 %(items)s（%(towns)s%(how)s）") if e.action == "assignment.add"
                else N_("%(actor)s 取消 %(reviewer)s 评分 %(items)s（%(towns)s%(how)s）"))
        return Message(text.id, {"actor": actor, "reviewer": reviewer, "items": items, "towns": where,
                                 "how": HOW.get(after.get("how", ""), "")})


def readable_entries(session: Session, events: list[AuditEventView]) -> list[Entry]:
    """The events (newest first) as sentences; consecutive saves of one mark by one person are one line."""
    describe = _Describer(session)
    groups: list[list[AuditEventView]] = []
    for event in events:
        last = groups[-1][-1] if groups else None
        if (last is not None and event.action == "mark.save" and last.action == "mark.save"
                and event.object_key == last.object_key and event.actor_id == last.actor_id and not event.reason
                and not last.reason):
            groups[-1].append(event)
        else:
            groups.append([event])
    entries = []
    for group in groups:
        newest, oldest = group[0], group[-1]
        entries.append(Entry(at=newest.at, first_at=oldest.at, actor=describe.actor(newest),
                             text=describe.text(oldest, newest, len(group)), reason=newest.reason,
                             events=len(group), event_ids=tuple(e.id for e in group)))
    return entries
