"""A passage's text with the matched words marked, and its place in the file, for the page.

The text is the town's own: every piece is escaped, only the ``<mark>`` tags are ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from scoring.messages import Message


def highlight(text: str, units: Iterable[str]) -> Markup:
    """``text`` escaped, each occurrence of a unit (case-insensitive) wrapped in <mark>."""
    words = sorted({u for u in units if u}, key=len, reverse=True)  # the longest match wins
    if not words:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def passage_place(passage) -> Message:
    """Where a passage is ("第3页第2段" …), in the reader's language: the one rule, from the store."""
    return passage.place
