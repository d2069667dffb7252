"""Made-up demo marks for the demo district: plausible, deterministic, every method used.

The towns are the demo district's (新城镇 with a real public report, the others made
up). Each town has a quality between 0 and 1 that steers its marks; the randomness is
seeded by town, item and reviewer, so the demo is the same on every machine.
"""

from __future__ import annotations

import random

from scoring.marks import BonusClaim, Mark
from scoring.methods import method_of
from scoring.rubric import Item, Rubric

# Town -> quality (share of requirements met). 新城镇's is read off its real report.
DEMO_TOWNS: dict[str, float] = {
    "新城镇": 0.78, "东港镇": 0.92, "西岭镇": 0.6, "南湖街道": 0.84,
    "北塘镇": 0.68, "青山镇": 0.88, "白河街道": 0.48, "金桥镇": 0.74,
}
DEMO_REVIEWERS = ("reviewer1", "reviewer2")


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
    good = rng.random() < quality
    inputs = method_of(item).demo_inputs(item, good, quality, rng)
    return Mark.model_validate({"town": town, "item": item.id, "reviewer": reviewer, **inputs})
