"""Names that read the same to a person: compared after NFKC normalisation and stripping.

"优秀 " beside "优秀", or a full-width "Ａ1" beside "A1", are different strings to the scorer:
a mark for one would not count for the other. Rubric checks (``scoring.rubric.names``) and
each scoring method's own checks use these.
"""

from __future__ import annotations

import unicodedata

from scoring.messages import N_, Message
from scoring.values import Loc

Found = tuple[Loc, Message]


def normalised(value: str) -> str:
    """The form two names are compared in: NFKC (full-width → half-width), stripped."""
    return unicodedata.normalize("NFKC", value).strip()


def duplicates(values: list[str], loc: Loc, field: str | None) -> list[Found]:
    """Values of one list that are equal, or equal after normalising: at each later one."""
    first: dict[str, str] = {}
    found: list[Found] = []
    for index, value in enumerate(values):
        key = normalised(value)
        where: Loc = (*loc, index, field) if field else (*loc, index)
        if key not in first:
            first[key] = value
        elif first[key] == value:
            found.append((where, N_("“%(value)s”重复", value=value)))
        else:
            found.append((where, look_alike(value, first[key])))
    return found


def look_alike(value: str, other: str) -> Message:
    return N_("“%(value)s”与“%(other)s”只差空白或全角/半角，容易混淆，请统一写法", value=value, other=other)


