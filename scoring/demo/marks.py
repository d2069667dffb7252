"""Made-up demo marks for the demo district: plausible, deterministic, every method used.

The towns are the demo district's (新城镇 with a real public report, the others made
up). Each town has a quality between 0 and 1 that steers its marks; the randomness is
seeded by town, item and reviewer, so the demo is the same on every machine.
"""

from __future__ import annotations

import random
from decimal import Decimal

from scoring.marks import BonusClaim, Deduction, Mark
from scoring.rubric import (
    BinaryMethod,
    DeductMethod,
    Item,
    JudgementMethod,
    LevelsMethod,
    RatioMethod,
    Rubric,
)

# Town -> quality (share of requirements met). 新城镇's is read off its real report.
DEMO_TOWNS: dict[str, float] = {
    "新城镇": 0.78, "东港镇": 0.92, "西岭镇": 0.6, "南湖街道": 0.84,
    "北塘镇": 0.68, "青山镇": 0.88, "白河街道": 0.48, "金桥镇": 0.74,
}
DEMO_REVIEWERS = ("reviewer1", "reviewer2")
_FINDINGS = ("演示数据：台账记录不完整", "演示数据：佐证材料未体现", "演示数据：会议纪要缺失", "演示数据：未按时报送")


def demo_marks(rubric: Rubric, towns: dict[str, float] | None = None,
               reviewers: tuple[str, ...] = DEMO_REVIEWERS, skip: set[tuple[str, str]] | None = None) -> list[Mark]:
    """Return marks of every item by each reviewer for each town (except ``skip`` pairs)."""
    towns = towns or DEMO_TOWNS
    marks: list[Mark] = []
    for town, quality in towns.items():
        for _, item in rubric.all_items():
            if skip and (town, item.id) in skip:
                continue
            for reviewer in reviewers:
                rng = random.Random(f"{town}/{item.id}/{reviewer}")
                marks.append(_item_mark(town, item, reviewer, quality, rng))
        rng = random.Random(f"{town}/bonus")
        if rubric.bonus and quality > 0.85:
            bonus = rubric.bonus.items[0]
            level = bonus.levels[min(len(bonus.levels) - 1, rng.randrange(len(bonus.levels)))]
            marks.append(Mark(town=town, item=bonus.id, reviewer=reviewers[0],
                              claims=[BonusClaim(matter="法治建设创新做法", level=level.name)],
                              comment="演示数据：创新做法获推广"))
    return marks


def _item_mark(town: str, item: Item, reviewer: str, quality: float, rng: random.Random) -> Mark:
    base = {"town": town, "item": item.id, "reviewer": reviewer}
    method = item.method
    good = rng.random() < quality
    if isinstance(method, DeductMethod):
        if good:
            return Mark(**base)
        rule = rng.choice(method.rules)
        count = 1 + int(rng.random() * 2 * (1 - quality) * 3)
        return Mark(**base, deductions=[Deduction(rule=rule.id, count=count, reason=rng.choice(_FINDINGS))])
    if isinstance(method, LevelsMethod):
        ordered = sorted(method.levels, key=lambda lv: lv.points, reverse=True)
        step = 0 if good else min(len(ordered) - 1, 1 + int(rng.random() * 2))
        return Mark(**base, level=ordered[step].name)
    if isinstance(method, BinaryMethod):
        return Mark(**base, met=good, comment="" if good else "演示：未按要求完成")
    if isinstance(method, RatioMethod):
        ratio = min(1.0, quality + rng.uniform(-0.08, 0.08))
        return Mark(**base, ratio=Decimal(str(round(max(ratio, 0), 2))))
    assert isinstance(method, JudgementMethod)
    share = 1 if good else rng.choice([0.5, 0.7, 0.8])
    points = (item.max_points * Decimal(str(share))).quantize(Decimal("0.1"))
    return Mark(**base, points=points, comment="演示：工作开展较好" if good else "演示：部分工作未达到要求")
