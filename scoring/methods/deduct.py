"""扣分: full marks minus deductions per occurrence, per-rule and per-item caps, never below 0.

A deduction rule reads 每少一次扣0.3分，累计扣分不超过1.2分: ``amount`` per occurrence and
an optional ``cap``. A mark records, per rule, how often it applies (with a reason and a
cited passage). The rule's loss is ``min(total count × amount, cap)``, the counts of one rule
summed first, so a cap holds however the findings are split into rows; the rules' sum is
capped by the method's ``cap`` and the item's maximum.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field

from scoring.frames import positions
from scoring.lookalike import duplicates
from scoring.messages import N_
from scoring.methods.base import (
    Batch,
    CellRule,
    Column,
    Computed,
    Explanation,
    Found,
    per_items,
    require,
)
from scoring.points import format_points, to_cents
from scoring.values import (
    MAX_REASON_CHARS,
    MAX_ROWS,
    Citation,
    Identifier,
    Loc,
    Model,
    Points,
    Text,
)

if TYPE_CHECKING:
    import random

    from scoring.marks import Mark
    from scoring.rubric.model import Item

KIND = "deduct"
NO_CAP = 10**12


class DeductionRule(Model):
    """One reason for losing points, e.g. 每少一次扣0.3分，累计扣分不超过1.2分."""

    id: Identifier
    reason: Text
    amount: Points = Field(gt=0, description="points deducted per occurrence")
    cap: Points | None = Field(None, description="most this rule may deduct in total")


class Method(Model):
    """Full marks minus deductions per occurrence; never below zero."""

    kind: Literal["deduct"]
    rules: list[DeductionRule] = Field(min_length=1)
    cap: Points | None = Field(None, description="most the item may lose in total")


class Deduction(Model):
    """One finding under a rule: how often, why, and the passage it rests on."""

    rule: Annotated[str, Field(min_length=1, max_length=40)]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    reason: Annotated[str, Field(max_length=MAX_REASON_CHARS)] = ""
    citation: Citation | None = None


INPUTS = {"deductions": (list[Deduction], Field(default_factory=list, max_length=MAX_ROWS))}
FIELDS = ("deductions",)
# With nothing recorded a deduct mark is complete at full marks: the page asks the reviewer to say so.
EMPTY_IS_FULL = True
FRAME: dict = {}  # deductions have a frame of their own (MarkTable.deductions)


def rule_loss(amount: np.ndarray | int, count: np.ndarray | int, cap: np.ndarray | int) -> np.ndarray:
    """Cents one rule takes: ``min(count × amount, cap)`` (arrays or plain integers)."""
    return np.minimum(np.asarray(count, dtype=np.int64) * np.asarray(amount, dtype=np.int64),
                      np.asarray(cap, dtype=np.int64))


def check(item: Item, loc: Loc) -> list[Found]:
    method: Method = item.method  # type: ignore[assignment]
    found: list[Found] = []
    mloc = (*loc, "method")
    most = item.max_points
    for index, rule in enumerate(method.rules):
        rloc = (*mloc, "rules", index)
        if rule.amount > most:
            found.append(((*rloc, "amount"), N_("每次扣 %(amount)s 分，超过本项目的 %(max)s 分",
                                                amount=_fmt(rule.amount), max=_fmt(most))))
        if rule.cap is not None and rule.cap > most:
            found.append(((*rloc, "cap"), N_("最多扣 %(cap)s 分，超过本项目的 %(max)s 分", cap=_fmt(rule.cap), max=_fmt(most))))
        if rule.cap is not None and rule.cap < rule.amount:
            found.append(((*rloc, "cap"), N_("最多扣 %(cap)s 分，少于扣一次的 %(amount)s 分",
                                             cap=_fmt(rule.cap), amount=_fmt(rule.amount))))
    if method.cap is not None and method.cap > most:
        found.append(((*mloc, "cap"), N_("最多扣 %(cap)s 分，超过本项目的 %(max)s 分", cap=_fmt(method.cap), max=_fmt(most))))
    return found + duplicates([rule.id for rule in method.rules], (*mloc, "rules"), "id")


def validate(item: Item, mark: Mark) -> None:
    rules = {rule.id for rule in item.method.rules}  # type: ignore[union-attr]
    for deduction in mark.deductions:
        require(item.id, deduction.rule in rules, "deductions",
                N_("本项没有扣分规则 %(rule)s", rule=deduction.rule))


@per_items
def _rule_tables(items: Sequence[Item]) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The rules' columns by id, and per item × rule the amount (-1: no such rule) and cap, and each item's cap."""
    rules = sorted({rule.id for item in items if item.method.kind == KIND for rule in item.method.rules})
    amount = np.full((len(items), max(len(rules), 1)), -1, dtype=np.int64)  # -1: no such rule
    cap = np.full_like(amount, NO_CAP)
    item_cap = np.array([to_cents(item.method.cap) if item.method.kind == KIND and item.method.cap is not None
                         else NO_CAP for item in items], dtype=np.int64)
    for index, item in enumerate(items):
        if item.method.kind == KIND:
            for rule in item.method.rules:
                column = rules.index(rule.id)
                amount[index, column] = to_cents(rule.amount)
                cap[index, column] = to_cents(rule.cap) if rule.cap is not None else NO_CAP
    for table in (amount, cap, item_cap):
        table.setflags(write=False)  # shared between calls
    return {rule: column for column, rule in enumerate(rules)}, amount, cap, item_cap


