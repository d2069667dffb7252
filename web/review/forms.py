"""Turn a scoring form's fields into a mark's inputs (the same for JSON autosave and POST)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_ROW = re.compile(r"^(ded|claim)-(\d{1,3})-(\w+)$")


def inputs_from_fields(fields: dict[str, str]) -> dict:
    """Return mark inputs from flat form fields; keep what was typed even when incomplete.

    Fields: level, met (yes/no), ratio (percent), points, comment, not_applicable, triggered,
    ded-N-rule / -count / -reason / -cite ("evidence_id|passage_id"),
    claim-N-matter / -level. Deductions with a count of 0 are not deductions.
    """
    inputs: dict = {}
    text = {k: str(v).strip() for k, v in fields.items() if isinstance(v, str | int | float)}
    if text.get("level"):
        inputs["level"] = text["level"]
    if text.get("met") in ("yes", "no"):
        inputs["met"] = text["met"] == "yes"
    if text.get("triggered") in ("yes", "no", "on"):
        inputs["triggered"] = text["triggered"] in ("yes", "on")
    elif text.get("triggered_present"):
        inputs["triggered"] = False  # an unticked box sends nothing: it means "not triggered"
    for name, scale in (("ratio", Decimal(100)), ("points", Decimal(1))):
        if text.get(name):
            try:
                inputs[name] = str(Decimal(text[name]) / scale)
            except InvalidOperation:
                inputs[name] = text[name]  # kept as typed; validation reports it
    if text.get("not_applicable") in ("on", "yes", "true"):
        inputs["not_applicable"] = True
    if text.get("comment"):
        inputs["comment"] = text["comment"]
    rows: dict[tuple[str, int], dict] = {}
    for key, value in text.items():
        match = _ROW.match(key)
        if match:
            rows.setdefault((match[1], int(match[2])), {})[match[3]] = value
    deductions, claims = [], []
    for (kind, _), row in sorted(rows.items()):
        if kind == "ded" and row.get("rule") and row.get("count", "0") not in ("", "0"):
            deduction = {"rule": row["rule"], "count": int(row["count"]) if row["count"].isdigit() else row["count"]}
            if row.get("reason"):
                deduction["reason"] = row["reason"]
            if "|" in row.get("cite", ""):
                evidence_id, passage_id = row["cite"].split("|", 1)
                deduction["citation"] = {"evidence_id": evidence_id, "passage_id": passage_id}
            deductions.append(deduction)
        elif kind == "claim" and row.get("matter") and row.get("level"):
            claims.append({"matter": row["matter"], "level": row["level"]})
    if deductions:
        inputs["deductions"] = deductions
    if claims:
        inputs["claims"] = claims
    return inputs
