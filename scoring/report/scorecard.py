"""View model of a town's scorecard (考核结果通报); the district ranking's is in ``ranking.py``.

Plain frozen values built from the core's ``Outcome`` and the marks; the web page and the
PDF both render these, so they can never show different numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from scoring.marks import Mark
from scoring.methods import method_of
from scoring.outcome import Outcome
from scoring.points import div_round_half_up, format_points, to_cents
from scoring.ranking import NOT_RANKABLE, RANKED
from scoring.rubric import Rubric


@dataclass(frozen=True)
class CitedPassage:
    file: str
    location: str
    quote: str


@dataclass(frozen=True)
class Finding:
    """Why points were lost: one reviewer's deduction, level, judgement or veto."""

    text: str
    department: str
    points_lost: str = ""
    citation: CitedPassage | None = None  # the passage this finding itself cites (a deduction's)
    citations: tuple[CitedPassage, ...] = ()  # the mark's general citations (on its last finding)


@dataclass(frozen=True)
class ItemLine:
    id: str
    category_id: str
    title: str
    max_points: str
    points: str
    lost: str
    not_applicable: bool
    findings: tuple[Finding, ...] = ()
    remedy: str = ""  # 整改要求 of an item that lost points: the requirement and the evidence asked for


@dataclass(frozen=True)
class CategoryLine:
    id: str
    title: str
    points: str
    max_points: str
    share: float  # points / max, 0..1
    district_average: str  # over towns whose category is fully scored; "—" when there is none
    district_average_share: float | None
    district_best: str
    previous: str = ""  # the town's points last year ("" when there is no such year or category)
    change: str = ""  # signed change from last year ("+1.5", "-2", "0")


@dataclass(frozen=True)
class AppealLine:
    """A town's appeal (申诉) of an item's mark and how it was decided (复核结果)."""

    item: str  # "C3 规范性文件合法性审查与备案"
    request: str  # what the town asked
    decision: str  # "维持原评分" / "调整评分" / "受理中"
    reply: str = ""  # the reviewing office's reasons
    points_before: str = ""
    points_after: str = ""


@dataclass(frozen=True)
class Scorecard:
    district: str
    assessment: str
    year: int
    town: str
    released: str
    complete: bool
    ranked: bool  # False: no total, rank or grade; ``status_note`` says why
    total: str  # the total of a ranked town; otherwise the status note ("未完成，缺 2 项")
    max_total: str
    rank: int | None
    ranked_towns: int
    grade: str
    grade_note: str
    status_note: str
    categories: tuple[CategoryLine, ...]
    items: tuple[ItemLine, ...]
    bonus: str
    bonus_findings: tuple[Finding, ...]
    veto_findings: tuple[Finding, ...]
    previous_total: str = ""
    verification: str = field(default="")
    appeals: tuple[AppealLine, ...] = ()
    # The newest checkpoint of the audit chain ("#id hash"), kept outside the database too;
    # not covered by the verification code, which certifies the card's content only.
    audit_anchor: str = ""
    previous_note: str = ""  # e.g. last year's rubric differs, so the comparison is indicative
    issuer: str = ""  # 落款: who issues the document
    document_number: str = ""  # 文号

    @property
    def has_previous(self) -> bool:
        return any(c.previous for c in self.categories)

    @property
    def lost_items(self) -> tuple[ItemLine, ...]:
        return tuple(item for item in self.items if item.lost != "0")

    @property
    def total_change(self) -> str:
        """Change of the total from last year's, signed ("+1.5", "-2", "0"); "" when unknown."""
        if not self.previous_total or not self.ranked:
            return ""
        change = to_cents(self.total) - to_cents(self.previous_total)
        return ("+" if change > 0 else "") + format_points(change)


@dataclass(frozen=True)
class MarkContext:
    """What the scorecard may say about a mark's author and its citations."""

    departments: dict[str, str]  # reviewer -> department
    passages: dict[tuple[str, str], tuple[str, str]]  # (evidence_id, passage_id) -> (file, location)


