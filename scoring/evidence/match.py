"""Propose evidence passages for a rubric item: BM25 over the item's terms, cut by jieba.

Query terms ("法律顾问", "聘用合同") are cut into sub-words with jieba's search mode; each
term and sub-word is then counted as a substring of the passage. Counting substrings instead
of tokenising passages keeps a term found even where jieba would segment the passage
differently, and makes a whole-term hit outscore scattered sub-word hits.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence

import jieba

from .passages import Passage

_K1 = 1.5
_B = 0.75
# Words jieba's general dictionary would split, that carry one meaning in this domain.
DOMAIN_WORDS = (
    "法律顾问",
    "合法性审查",
    "行政执法",
    "依法行政",
    "法治政府",
    "第一责任人",
    "学法用法",
    "会前学法",
    "重大行政决策",
    "规范性文件",
    "行政复议",
    "行政诉讼",
    "出庭应诉",
    "政务公开",
    "执法记录仪",
    "双随机",
    "案卷评查",
    "普法",
    "述法",
    "权责清单",
    "法制审核",
    "民主法治示范村",
)
_STOPWORDS = frozenset("的 了 和 与 及 等 是 在 对 为 将 把 也 都 并 中 有 年 各 个 其 之".split())

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
            if len(word) >= 2 and word not in _STOPWORDS:
                units[word] = None
    return list(units)


def rank_passages(
    query_terms: list[str], passages: list[Passage], top: int = 5
) -> list[tuple[Passage, float]]:
    """The ``top`` passages most relevant to ``query_terms``, best first, with BM25 scores.

    Passages that match nothing are left out; ties keep file order.
    """
    units = query_units(query_terms)
    if not units or not passages or top <= 0:
        return []
    texts = [p.text.casefold() for p in passages]
    average_length = sum(map(len, texts)) / len(texts)
    counts = [[text.count(unit) for unit in units] for text in texts]
    n = len(texts)
    idf = []
    for column in range(len(units)):
        df = sum(1 for row in counts if row[column])
        idf.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
    scored = []
    for index, (text, row) in enumerate(zip(texts, counts, strict=True)):
        norm = _K1 * (1 - _B + _B * len(text) / average_length)
        score = sum(w * tf * (_K1 + 1) / (tf + norm) for w, tf in zip(idf, row, strict=True) if tf)
        if score > 0:
            scored.append((-score, index))
    scored.sort()
    return [(passages[index], -negative) for negative, index in scored[:top]]
