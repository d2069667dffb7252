"""Value types shared by rubrics and marks: exact points, fractions, identifiers, bounded text."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Points are decimals with at most two places (0.5, 0.25, 1.2): exact in cents.
Points = Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)]
Fraction = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]
Identifier = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
RATIO_SCALE = 10_000  # ratios are held as integer basis points: exact arithmetic

# Bounds of what a reviewer may type into one mark, drafts included: a comment or reason is
# read by a person and printed on a scorecard; nothing legitimate comes near these.
MAX_COMMENT_CHARS = 2000
MAX_REASON_CHARS = 500
MAX_QUOTE_CHARS = 400
MAX_ROWS = 50  # deduction rows, bonus claims or citations in one mark

# A location in a rubric's data (keys and indexes, as pydantic reports them) and a problem there.
Loc = tuple[str | int, ...]


class Model(BaseModel):
    """Frozen, and refusing unknown fields: a typo in a file is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Model):
    """A passage of a town's evidence that a finding rests on."""

    evidence_id: Annotated[str, Field(min_length=1, max_length=64)]
    passage_id: Annotated[str, Field(min_length=1, max_length=64)]
    quote: Annotated[str, Field(max_length=MAX_QUOTE_CHARS)] = ""