def points(items: Sequence[Item], batch: Batch) -> Computed:
    """Cents of each deduct mark; NaN for a mark naming a rule its item does not have."""
    rules, amount, cap, item_cap = _rule_tables(items)
    n = len(batch.items)
    lost = np.zeros(n, dtype=np.int64)
    occurrences = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    found = batch.deductions
    if len(found.rows):
        slot = found.rows
        rule_codes = positions(found.rules, rules)
        counts = found.counts
        # a rule no item has (-1: that index picks some column, the first test decides) or not its item's
        unknown = (rule_codes < 0) | (amount[batch.items[slot], rule_codes] < 0)
        bad[slot[unknown]] = True
        slot, rule_codes, counts = slot[~unknown], rule_codes[~unknown], counts[~unknown]
        # One rule's counts are summed before its cap: splitting findings cannot bypass it.
        width = max(len(rules), 1)
        keys, summed = np.unique(slot * width + rule_codes, return_inverse=True)
        per_rule = np.bincount(summed, weights=counts, minlength=len(keys)).astype(np.int64)
        key_slot, key_rule = keys // width, keys % width
        key_items = batch.items[key_slot]
        taken = rule_loss(amount[key_items, key_rule], per_rule, cap[key_items, key_rule])
        lost = np.bincount(key_slot, weights=taken, minlength=n).astype(np.int64)
        occurrences = np.bincount(key_slot, weights=per_rule, minlength=n).astype(np.int64)
    lost = np.minimum(np.minimum(lost, item_cap[batch.items]), batch.max_cents)
    cents = (batch.max_cents - lost).astype(float)
    cents[bad] = np.nan
    return Computed(cents, occurrences)


def explain(item: Item, mark: Mark) -> list[Explanation]:
    """One line per rule applied: its reason, how often, the reviewers' reasons, points lost."""
    out = []
    for rule in item.method.rules:  # type: ignore[union-attr]
        found = [d for d in mark.deductions if d.rule == rule.id]
        if not found:
            continue
        count = sum(d.count for d in found)
        cap = to_cents(rule.cap) if rule.cap is not None else NO_CAP
        text = rule.reason + (f"（{count}次）" if count > 1 else "")
        reasons = "；".join(d.reason for d in found if d.reason)
        if reasons:
            text += f"：{reasons}"
        citation = next((d.citation for d in found if d.citation), None)
        out.append(Explanation(text, int(rule_loss(to_cents(rule.amount), count, cap)), citation))
    return out


_ROW = re.compile(r"^ded-(\d{1,3})-(rule|count|reason|cite)$")


def parse_fields(fields: dict[str, str]) -> dict:
    """``ded-N-rule / -count / -reason / -cite`` ("evidence_id|passage_id") -> deductions.

    A row with a count of 0 and nothing else typed is no deduction; a reason or citation
    typed before its count is kept (the mark stays a draft until the count is given).
    """
    rows: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        match = _ROW.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = value
    deductions = []
    for _, row in sorted(rows.items()):
        count = row.get("count", "").strip()
        reason, cite = row.get("reason", "").strip(), row.get("cite", "").strip()
        if not row.get("rule") or (count in ("", "0") and not reason and "|" not in cite):
            continue
        # "²" passes str.isdigit but not int(): kept as typed, the mark's validation names it
        whole = count.isascii() and count.isdigit()
        deduction: dict = {"rule": row["rule"], "count": int(count) if whole else (count or 0)}
        if reason:
            deduction["reason"] = reason
        if "|" in cite:
            evidence_id, passage_id = cite.split("|", 1)
            deduction["citation"] = {"evidence_id": evidence_id, "passage_id": passage_id}
        deductions.append(deduction)
    return {"deductions": deductions} if deductions else {}


_PAIR_SPLIT = re.compile(r"[;；\n]")


def _read_cell(text: str) -> list[dict]:
    """``rule:count; rule`` (count 1 if omitted) -> deductions."""
    out = []
    for part in filter(None, (p.strip() for p in _PAIR_SPLIT.split(text))):
        rule, _, count = part.replace("：", ":").partition(":")
        count = count.strip() or "1"
        if not count.isdigit():
            raise ValueError(part)
        out.append({"rule": rule.strip(), "count": int(count)})
    return out


def _write_cell(deductions: list) -> str:
    return "; ".join(f"{d.rule}:{d.count}" for d in deductions)


COLUMNS = (Column("deductions", "扣分", _read_cell, _write_cell),)

_FINDINGS = ("演示数据：台账记录不完整", "演示数据：佐证材料未体现", "演示数据：会议纪要缺失", "演示数据：未按时报送")


def demo_inputs(item: Item, good: bool, quality: float, rng: random.Random) -> dict:
    if good:
        return {}
    rule = rng.choice(item.method.rules)  # type: ignore[union-attr]
    count = 1 + int(rng.random() * 2 * (1 - quality) * 3)
    return {"deductions": [{"rule": rule.id, "count": count, "reason": rng.choice(_FINDINGS)}]}


def _fmt(value) -> str:
    return format_points(to_cents(value))


def cell_rule(item: Item) -> CellRule:
    rules = "、".join(rule.id for rule in item.method.rules)  # type: ignore[union-attr]
    return CellRule("deductions", N_("填“规则:次数”，多条用分号隔开（规则：%(rules)s）；没有扣分填“无”", rules=rules))
