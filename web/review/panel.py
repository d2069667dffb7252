"""The evidence panel of the scoring page, rendered once per town's evidence and language.

The panel lists every passage of the town's files (2,000 for a 200-page report): rendering
it is most of the page's time, and it changes only when the evidence does. It holds nothing
of the reviewer (no form, no token), so it is kept under the evidence's key
(``ScoringSheet.evidence_key``, which changes with every file and its text state) and the
locale, for every reviewer of the town.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

_KEEP = 16
_panels: OrderedDict[tuple[str, str], Markup] = OrderedDict()
_lock = threading.Lock()


def evidence_panel(sheet) -> Markup:
    """The rendered ``review/_evidence.html`` for the sheet's town."""
    if not sheet.evidence_key:
        return Markup(render_template("review/_evidence.html", sheet=sheet))
    key = (sheet.evidence_key, str(get_locale()))
    with _lock:
        found = _panels.get(key)
        if found is not None:
            _panels.move_to_end(key)
            return found
    found = Markup(render_template("review/_evidence.html", sheet=sheet))
    with _lock:
        _panels[key] = found
        while len(_panels) > _KEEP:
            _panels.popitem(last=False)
    return found