def build_scorecard(*, rubric: Rubric, outcome: Outcome, town: str, marks: list[Mark], context: MarkContext,
                    district: str, assessment: str, year: int, released: str,
                    previous_total: str = "", appeals: tuple[AppealLine, ...] = (),
                    previous_categories: dict[str, str] | None = None, previous_note: str = "",
                    issuer: str = "", document_number: str = "", audit_anchor: str = "") -> Scorecard:
    """Return the scorecard of one town: every number from ``outcome``, every reason from marks.

    ``previous_total`` is the town's total in last year's released assessment, if any, and
    ``previous_categories`` its points per category id (``previous_note`` says when last
    year's rubric differs); ``appeals`` the town's appeals and their decisions (the
    verification code covers them); ``issuer`` and ``document_number`` the 落款 and 文号.
    """
    previous_categories = previous_categories or {}
    row = outcome.town(town)
    scores = outcome.item_scores
    mine = scores[scores["town"] == town]
    ranked = outcome.ranked
    is_ranked = row["status"] == RANKED
    unscored = set(mine.loc[mine["missing"].to_numpy(dtype=bool), "category"].astype(str))
    done = _scored_categories(outcome)
    categories = []
    for category in rubric.categories:
        column = f"cat:{category.id}"
        values = done[column].dropna().to_numpy(dtype=np.int64)
        # Over the towns whose category is fully scored (a partial sum is no score); "—" with none.
        average = int(div_round_half_up(values.sum(), len(values))) if len(values) else None
        max_cents = to_cents(category.points)
        shown = None if category.id in unscored else int(row[column])  # a partial sum is no score
        categories.append(CategoryLine(
            id=category.id, title=category.title, points=format_points(shown) if shown is not None else "—",
            max_points=format_points(max_cents), share=(shown or 0) / max_cents,
            district_average=format_points(average) if average is not None else "—",
            district_average_share=average / max_cents if average is not None else None,
            district_best=format_points(int(values.max())) if len(values) else "—",
            previous=previous_categories.get(category.id, ""),
            change=_change(shown, previous_categories.get(category.id, ""))))
    by_item: dict[str, list[Mark]] = {}
    for mark in marks:
        if mark.town == town:
            by_item.setdefault(mark.item, []).append(mark)
    items = []
    # One pass over the town's rows: a boolean filter per item cost 20 ms a card, 60 towns.
    lines = {r["item"]: r for r in mine[["item", "points", "not_applicable"]].to_dict("records")}
    for category, item in rubric.all_items():
        line = lines[item.id]
        points = line["points"]
        earned = int(points) if points == points else None
        lost = item.max_cents - earned if earned is not None else 0
        findings = tuple(f for m in by_item.get(item.id, []) for f in _findings(rubric, item.id, m, context))
        items.append(ItemLine(
            id=item.id, category_id=category.id, title=item.title, max_points=format_points(item.max_cents),
            points=format_points(earned) if earned is not None else "—", lost=format_points(lost),
            not_applicable=bool(line["not_applicable"]), findings=findings if lost else (),
            remedy=remedy(item) if lost else ""))
    matters = outcome.bonus_matters[outcome.bonus_matters["town"] == town]
    bonus = tuple(Finding(text=f"{r['matter']}（{r['level']}）", department="、".join(dict.fromkeys(
        d for d in (context.departments.get(name, "") for name in r["reviewers"].split(",")) if d)))
        for r in matters.to_dict("records"))  # each matter once, at the level counted
    vetoes = tuple(Finding(text=f"{rubric.veto(m.item).title}：{m.comment}",
                           department=context.departments.get(m.reviewer, ""))
                   for m in marks if m.town == town and m.triggered)
    note = str(row["grade_note"]) if row["grade_note"] is not None else ""
    card = Scorecard(
        previous_total=previous_total,
        district=district, assessment=assessment, year=year, town=town, released=released,
        complete=bool(row["complete"]), ranked=is_ranked,
        total=format_points(row["total"]) if is_ranked else note,
        max_total=format_points(to_cents(rubric.total_points)),
        rank=row["rank"], ranked_towns=len(ranked),
        grade=row["grade"] or "—", grade_note=note if is_ranked else "", status_note="" if is_ranked else note,
        categories=tuple(categories), items=tuple(items), bonus=format_points(row["bonus"]), bonus_findings=bonus,
        veto_findings=vetoes, appeals=appeals, previous_note=previous_note if previous_categories else "",
        issuer=issuer, document_number=document_number, audit_anchor=audit_anchor)
    return _with_verification(card)


