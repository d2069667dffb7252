"""View model of the district ranking (排名通报): ranked towns in order, the others apart.

Plain frozen values built from the core's ``Outcome``; the ranking page and its PDF both
render these, so they can never show different numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.outcome import Outcome
from scoring.points import format_points, to_cents
from scoring.ranking import RANKED
from scoring.rubric import Rubric


@dataclass(frozen=True)
class RankingRow:
    rank: int | None
    town: str
    total: str
    grade: str
    categories: tuple[str, ...]
    bonus: str
    vetoes: str
    note: str


@dataclass(frozen=True)
class BandLine:
    """A grade band as the ranking states it: threshold, quota and how many towns got it."""

    name: str
    min_total: str
    quota: str  # "不超过30%（最多2个）", or "" for a band without quota
    awarded: int


@dataclass(frozen=True)
class RankingReport:
    district: str
    assessment: str
    year: int
    released: str
    category_titles: tuple[str, ...]
    bands: tuple[str, ...]
    rows: tuple[RankingRow, ...]
    incomplete: tuple[RankingRow, ...]
    band_lines: tuple[BandLine, ...] = ()
    audit_anchor: str = ""  # the newest checkpoint of the audit chain, as on the scorecards


def build_ranking(*, rubric: Rubric, outcome: Outcome, district: str, assessment: str, year: int,
                  released: str, audit_anchor: str = "") -> RankingReport:
    """Return the district ranking: ranked towns in order, the others (incomplete, not
    rankable) listed apart with their note in place of a total; places from ``outcome``."""
    rows, incomplete = [], []
    for record in outcome.ranking.to_dict("records"):
        ranked = record["status"] == RANKED
        note = str(record["grade_note"]) if record["grade_note"] is not None else ""
        line = RankingRow(
            rank=int(record["rank"]) if ranked else None, town=record["town"],
            total=format_points(record["total"]) if ranked else note, grade=record["grade"] or "—",
            categories=tuple(format_points(record[f"cat:{c.id}"]) if ranked else "—" for c in rubric.categories),
            bonus=format_points(record["bonus"]), vetoes=record["vetoes"] or "", note=note)
        (rows if ranked else incomplete).append(line)
    bands = tuple(f"{b.name}：≥{format_points(to_cents(b.min_total))}分"
                  + (f"，不超过{b.quota * 100:.0f}%" if b.quota is not None else "") for b in rubric.grades)
    band_lines = tuple(BandLine(
        name=b.name, min_total=format_points(to_cents(b.min_total)), awarded=sum(r.grade == b.name for r in rows),
        quota=f"不超过{b.quota * 100:.0f}%（最多{outcome.places[b.name]}个）" if b.name in outcome.places else "")
        for b in rubric.grades)
    return RankingReport(district=district, assessment=assessment, year=year, released=released,
                         category_titles=tuple(c.title for c in rubric.categories), bands=bands,
                         rows=tuple(rows), incomplete=tuple(incomplete), band_lines=band_lines,
                         audit_anchor=audit_anchor)
