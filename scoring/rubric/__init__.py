"""A rubric (考核细则): its model, loading from YAML, cross-field checks and version diffs.

``model`` describes; ``checks`` finds problems spanning several fields; ``load`` reads YAML
with file/line/field-precise errors; ``diff`` compares two versions.
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
