"""Propose evidence passages for a rubric item, and flag items without evidence.

Public functions (the reviewer's page and the CLI use these):

- ``build_index(passages) -> PassageIndex``: the index of a town's passages, built once and
  reused for every item (headings are left out: they are context, not evidence).
- ``item_query(item, vocabulary) -> Query`` (``query.py``): the item's title, criteria and
  evidence required as one weighted query (``Query.of_terms(terms)`` for a plain list of words).
- ``PassageIndex.rank(query, top=5) -> list[(Passage, score)]``: best passages first.
- ``match_items(index, items, top=3)`` and ``match_item(index, item, top=3, vocabulary=…)``:
  ranked passages plus the evidence state (``ItemMatch.state``, named by ``EVIDENCE_STATES``).
- ``rank_passages(query_terms, passages, top=5)``: the original one-shot call, kept.

Ranking is BM25 over query units (``query.py``), each counted as a substring of the passage
(or of one of its synonyms, ``terms.SYNONYMS``), so a term is found even where jieba would cut
the passage differently. Fields weigh differently; the section path counts as weaker context.

The evidence state is calibrated on what the item is *about*, not on raw scores: an item's
``coverage`` is the share of its key weight found in its best passage, where a word's key
weight falls with the number of the rubric's items that use it (``query.rubric_vocabulary``):
"法律顾问" says C2 is addressed, "法治建设" (in seven items) says next to nothing. Below
``MISSING_THRESHOLD`` the item is flagged missing (材料缺失), below ``WEAK_THRESHOLD`` weak.
Both were chosen on the first six reports of the labelled set (``benchmarks/bench_evidence.py``
prints the figures, leave-one-report-out included); see the data README for how.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.messages import N_, Message

from .passages import Passage
from .query import FIELD_WEIGHTS, Query, RubricItem, item_query, query_units, rubric_vocabulary
from .terms import SYNONYMS

__all__ = ["FIELD_WEIGHTS", "Query", "RubricItem", "item_query", "query_units", "rubric_vocabulary",
           "EVIDENCE_STATES", "MISSING_THRESHOLD", "WEAK_THRESHOLD", "MATCHER_VERSION", "ItemMatch",
           "PassageIndex", "build_index", "match_item", "match_items", "rank_passages"]

# Bumped whenever what an index holds or how items are matched changes, so indexes and
# results stored under an older version are rebuilt.
MATCHER_VERSION = 2  # stored indexes (scoring.services.match_index) of another version are rebuilt
_K1 = 1.5
_B = 0.75
SECTION_WEIGHT = 0.3
# evaluate.choose_thresholds on the first six labelled reports, rounded down to 0.01 (0.094
# and 0.135; tests/scoring/evidence/test_labels.py checks they still follow from the labels).
MISSING_THRESHOLD = 0.09
WEAK_THRESHOLD = 0.13

# The one wording of an item's evidence state: CLI, coverage views and the reviewer's sheet.
EVIDENCE_STATES: dict[str, Message] = {
    "supported": N_("有材料"), "weak": N_("材料不足"), "missing": N_("材料缺失")}


_NONE: frozenset[int] = frozenset()


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
        self._section_passages: dict[str, list[int]] = {}
        for index, section in enumerate(self.sections):
            if section:
                self._section_passages.setdefault(section, []).append(index)
        self._sectioned: dict[str, list[int]] = {}
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
            postings = sorted((self.pairs.get(variant[i : i + 2], _NONE) for i in range(len(variant) - 1)), key=len)
            # Only passages holding every character pair of the variant can hold the variant.
            candidates = postings[0].intersection(*postings[1:]) if postings else range(len(self.texts))
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

    def coverage(self, query: Query) -> float:
        """The largest share of the query's key weight that one passage contains (0..1); a
        word in the passage's section path counts ``SECTION_WEIGHT`` (a 存在的问题 section
        says what its paragraphs are about)."""
        total = sum(query.key.values())
        if not self.texts or total <= 0:
            return 0.0
        found: dict[int, float] = {}
        for unit, weight in query.key.items():
            in_text = self._count(unit)
            for index in in_text:
                found[index] = found.get(index, 0.0) + weight
            for index in self._in_sections(unit):
                if index not in in_text:
                    found[index] = found.get(index, 0.0) + SECTION_WEIGHT * weight
        return max(found.values(), default=0.0) / total

    def _in_sections(self, unit: str) -> list[int]:
        """The passages whose section path contains ``unit`` or a synonym (cached)."""
        found = self._sectioned.get(unit)
        if found is None:
            variants = _variants(unit)
            hit = {section for section in self._section_passages if any(v in section for v in variants)}
            found = self._sectioned[unit] = [i for section in hit for i in self._section_passages[section]]
        return found


def build_index(passages: Iterable[Passage]) -> PassageIndex:
    """The index of a town's passages (all its files): build once, rank every item with it."""
    return PassageIndex(passages)


@dataclass(frozen=True)
class ItemMatch:
    """An item's suggested passages and how well its evidence covers it."""

    item_id: str
    ranked: list[tuple[Passage, float]]
    coverage: float  # share of the item's key weight in its best passage, 0..1
    missing: bool
    weak_below: float = WEAK_THRESHOLD

    @property
    def state(self) -> str:
        """"missing", "weak" or "supported" (``EVIDENCE_STATES`` names them)."""
        if self.missing or not self.ranked:
            return "missing"
        return "weak" if self.coverage < self.weak_below else "supported"

    @property
    def label(self) -> Message:
        return EVIDENCE_STATES[self.state]


def match_item(index: PassageIndex, item: RubricItem, top: int = 3, *,
               vocabulary: Mapping[str, int] | None = None,
               threshold: float = MISSING_THRESHOLD) -> ItemMatch:
    """Rank ``index`` for ``item`` and flag it missing when coverage < ``threshold``.

    ``vocabulary``: ``rubric_vocabulary`` of the item's rubric (the thresholds are measured
    with it); ``match_items`` builds it from the items it is given.
    """
    query = item_query(item, vocabulary)
    ranked = index.rank(query, top=top)
    coverage = item_coverage(index, query, ranked[0][1]) if ranked else 0.0
    return ItemMatch(getattr(item, "id", ""), ranked, coverage, coverage < threshold)


def item_coverage(index: PassageIndex, query: Query, best_score: float) -> float:
    """How well the town's evidence covers an item, 0..1: the geometric mean of two shares.

    - of the item's key weight, the most that one passage contains (its own words, not the
      field's common ones: ``PassageIndex.coverage``);
    - of the score a passage quoting the item would get, what the best passage gets (BM25 in
      this index: rare words of this town's files count more).
    Either alone lets through what the other catches: a passage full of 法治建设 and 报告
    scores well in a short report, and a long criteria list dilutes the key share.
    """
    reference = index.quote_score(query)
    scored = min(1.0, best_score / reference) if reference > 0 else 0.0
    return math.sqrt(index.coverage(query) * scored)


def match_items(index: PassageIndex, items: Iterable[RubricItem], top: int = 3, *,
                threshold: float = MISSING_THRESHOLD) -> list[ItemMatch]:
    """``match_item`` for every item of one rubric, with the one index."""
    items = list(items)
    vocabulary = rubric_vocabulary(items)
    return [match_item(index, item, top, vocabulary=vocabulary, threshold=threshold) for item in items]


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
