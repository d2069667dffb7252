"""A passage's text with the matched words marked, for the page.

The text is the town's own: every piece is escaped, only the ``<mark>`` tags are ours. Its
place in the file is not formatted here: ``PassageView.place`` is the one rule for that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape


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
