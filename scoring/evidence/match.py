"""Propose evidence passages for a rubric item, and flag items without evidence.

Public functions (the reviewer's page and the CLI use these):

- ``build_index(passages) -> PassageIndex``: the index of a town's passages, built once and
  reused for every item (headings are left out: they are context, not evidence).
- ``item_query(item) -> Query``: the item's title, criteria and evidence required as one
  weighted query (``Query.of_terms(terms)`` for a plain list of words).
- ``PassageIndex.rank(query, top=5) -> list[(Passage, score)]``: best passages first.
- ``match_item(index, item, top=3) -> ItemMatch`` and ``match_items(index, items, top=3)``:
  ranked passages plus the calibrated missing-evidence flag (``ItemMatch.missing``).
- ``rank_passages(query_terms, passages, top=5)``: the original one-shot call, kept.
- ``query_units(query_terms)``: the strings looked for.

Scoring is BM25 over query units: the words jieba (with the field's dictionary, ``terms.py``)
cuts from each field, each counted as a substring of the passage (or of one of its synonyms),
so a term is found even where jieba would cut the passage differently. Fields weigh
differently (``FIELD_WEIGHTS``); the passage's section path counts as weaker context.

The missing-evidence flag: ``coverage`` = the item's best score divided by the score a passage
quoting the item itself (title + criteria + evidence required) would get in the same index.
An item is flagged missing when its coverage is below ``MISSING_THRESHOLD`` (0.075) and weak
below ``WEAK_THRESHOLD`` (0.2); measured on the labelled set by ``benchmarks/bench_evidence.py``
(at 0.075: 8 % of addressed items flagged, about two thirds of unaddressed items flagged).
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import jieba

from .passages import Passage
from .terms import DOMAIN_WORDS, STOPWORDS, SYNONYMS

# Bump with any change to how passages are indexed or scored: stored indexes
# (``scoring.services.match_index``) made by another version are then built again.
MATCHER_VERSION = 1
_K1 = 1.5
_B = 0.75
FIELD_WEIGHTS = {"title": 1.0, "evidence": 0.8, "criteria": 0.6}
SECTION_WEIGHT = 0.3
# Chosen on the labelled set to keep false flags of addressed items at or under 10 %
# (benchmarks/bench_evidence.py prints the figures); between the two an item is "weak".
MISSING_THRESHOLD = 0.075
WEAK_THRESHOLD = 0.2
_MAX_UNIT_WEIGHT = 1.6
# "镇（街）长办公会" -> "镇长办公会": the rubric's "town or street" brackets are not words.
_BRACKETED = re.compile(r"[（(][^（()）]{1,4}[）)]")

_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    """One tokenizer per process, built on first use: loading the dictionary takes ~1 s."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are noise to users
            tokenizer = jieba.Tokenizer()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word, freq=100_000)
            _tokenizer = tokenizer
        return _tokenizer


def query_units(query_terms: Sequence[str]) -> list[str]:
    """The strings to look for: each term itself, plus its jieba sub-words of two or more
    characters (single characters match almost any Chinese passage)."""
    units: dict[str, None] = {}
    tokenizer = _jieba()
    for term in query_terms:
        term = " ".join(term.split()).casefold()
        if not term:
            continue
        units[term] = None
        for word in tokenizer.cut_for_search(term):
            word = word.strip()
            if len(word) >= 2 and word not in STOPWORDS:
                units[word] = None
    return list(units)


@functools.lru_cache(maxsize=4096)
def _field_units(text: str) -> tuple[str, ...]:
    """The words of one field: jieba's search-mode words and the dictionary terms it contains."""
    text = _BRACKETED.sub("", " ".join(text.split()).casefold())
    units: dict[str, None] = {}
    for word in _jieba().cut_for_search(text):
        word = word.strip()
        if len(word) >= 2 and word not in STOPWORDS and any(ch.isalnum() for ch in word):
            units[word] = None
    for term in DOMAIN_WORDS:
        if term in text:
            units[term] = None
    return tuple(units)


@dataclass(frozen=True)
class Query:
    """Units to look for, each with its weight, and the text a passage quoting the item has."""

    weights: dict[str, float]
    quote: str

    @classmethod
    def of_terms(cls, terms: Sequence[str]) -> Query:
        units = query_units(terms)
        return cls({unit: 1.0 for unit in units}, " ".join(terms).casefold())


class RubricItem(Protocol):
    title: str
    criteria: str
    evidence_required: list[str]


def item_query(item: RubricItem) -> Query:
    """The item's title, criteria and evidence required, fields weighted (``FIELD_WEIGHTS``)."""
    fields = {"title": [item.title], "criteria": [item.criteria or ""], "evidence": list(item.evidence_required)}
    weights: dict[str, float] = {}
    for field, texts in fields.items():
        for text in texts:
            for unit in _field_units(text):
                weights[unit] = min(_MAX_UNIT_WEIGHT, weights.get(unit, 0.0) + FIELD_WEIGHTS[field])
    quote = " ".join([item.title, item.criteria or "", *item.evidence_required]).casefold()
    return Query(weights, _BRACKETED.sub("", quote))


def _variants(unit: str) -> tuple[str, ...]:
    return (unit, *SYNONYMS.get(unit, ()))


