"""Turn a scoring form's fields into a mark's inputs (the same for JSON autosave and POST).

Each scoring method parses its own fields (``scoring.methods.<kind>.parse_fields``); the
fields common to every item and those of bonus and veto items are read here. Fields of
another method (a level sent for a deduct item) are parsed too, so that validation
refuses them instead of silently dropping them.
"""

from __future__ import annotations

import re

from scoring.methods import METHODS

_CLAIM = re.compile(r"^claim-(\d{1,3})-(matter|level)$")
_CITE = re.compile(r"^cite-(\d{1,3})$")


def inputs_from_fields(fields: dict) -> dict:
    """Return mark inputs from flat form fields; keep what was typed even when incomplete.

    Common fields: comment, not_applicable, cite-N ("evidence_id|passage_id", the mark's
    own citations); bonus items: claim-N-matter / -level; veto
    items: triggered (yes/no/on) with triggered_present (an unticked box sends nothing).
    """
    text = {k: str(v).strip() for k, v in fields.items() if isinstance(v, str | int | float)}
    inputs: dict = {}
    for method in METHODS.values():
        inputs.update(method.parse_fields(text))
    if text.get("triggered") in ("yes", "no", "on"):
        inputs["triggered"] = text["triggered"] in ("yes", "on")
    elif text.get("triggered_present"):
        inputs["triggered"] = False
    if text.get("not_applicable") in ("on", "yes", "true"):
        inputs["not_applicable"] = True
    if text.get("comment"):
        inputs["comment"] = text["comment"]
    claims: dict[int, dict[str, str]] = {}
    for key, value in text.items():
        match = _CLAIM.match(key)
        if match:
            claims.setdefault(int(match[1]), {})[match[2]] = value
    rows = [{"matter": row.get("matter", ""), "level": row.get("level", "")} for _, row in sorted(claims.items())
            if row.get("matter") or row.get("level")]
    if rows:
        inputs["claims"] = rows
    cited = [text[key].split("|", 1) for key in sorted(text, key=_cite_order) if _CITE.match(key) and "|" in text[key]]
    if cited:
        inputs["citations"] = [{"evidence_id": e, "passage_id": p} for e, p in dict.fromkeys(map(tuple, cited))]
    return inputs


def _cite_order(key: str) -> int:
    match = _CITE.match(key)
    return int(match[1]) if match else -1