def _scored_categories(outcome: Outcome):
    """Each town's category points where every item of the category is scored (else NaN).

    Towns that are not rankable (nothing applies) are left out: their points were earned
    on nothing. So a district figure is available as soon as one town's category is done.
    """
    scores = outcome.item_scores
    missing = scores.groupby(["town", "category"], observed=True)["missing"].any().unstack()
    results = outcome.ranking.set_index("town")
    results = results[results["status"] != NOT_RANKABLE]
    columns = [c for c in results.columns if str(c).startswith("cat:")]
    figures = results[columns].astype(float)
    for column in columns:
        category = column.split(":", 1)[1]
        if category in missing.columns:
            gaps = missing[category].reindex(figures.index).fillna(True).to_numpy(dtype=bool)
            figures.loc[gaps, column] = np.nan
    return figures


def remedy(item) -> str:
    """整改要求 of an item that lost points: the rubric's requirement (its first clause) and the
    evidence it asks for; the full criteria are in the rubric, the card stays short."""
    first = re.split(r"[。；;]", item.criteria.strip(), maxsplit=1)[0]
    if len(first) > _REMEDY_CHARS:
        first = first[:_REMEDY_CHARS] + "…"
    text = f"整改要求：对照“{first}”的要求整改"
    if item.evidence_required:
        text += "，补充佐证材料：" + "、".join(e.rstrip("。；;") for e in item.evidence_required)
    return text + "。"


_REMEDY_CHARS = 40


def _change(points: int | None, previous: str) -> str:
    """Signed change from last year's points ("+1.5", "-2", "0"); "" when either is unknown."""
    if points is None or not previous:
        return ""
    change = points - to_cents(previous)
    return ("+" if change > 0 else "") + format_points(change)


def _findings(rubric: Rubric, item_id: str, mark: Mark, context: MarkContext) -> list[Finding]:
    """What the item's method says of a mark that lost points, with department and citation."""
    department = context.departments.get(mark.reviewer, "")
    item = rubric.item(item_id)
    if mark.not_applicable:
        return []
    found = [Finding(text=e.text, department=department,
                     points_lost=format_points(e.points_lost) if e.points_lost is not None else "",
                     citation=_cite(e.citation, context))
             for e in method_of(item).explain(item, mark)]
    # The mark's own citations (what the reviewer cited for the item as a whole), each once:
    # those a finding prints already are left out.
    printed = {f.citation for f in found if f.citation is not None}
    general = tuple(dict.fromkeys(c for c in (_cite(c, context) for c in mark.citations) if c not in printed))
    if found and general:
        found[-1] = replace(found[-1], citations=general)
    return found


def _cite(citation, context: MarkContext) -> CitedPassage | None:
    if citation is None:
        return None
    file, location = context.passages.get((citation.evidence_id, citation.passage_id), ("", ""))
    return CitedPassage(file=file, location=location, quote=citation.quote)


def _with_verification(card: Scorecard) -> Scorecard:
    """Add a code that changes whenever any number or reason on the scorecard changes."""
    content = json.dumps(asdict(card) | {"verification": "", "audit_anchor": ""}, ensure_ascii=False, sort_keys=True, default=str)
    code = hashlib.sha256(content.encode()).hexdigest()[:16].upper()
    return replace(card, verification="-".join(code[i:i + 4] for i in range(0, 16, 4)))