class PassageIndex:
    """A town's passages, ready to be ranked against any number of queries.

    Built once (``build_index``): texts folded, an index of character pairs to find the
    passages a unit can occur in without scanning them all, lengths for BM25.
    """

    def __init__(self, passages: Iterable[Passage]) -> None:
        self.passages = [p for p in passages if not p.is_heading]
        self.texts = [p.text.casefold() for p in self.passages]
        self.sections = [" ".join(p.section_path or ((p.section,) if p.section else ())).casefold()
                         for p in self.passages]
        self.lengths = [len(t) for t in self.texts]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        self.pairs: dict[str, set[int]] = {}
        for index, text in enumerate(self.texts):
            for pair in {text[i : i + 2] for i in range(len(text) - 1)}:
                self.pairs.setdefault(pair, set()).add(index)
        self._counts: dict[str, dict[int, int]] = {}
        self._scored: dict[str, tuple[float, list[tuple[int, float]]]] = {}

    def __len__(self) -> int:
        return len(self.passages)

    def _count(self, unit: str) -> dict[int, int]:
        """Passage index -> occurrences of ``unit`` or one of its synonyms."""
        found = self._counts.get(unit)
        if found is not None:
            return found
        found = {}
        for variant in _variants(unit):
            postings = [self.pairs.get(variant[i : i + 2], set()) for i in range(len(variant) - 1)]
            candidates = min(postings, key=len) if postings else set(range(len(self.texts)))
            for index in candidates:
                n = self.texts[index].count(variant)
                if n:
                    found[index] = found.get(index, 0) + n
        self._counts[unit] = found
        return found

    def _unit_scores(self, unit: str) -> tuple[float, list[tuple[int, float]]]:
        """The unit's idf and its BM25 contribution to each passage containing it (cached:
        items share many units)."""
        cached = self._scored.get(unit)
        if cached is None:
            counts = self._count(unit)
            idf = self._idf(len(counts))
            cached = self._scored[unit] = (
                idf, [(index, idf * self._bm25(tf, self.lengths[index])) for index, tf in counts.items()])
        return cached

    def _idf(self, df: int) -> float:
        n = len(self.texts)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _bm25(self, tf: int, length: int) -> float:
        norm = _K1 * (1 - _B + _B * length / self.average)
        return tf * (_K1 + 1) / (tf + norm)

    def scores(self, query: Query) -> dict[int, float]:
        """Passage index -> score, for the passages matching anything."""
        scores: dict[int, float] = {}
        get = scores.get
        weighted_idf: dict[str, float] = {}
        for unit, weight in query.weights.items():
            idf, contributions = self._unit_scores(unit)
            weighted_idf[unit] = idf * weight
            for index, contribution in contributions:
                scores[index] = get(index, 0.0) + weight * contribution
        # The section path: context, weighted down, never a match on its own; passages share
        # sections, so each section is scored once.
        bonus: dict[str, float] = {}
        for index in scores:
            section = self.sections[index]
            if not section:
                continue
            if section not in bonus:
                bonus[section] = SECTION_WEIGHT * sum(
                    idf for unit, idf in weighted_idf.items() if any(v in section for v in _variants(unit)))
            scores[index] += bonus[section]
        return scores

    def rank(self, query: Query, top: int = 5) -> list[tuple[Passage, float]]:
        """The ``top`` passages best matching ``query``, best first; ties keep file order."""
        if top <= 0 or not self.texts:
            return []
        scored = heapq.nsmallest(top, ((-score, index) for index, score in self.scores(query).items() if score > 0))
        return [(self.passages[index], -negative) for negative, index in scored]

    def quote_score(self, query: Query) -> float:
        """The score a passage quoting the query's item itself would get in this index."""
        if not self.texts:
            return 0.0
        length = len(query.quote) or 1
        total = 0.0
        for unit, weight in query.weights.items():
            tf = sum(query.quote.count(v) for v in _variants(unit)) or 1
            total += self._idf(len(self._count(unit))) * weight * self._bm25(tf, min(length, 2 * int(self.average)))
        return total


def build_index(passages: Iterable[Passage]) -> PassageIndex:
    """The index of a town's passages (all its files): build once, rank every item with it."""
    return PassageIndex(passages)


@dataclass(frozen=True)
class ItemMatch:
    """An item's suggested passages and whether its evidence looks missing."""

    item_id: str
    ranked: list[tuple[Passage, float]]
    coverage: float  # best score / quote score, 0..~1
    missing: bool

    @property
    def state(self) -> str:
        """"missing" (材料缺失), "weak" or "supported", for a coverage view."""
        if self.missing:
            return "missing"
        return "weak" if self.coverage < WEAK_THRESHOLD else "supported"


def match_item(index: PassageIndex, item: RubricItem, top: int = 3, *,
               threshold: float = MISSING_THRESHOLD) -> ItemMatch:
    """Rank ``index`` for ``item`` and flag it missing when coverage < ``threshold``."""
    query = item_query(item)
    ranked = index.rank(query, top=top)
    reference = index.quote_score(query)
    coverage = (ranked[0][1] / reference) if ranked and reference > 0 else 0.0
    return ItemMatch(getattr(item, "id", ""), ranked, coverage, coverage < threshold)


def match_items(index: PassageIndex, items: Iterable[RubricItem], top: int = 3, *,
                threshold: float = MISSING_THRESHOLD) -> list[ItemMatch]:
    """``match_item`` for every item, with the one index."""
    return [match_item(index, item, top, threshold=threshold) for item in items]


def rank_passages(
    query_terms: list[str], passages: list[Passage], top: int = 5
) -> list[tuple[Passage, float]]:
    """The ``top`` passages most relevant to ``query_terms``, best first, with BM25 scores.

    Passages that match nothing are left out; ties keep file order. Builds an index for this
    one call: to rank many items, ``build_index`` once and use ``PassageIndex.rank``.
    """
    if not query_terms or not passages or top <= 0:
        return []
    query = Query.of_terms(query_terms)
    if not query.weights:
        return []
    index = PassageIndex(passages)
    return index.rank(query, top)
