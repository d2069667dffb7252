"""What an item is matched on: its words, weighted, and which of them are its own.

- ``query_units(terms)``: the strings looked for in a plain list of words (a reviewer's search).
- ``item_query(item, vocabulary=None) -> Query``: the item's title, criteria and evidence
  required as one weighted query; with the rubric's ``vocabulary`` each word also gets a key
  weight (how much finding it says *this* item is addressed).
- ``rubric_vocabulary(items)``: in how many of the rubric's items each word occurs.

Words are what jieba (with the field's dictionary, ``terms.py``) cuts from a field in its
precise mode, plus the sub-words of its search mode that are common words of their own
(``_SUBWORD_MIN_FREQ``: "信息" of "信息公开" is kept, fragments like "责人" of "负责人" or
"委会" of "党工委会议" are not), plus every dictionary term the field contains.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import jieba

from .terms import DOMAIN_WORDS, STOPWORDS

FIELD_WEIGHTS = {"title": 1.0, "evidence": 0.8, "criteria": 0.6}
_MAX_UNIT_WEIGHT = 1.6
# A search-mode sub-word is kept when jieba's dictionary counts it at least this often:
# real words ("信息" 4 万, "审查" 3,478) pass, cut-off fragments ("责人" 3, "委会" 18) do not.
_SUBWORD_MIN_FREQ = 300
# A part of a word is weaker evidence than the word: "执法" of "谁执法谁普法" is about
# enforcement in general, the whole term about 普法 by the enforcing bodies.
SUBWORD_SHARE = 0.5
# Key weight = field weight / (items sharing the word) ** _KEY_POWER: a word of one item
# counts fully, a word of four items a sixteenth.
_KEY_POWER = 2.0
# "镇（街）长办公会" -> "镇长办公会": the rubric's "town or street" brackets are not words.
_BRACKETED = re.compile(r"[（(][^（()）]{1,4}[）)]")

_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def tokenizer() -> jieba.Tokenizer:
    """One tokenizer per process, built on first use: loading the dictionary takes ~1 s."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are noise to users
            made = jieba.Tokenizer()
            made.initialize()
            for word in DOMAIN_WORDS:
                made.add_word(word, freq=100_000)
            _tokenizer = made
        return _tokenizer


def _is_word(word: str) -> bool:
    return len(word) >= 2 and word not in STOPWORDS and any(ch.isalnum() for ch in word) and not word.isdigit()


def field_units(text: str) -> tuple[str, ...]:
    """The words of one field (see the module's docstring), in order, without repeats."""
    return tuple(_weighted_units(text))


@functools.lru_cache(maxsize=4096)
def _weighted_units(text: str) -> dict[str, float]:
    """Word -> its share of the field's weight: 1 for a word, ``SUBWORD_SHARE`` for a part of one."""
    text = _BRACKETED.sub("", " ".join(text.split()).casefold())
    cutter = tokenizer()
    precise = [w.strip() for w in cutter.cut(text)]
    units: dict[str, float] = dict.fromkeys((w for w in precise if _is_word(w)), 1.0)
    for term in DOMAIN_WORDS:
        if term in text and term not in STOPWORDS:
            units[term] = 1.0
    for word in cutter.cut_for_search(text):
        word = word.strip()
        if word not in units and _is_word(word) and cutter.FREQ.get(word, 0) >= _SUBWORD_MIN_FREQ:
            units[word] = SUBWORD_SHARE
    return units


def query_units(query_terms: Sequence[str]) -> list[str]:
    """The strings to look for: each term itself, plus its words (``field_units``)."""
    units: dict[str, None] = {}
    for term in query_terms:
        term = " ".join(term.split()).casefold()
        if term:
            units[term] = None
            units.update(dict.fromkeys(field_units(term)))
    return list(units)


@dataclass(frozen=True)
class Query:
    """Units to look for, each with its ranking weight and its key weight, and the text a
    passage quoting the item has."""

    weights: dict[str, float]
    quote: str
    key: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of_terms(cls, terms: Sequence[str]) -> Query:
        units = query_units(terms)
        return cls({unit: 1.0 for unit in units}, " ".join(terms).casefold(), {unit: 1.0 for unit in units})


class RubricItem(Protocol):
    title: str
    criteria: str
    evidence_required: list[str]


def _fields(item: RubricItem) -> dict[str, list[str]]:
    return {"title": [item.title], "criteria": [item.criteria or ""], "evidence": list(item.evidence_required)}


def rubric_vocabulary(items: Iterable[RubricItem]) -> dict[str, int]:
    """Word -> how many of ``items`` use it (in any field): what makes a word an item's own."""
    counts: dict[str, int] = {}
    for item in items:
        words = {unit for texts in _fields(item).values() for text in texts for unit in field_units(text)}
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    return counts


def item_query(item: RubricItem, vocabulary: Mapping[str, int] | None = None) -> Query:
    """The item's title, criteria and evidence required, fields weighted (``FIELD_WEIGHTS``);
    key weights from ``vocabulary`` (``rubric_vocabulary`` of the item's rubric; without it
    every word counts as the item's own)."""
    weights: dict[str, float] = {}
    for name, texts in _fields(item).items():
        for text in texts:
            for unit, share in _weighted_units(text).items():
                weights[unit] = min(_MAX_UNIT_WEIGHT, weights.get(unit, 0.0) + share * FIELD_WEIGHTS[name])
    shared = vocabulary or {}
    key = {unit: weight / max(1, shared.get(unit, 1)) ** _KEY_POWER for unit, weight in weights.items()}
    quote = " ".join([item.title, item.criteria or "", *item.evidence_required]).casefold()
    return Query(weights, _BRACKETED.sub("", quote), key)
