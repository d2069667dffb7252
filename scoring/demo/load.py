"""Load the demo district into an empty database: towns, accounts, rubric, evidence, marks.

Two assessments: 2024 (released, every item scored: town leaders see scorecards) and
2025 (in the scoring phase, partly scored: reviewers have work to do). Every write goes
through the store's operations, so the demo leaves the same audit trail a user would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import services
from scoring.demo.marks import DEMO_TOWNS, demo_marks
from scoring.evidence.match import rank_passages
from scoring.marks import Citation
from scoring.settings import ROOT, Settings
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM, Actor
from scoring.store.models import District, PassageRow, User

EVIDENCE = Path(__file__).resolve().parent / "evidence"
DEFAULT_RUBRIC = ROOT / "rubrics" / "town-rule-of-law-2025.yaml"
DISTRICT = "示范区（演示）"

# username -> (display name, role, department, town, password). Demo only: printed on start.
TOWN_LOGINS = {
    "新城镇": "xincheng", "东港镇": "donggang", "西岭镇": "xiling", "南湖街道": "nanhu",
    "北塘镇": "beitang", "青山镇": "qingshan", "白河街道": "baihe", "金桥镇": "jinqiao",
}
REVIEWERS = {
    "sifaju": ("司法局 张审核", "区司法局"),
    "zhengwu": ("政务服务办 李审核", "区政务服务办"),
    "fazhiban": ("依法治区办 王审核", "区委依法治区办"),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    note: str


def load_demo(session: Session, settings: Settings) -> list[DemoAccount] | None:
    """Fill an empty database with the demo; return the demo accounts (None if not empty)."""
    if session.execute(select(District.id).limit(1)).first() is not None:
        return None
    accounts: list[DemoAccount] = []
    district = operations.create_district(session, SYSTEM, DISTRICT)
    towns = {name: operations.create_town(session, SYSTEM, district.id, name).id for name in DEMO_TOWNS}
    admin = _user(session, accounts, "admin", "区依法治区办 管理员", "admin", "区委依法治区办", None, "管理员")
    reviewers = {u: _user(session, accounts, u, name, "reviewer", dept, None, f"评分人（{dept}）")
                 for u, (name, dept) in REVIEWERS.items()}
    for town, login in TOWN_LOGINS.items():
        _user(session, accounts, login, f"{town}负责人", "town", "", towns[town], f"{town}负责人")

    actor = Actor(admin.id, admin.username)
    rubric_row = operations.save_rubric_version(session, actor, DEFAULT_RUBRIC.read_text(encoding="utf-8"),
                                                file_name=DEFAULT_RUBRIC.name, note="默认考核细则")
    rubric = queries.rubric_of_version(session, rubric_row.id)
    split = {c.id: ("sifaju" if c.id in "ABC" else "zhengwu") for c in rubric.categories}
    for year, released in ((2024, True), (2025, False)):
        assessment = operations.create_assessment(
            session, actor, district_id=district.id, name=f"{year}年度法治政府建设考核", year=year,
            rubric_version_id=rubric_row.id, town_ids=list(towns.values()))
        for category in rubric.categories:  # every item by its department and by 依法治区办
            items = [i.id for i in category.all_items()]
            operations.assign(session, actor, assessment.id, reviewers[split[category.id]].id, items)
            operations.assign(session, actor, assessment.id, reviewers["fazhiban"].id, items)
        extras = [b.id for b in (rubric.bonus.items if rubric.bonus else [])] + [v.id for v in rubric.vetoes]
        operations.assign(session, actor, assessment.id, reviewers["fazhiban"].id, extras)
        operations.set_phase(session, actor, assessment.id, "submission")
        for town, town_id in towns.items():
            leader = session.execute(select(User).where(User.town_id == town_id)).scalar_one()
            for path in sorted((EVIDENCE / town).glob("*")):
                services.submit_evidence(session, Actor(leader.id, leader.username), assessment_id=assessment.id,
                                         town_id=town_id, name=path.name, data=path.read_bytes(),
                                         blobs=services.blob_store(settings, session),
                                         max_bytes=settings.max_upload_bytes)
        operations.set_phase(session, actor, assessment.id, "scoring")
        _score(session, assessment.id, rubric, towns, reviewers, split, complete=released)
        if released:
            for phase in ("review", "released"):
                operations.set_phase(session, actor, assessment.id, phase, reason="演示数据")
    return accounts


def _user(session, accounts, username, display, role, department, town_id, note) -> User:
    password = f"demo-{username}"
    accounts.append(DemoAccount(username, password, role, note))
    return operations.create_user(session, SYSTEM, username=username, display_name=display, password=password,
                                  role=role, department=department, town_id=town_id)


def _score(session, assessment_id, rubric, towns, reviewers, split, *, complete: bool) -> None:
    """Record the demo marks through the same service the scoring page uses."""
    skip = set() if complete else {(t, i.id) for t in towns for n, (_, i) in enumerate(rubric.all_items()) if n % 3}
    marks = demo_marks(rubric, reviewers=("dept", "fazhiban"), skip=skip)
    category_of = {item.id: category.id for category, item in rubric.all_items()}
    cited = _citations(session, assessment_id, towns)
    for mark in marks:
        if mark.item not in category_of:
            username = "fazhiban"  # bonus and veto items are 依法治区办's
        else:
            username = mark.reviewer if mark.reviewer != "dept" else split[category_of[mark.item]]
        reviewer = reviewers[username]
        inputs = mark.model_dump(mode="json", exclude={"town", "item", "reviewer"}, exclude_defaults=True)
        citation = cited(mark.town, rubric, mark.item)
        if citation and inputs.get("deductions"):
            inputs["deductions"][0]["citation"] = citation.model_dump()
        services.record_mark(session, Actor(reviewer.id, reviewer.username), assessment_id=assessment_id,
                             town_id=towns[mark.town], item_id=mark.item, reviewer_id=reviewer.id,
                             inputs=inputs, expected_version=0, running_total=False)


def _citations(session, assessment_id, towns):
    """Pick, for a town and item, the passage of its evidence that best matches the item."""
    cache: dict[str, list] = {}

    def cite(town: str, rubric, item_id: str) -> Citation | None:
        if town not in cache:
            files = queries.evidence_files(session, assessment_id, towns[town])
            rows = session.execute(select(PassageRow).where(
                PassageRow.evidence_id.in_([f.id for f in files]))).scalars().all()
            cache[town] = rows
        rows = cache[town]
        if not rows or rubric.kind_of(item_id) != "item":
            return None
        from scoring.evidence.passages import Passage

        passages = [Passage(file_name=str(r.evidence_id), passage_id=r.passage_key, seq=n, page=r.page,
                            sheet=r.sheet, row=None, paragraph=r.paragraph, text=r.text[:400], is_heading=False,
                            section=None) for n, r in enumerate(rows)]
        item = rubric.item(item_id)
        ranked = rank_passages([item.title, *item.evidence_required], passages, top=1)
        if not ranked:
            return None
        best = ranked[0][0]
        return Citation(evidence_id=best.file_name, passage_id=best.passage_id, quote=best.text[:120])

    return cite
