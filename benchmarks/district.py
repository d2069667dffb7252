"""A synthetic district for the benchmarks, built through the store's own operations.

``seed`` creates towns, reviewers, the default rubric, an assessment in the scoring phase
and marks: through ``services.record_mark`` (the path the scoring page uses, audited), or,
for large districts, inserted in bulk: Core inserts of marks validated like any save, each
with the ``mark.save`` event a save would leave, chained and hashed as ``audit.record`` does
(so the replay of the audit trail and the chain check hold on a bulk district too).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from scoring import services
from scoring.demo.load import DEFAULT_RUBRIC
from scoring.demo.marks import demo_marks
from scoring.marks import read_mark
from scoring.store import operations, queries
from scoring.store.audit import GENESIS, SYSTEM, Actor, event_hash, event_mac
from scoring.store.models import AuditEvent, MarkRow, User, utcnow

PASSWORD = "bench-password-1"
STAFF = {"sifaju": "司法局", "zhengwu": "政务服务局", "fazhiban": "依法治区办"}


@dataclass
class Seeded:
    assessment_id: int
    towns: dict[str, int]
    users: dict[str, int]
    load_reviewers: dict[str, list[int]] = field(default_factory=dict)  # username -> its towns
    marks: int = 0
    seconds: float = 0.0


def seed(session: Session, n_towns: int, *, bulk: bool = False, load_reviewers: int = 0,
         scored_share: float = 1.0) -> Seeded:
    """A district of ``n_towns`` towns whose assessment is being scored (``scored_share`` of items marked)."""
    start = time.perf_counter()
    district = operations.create_district(session, SYSTEM, f"基准区{n_towns}")
    names = [f"第{n:04d}镇" for n in range(n_towns)]
    towns = {name: operations.create_town(session, SYSTEM, district.id, name).id for name in names}
    users = {}
    for username, department in {"admin": "依法治区办", **STAFF}.items():
        role = "admin" if username == "admin" else "reviewer"
        users[username] = operations.create_user(session, SYSTEM, username=username, display_name=username,
                                                 password=PASSWORD, role=role, department=department).id
    admin = Actor(users["admin"], "admin")
    version = operations.save_rubric_version(session, admin, DEFAULT_RUBRIC.read_text(encoding="utf-8"),
                                             file_name=DEFAULT_RUBRIC.name, note="基准")
    rubric = queries.rubric_of_version(session, version.id)
    assessment = operations.create_assessment(session, admin, district_id=district.id, name=f"{n_towns}镇考核",
                                              year=2025, rubric_version_id=version.id, town_ids=list(towns.values()))
    split = {c.id: ("sifaju" if c.id in "ABC" else "zhengwu") for c in rubric.categories}
    extras = [b.id for b in (rubric.bonus.items if rubric.bonus else [])] + [v.id for v in rubric.vetoes]
    for category in rubric.categories:
        items = [i.id for i in category.all_items()]
        operations.assign(session, admin, assessment.id, users[split[category.id]], items)
        operations.assign(session, admin, assessment.id, users["fazhiban"], items)
    operations.assign(session, admin, assessment.id, users["fazhiban"], extras)
    seeded = Seeded(assessment.id, towns, users)
    all_items = [i.id for _, i in rubric.all_items()]
    for n in range(load_reviewers):  # each scores every item of its own few towns
        username = f"r{n:02d}"
        users[username] = operations.create_user(session, SYSTEM, username=username, display_name=username,
                                                 password=PASSWORD, role="reviewer", department="评分组").id
        mine = [towns[name] for k, name in enumerate(names) if k % load_reviewers == n]
        for town_id in mine:
            operations.assign(session, admin, assessment.id, users[username], all_items, town_id=town_id)
        seeded.load_reviewers[username] = mine
    operations.set_phase(session, admin, assessment.id, "submission")
    operations.set_phase(session, admin, assessment.id, "scoring")
    skip = {(t, i) for t in names for k, i in enumerate(all_items) if k >= scored_share * len(all_items)}
    marks = demo_marks(rubric, towns={name: 0.5 + (k % 10) / 20 for k, name in enumerate(names)},
                       reviewers=("dept", "fazhiban"), skip=skip)
    category_of = {item.id: category.id for category, item in rubric.all_items()}
    rows = []
    for mark in marks:
        username = ("fazhiban" if mark.item not in category_of or mark.reviewer == "fazhiban"
                    else split[category_of[mark.item]])
        inputs = mark.model_dump(mode="json", exclude={"town", "item", "reviewer"}, exclude_defaults=True)
        if bulk:
            read_mark(rubric, town=mark.town, item=mark.item, reviewer=username, inputs=inputs)  # as a save would
            rows.append({"assessment_id": assessment.id, "town_id": towns[mark.town], "item_id": mark.item,
                         "reviewer_id": users[username], "rubric_version_id": version.id, "inputs": inputs,
                         "complete": True, "draft": None, "version": 1, "updated_at": utcnow(),
                         "username": username})
        else:
            services.record_mark(session, Actor(users[username], username), assessment_id=assessment.id,
                                 town_id=towns[mark.town], item_id=mark.item, reviewer_id=users[username],
                                 inputs=inputs, expected_version=0, running_total=False)
    if bulk:
        events = _save_events(session, rows)
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(MarkRow), [{k: v for k, v in r.items() if k != "username"}
                                              for r in rows[chunk:chunk + 5000]])
            session.execute(insert(AuditEvent), events[chunk:chunk + 5000])
        session.commit()
    seeded.marks = len(marks)
    seeded.seconds = time.perf_counter() - start
    return seeded


def _save_events(session: Session, rows: list[dict]) -> list[dict]:
    """The ``mark.save`` event of each bulk mark, as ``audit.record`` writes it, in id order."""
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar() or GENESIS
    key = session.info.get("audit_key")
    events = []
    for row in rows:
        event = AuditEvent(at=row["updated_at"], actor_id=row["reviewer_id"], actor_name=row["username"],
                           action="mark.save", object_type="mark",
                           object_key=f"{row['assessment_id']}/{row['town_id']}/{row['item_id']}/{row['reviewer_id']}",
                           before=None, after={"inputs": row["inputs"], "complete": True, "draft": None, "version": 1},
                           reason="", assessment_id=row["assessment_id"], town_id=row["town_id"],
                           item_id=row["item_id"], prev_hash=last, request_id=None)
        event.hash = last = event_hash(event)
        event.mac = event_mac(key, event.hash) if key else None
        events.append({column: getattr(event, column) for column in _EVENT_COLUMNS})
    return events


_EVENT_COLUMNS = ("at", "actor_id", "actor_name", "action", "object_type", "object_key", "before", "after",
                  "reason", "assessment_id", "town_id", "item_id", "prev_hash", "hash", "mac", "request_id")


def reviewer_of(session: Session, username: str) -> int:
    return session.execute(select(User.id).where(User.username == username)).scalar_one()
