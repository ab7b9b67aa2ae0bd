"""What an application or an expert's work is about, as weighted terms: Chinese segmentation and TF-IDF.

Segmentation is jieba's precise mode (no HMM, so that unknown words are not guessed into odd pieces) with
the technical terms of ``data/terms.txt`` added to its dictionary, so that 动力电池, 车路协同 or 碳化硅功率器件's
parts stay whole. A token is kept when it has at least two characters, is not in ``data/stopwords.txt``
(function words and the boilerplate every application shares: 项目, 研究, 关键, 突破, …) and is not a bare
number; Latin letters are lower-cased (SiC = sic).

Weighting (:func:`weigh`), over one corpus of documents (a round's applications and experts together):

    w(t, d) = (1 + ln c(t, d)) × idf(t),   idf(t) = ln((1 + N) / (1 + df(t))) + 1

where ``c(t, d)`` counts the term in the document (keywords count ``keyword_boost`` times each), ``N`` is
the number of documents and ``df(t)`` how many contain ``t``; each document's vector is then scaled to
length 1, so the dot product of two documents is their cosine similarity, a number in [0, 1].
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy import sparse

DATA = Path(__file__).parent / "data"
_KEEP = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z0-9][a-z0-9+\-.]*[a-z][a-z0-9+\-.]*|[0-9]+[a-z]+", re.ASCII | re.I)


def _lines(name: str) -> list[str]:
    """The entries of one of the shipped word lists (comments and blank lines skipped)."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def technical_terms() -> frozenset[str]:
    """The shipped dictionary of technical terms (data/terms.txt)."""
    return frozenset(_lines("terms.txt"))


@cache
def stop_words() -> frozenset[str]:
    """The shipped stop-word list (data/stopwords.txt)."""
    return frozenset(_lines("stopwords.txt"))


@cache
def _tokenizer():
    """jieba's tokenizer with our technical terms, built once per process (about a second)."""
    with warnings.catch_warnings():  # jieba imports pkg_resources, deprecated in recent setuptools
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for term in sorted(technical_terms()):
        tokenizer.add_word(term)  # jieba picks a frequency that keeps the term whole
    return tokenizer


def segment(text: str) -> list[str]:
    """The kept tokens of ``text``, in order (see the module docstring)."""
    if not text:
        return []
    stops = stop_words()
    return [t for t in (w.lower() for w in _tokenizer().lcut(text, HMM=False))
            if t not in stops and _KEEP.fullmatch(t)]


@dataclass(frozen=True)
class Document:
    """The text side of an application or an expert: keywords (each a short phrase) and free text."""

    keywords: tuple[str, ...] = ()
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not any(k.strip() for k in self.keywords)


def term_counts(document: Document, keyword_boost: float = 1.0) -> Counter:
    """Weighted term counts of one document: text tokens once, keyword tokens ``keyword_boost`` times."""
    counts: Counter = Counter(segment(document.text))
    for keyword in document.keywords:
        for token in segment(keyword):
            counts[token] += keyword_boost
    return counts


@dataclass(frozen=True, eq=False)
class Weighted:
    """Documents as rows of unit-length TF-IDF vectors: ``matrix`` is CSR of shape (n_docs, n_terms)."""

    matrix: sparse.csr_array
    vocabulary: tuple[str, ...]

    def shared_terms(self, a: int, b: int, n: int = 5) -> list[str]:
        """The ``n`` terms contributing most to the cosine of rows ``a`` and ``b``, best first."""
        row_a, row_b = self._row(a), self._row(b)
        common = set(row_a) & set(row_b)
        best = sorted(common, key=lambda t: (-row_a[t] * row_b[t], self.vocabulary[t]))[:n]
        return [self.vocabulary[t] for t in best]

    def _row(self, i: int) -> dict[int, float]:
        start, end = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        return dict(zip(self.matrix.indices[start:end].tolist(), self.matrix.data[start:end].tolist(), strict=True))


def weigh(counts: Sequence[Counter]) -> Weighted:
    """TF-IDF vectors of unit length for a corpus of term counts (formula in the module docstring)."""
    vocabulary: dict[str, int] = {}
    indptr, indices, values = [0], [], []
    for doc in counts:
        for term, count in doc.items():
            if count > 0:
                indices.append(vocabulary.setdefault(term, len(vocabulary)))
                values.append(count)
        indptr.append(len(indices))
    n_docs, n_terms = len(counts), len(vocabulary)
    idx = np.asarray(indices, dtype=np.int32)
    tf = 1.0 + np.log(np.asarray(values, dtype=np.float64)) if values else np.zeros(0)
    df = np.bincount(idx, minlength=n_terms)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    ptr = np.asarray(indptr, dtype=np.int64)
    rows = np.repeat(np.arange(n_docs), np.diff(ptr))
    data = tf * idf[idx]
    norms = np.sqrt(np.bincount(rows, weights=data**2, minlength=n_docs))
    data = data / norms[rows]  # a row with entries has a positive norm
    matrix = sparse.csr_array((data, idx, ptr), shape=(n_docs, n_terms))
    matrix.sort_indices()
    return Weighted(matrix, tuple(vocabulary))


def corpus(documents: Iterable[Document], keyword_boost: float = 1.0) -> Weighted:
    """Segment and weigh documents together (one IDF for all of them)."""
    return weigh([term_counts(d, keyword_boost) for d in documents])


def idf_of(n_docs: int, df: int) -> float:
    """The IDF of a term found in ``df`` of ``n_docs`` documents (for tests and explanations)."""
    return math.log((1.0 + n_docs) / (1.0 + df)) + 1.0
