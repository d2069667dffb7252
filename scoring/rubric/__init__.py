"""A rubric (考核细则): its model, loading from YAML, cross-field checks and version diffs.

``model`` describes; ``checks`` finds problems spanning several fields (``names``: duplicate,
look-alike and space-padded ids and names); ``source`` reads YAML text safely into data with
line numbers; ``load`` turns it into a rubric with file/line/field-precise errors; ``routes``
is the one builder of an object's human route (``一级指标 C → 考核项目 C2``); ``diff``
compares two versions.
"""

from scoring.rubric.model import (
    Aggregation,
    BinaryMethod,
    BonusItem,
    BonusLevel,
    BonusSection,
    Category,
    DeductionRule,
    DeductMethod,
    GradeBand,
    Group,
    Identifier,
    Item,
    JudgementMethod,
    Level,
    LevelsMethod,
    Model,
    NotApplicablePolicy,
    Points,
    RatioMethod,
    Rubric,
    ScoringMethod,
    Text,
    TieBreak,
    VetoItem,
)
from scoring.values import Fraction

__all__ = [
    "Aggregation", "BinaryMethod", "BonusItem", "BonusLevel", "BonusSection", "Category", "DeductionRule",
    "DeductMethod", "Fraction", "GradeBand", "Group", "Identifier", "Item", "JudgementMethod", "Level",
    "LevelsMethod", "Model", "NotApplicablePolicy", "Points", "RatioMethod", "Rubric", "ScoringMethod", "Text",
    "TieBreak", "VetoItem",
]
