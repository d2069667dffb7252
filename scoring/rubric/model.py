"""A rubric (考核细则): categories of items, bonus and veto items, grade bands, rules.

The models only describe; they are frozen and refuse unknown fields. The checks that
span several fields (points adding up, duplicate ids, ordered bands ...) live in
``scoring.rubric.checks`` so that every problem of a file is reported in one run, and
loading from YAML with file/line-precise messages lives in ``scoring.rubric.load``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import Field

from scoring.methods import METHODS, deduct, levels
from scoring.points import to_cents
from scoring.values import Identifier, Model, Points, Text

# Each scoring method's rubric model lives in its module (scoring.methods.<kind>).
ScoringMethod = Annotated[
    Union[tuple(method.Method for method in METHODS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="kind"),
]
# The method models by their domain names (for code that builds rubrics).
DeductionRule, DeductMethod = deduct.DeductionRule, deduct.Method
Level, LevelsMethod = levels.Level, levels.Method
BinaryMethod, RatioMethod, JudgementMethod = (METHODS[k].Method for k in ("binary", "ratio", "judgement"))

NotApplicablePolicy = Literal["not_allowed", "full_marks", "rescale_category"]


class Item(Model):
    """A rubric item (考核项目) scored by reviewers."""

    id: Identifier
    title: Text
    max_points: Points = Field(gt=0)
    method: ScoringMethod
    criteria: Text = Field(description="考核内容和基本要求")
    scoring_rules: str = Field("", max_length=4000, description="评分细则")
    evidence_required: list[Text] = Field(default_factory=list, description="佐证材料")
    department: Text = Field(description="责任单位 / 负责考核部门")
    reviewers: Annotated[int, Field(ge=1, le=9)] | None = Field(
        None, description="评分人数: reviewers per town (None: the rubric's aggregation.reviewers)")
    not_applicable: NotApplicablePolicy = "not_allowed"
    sources: list[str] = Field(default_factory=list, description="where the rule comes from")

    @property
    def max_cents(self) -> int:
        return to_cents(self.max_points)


class Group(Model):
    """A second-level indicator (二级指标) grouping items inside a category."""

    id: Identifier
    title: Text
    points: Points = Field(gt=0)
    items: list[Item] = Field(min_length=1)


class Category(Model):
    """A first-level indicator (一级指标): items, optionally grouped one level deeper."""

    id: Identifier
    title: Text
    points: Points = Field(gt=0)
    items: list[Item] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)

    def all_items(self) -> Iterator[Item]:
        """Yield the category's items, grouped ones included, in rubric order."""
        yield from self.items
        for group in self.groups:
            yield from group.items


# ---- bonus and veto --------------------------------------------------------------------


class BonusLevel(Model):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    points: Points = Field(gt=0)


class BonusItem(Model):
    """A bonus item (加分项): recognitions of a matter at a level (国家/省/市/区)."""

    id: Identifier
    title: Text
    levels: list[BonusLevel] = Field(min_length=1)
    max_points: Points = Field(gt=0, description="cap on this item's bonus")
    department: str = ""


BonusCombine = Literal["highest", "majority"]


class BonusSection(Model):
    """The bonus items and how several reviewers' findings of one matter combine.

    ``combine``: ``highest`` (default) counts each matter once at the highest level any
    reviewer confirmed; ``majority`` at the level most of the reviewers who recorded the
    matter gave, a tie going to the lower level. See ``scoring.bonus_veto.bonus_points``.
    """

    cap: Points = Field(gt=0, description="cap on the sum of all bonus points")
    combine: BonusCombine = "highest"
    items: list[BonusItem] = Field(min_length=1)


class VetoItem(Model):
    """A veto item (一票否决): when triggered, the grade is forced down whatever the points."""

    id: Identifier
    title: Text
    max_grade: str | None = Field(
        None, description="best grade still allowed; None forces the lowest grade"
    )
    total: Literal["keep", "zero", "cap"] = "keep"
    total_cap: Points | None = None
    department: str = ""


# ---- grades, ties, aggregation ---------------------------------------------------------


class GradeBand(Model):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    min_total: Points
    quota: Decimal | None = Field(None, description="largest share of ranked towns, in (0, 1]")


class Aggregation(Model):
    """How several reviewers' marks of one item combine into its score."""

    rule: Literal["mean", "median", "trimmed_mean"] = "mean"
    disagreement_threshold: Points = Field(
        Decimal(1), description="flag an item when reviewers' points differ by more"
    )
    reviewers: Annotated[int, Field(ge=1, le=9)] = Field(
        1, description="评分人数: how many reviewers mark each item for each town (an item may say otherwise)")


QuotaRounding = Literal["floor", "round", "ceil"]

TieBreak = Annotated[str, Field(pattern=r"^(total|fewer_veto_findings|fewer_deductions|category:.+)$")]


class Rubric(Model):
    """A versioned rubric: the whole definition an assessment is scored against."""

    id: Identifier
    version: Annotated[int, Field(ge=1)]
    title: Text
    year: Annotated[int, Field(ge=2000, le=2100)]
    issuer: Text = Field(description="issuing body (发文单位)")
    total_points: Points = Field(gt=0)
    aggregation: Aggregation = Aggregation()
    grades: list[GradeBand] = Field(min_length=1)
    quota_rounding: QuotaRounding = Field(
        "floor", description="how quota × ranked towns becomes places (round: half up)")
    quota_min_places: Annotated[int, Field(ge=1)] | None = Field(
        None, description="a band with a quota admits at least this many towns (at most all ranked)")
    tie_break: list[TieBreak] = Field(default_factory=lambda: ["total"])
    categories: list[Category] = Field(min_length=1)
    bonus: BonusSection | None = None
    vetoes: list[VetoItem] = Field(default_factory=list)

    def all_items(self) -> Iterator[tuple[Category, Item]]:
        """Yield (category, item) for every scored item in rubric order."""
        for category in self.categories:
            for item in category.all_items():
                yield category, item

    def item(self, item_id: str) -> Item:
        """Return the scored item with this id; KeyError if there is none."""
        for _, item in self.all_items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def bonus_item(self, item_id: str) -> BonusItem:
        for bonus in self.bonus.items if self.bonus else []:
            if bonus.id == item_id:
                return bonus
        raise KeyError(item_id)

    def veto(self, item_id: str) -> VetoItem:
        for veto in self.vetoes:
            if veto.id == item_id:
                return veto
        raise KeyError(item_id)

    def kind_of(self, item_id: str) -> Literal["item", "bonus", "veto"] | None:
        """Say whether an id names a scored item, a bonus item or a veto item."""
        for finder, kind in ((self.item, "item"), (self.bonus_item, "bonus"), (self.veto, "veto")):
            try:
                finder(item_id)
            except KeyError:
                continue
            return kind  # type: ignore[return-value]
        return None

    def reviewers_of(self, item_id: str) -> int:
        """How many reviewers the rubric asks to mark this item (or bonus/veto item) for each town."""
        if self.kind_of(item_id) == "item":
            return self.item(item_id).reviewers or self.aggregation.reviewers
        return 1

    @property
    def lowest_grade(self) -> str:
        return self.grades[-1].name
