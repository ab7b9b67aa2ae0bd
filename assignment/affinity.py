"""How well an expert fits an application: the instance's affinity table, or field overlap.

Affinity is a number in [0, 1]; a pair with affinity 0 is unqualified and never assigned. Inside the
library it is held as an integer, affinity × SCALE, so the flow optimum is exact.

Field overlap (the default, used when the instance has no affinity table): an expert lists fields in
order of expertise and an application lists its main field first. A pair whose fields meet at
application position ``i`` and expert position ``j`` scores ``max(1 - 0.2 * (i + j), 0.2)``; the best
meeting counts; a pair with no common field is unqualified. So a main-field match is 1.0, an expert's
second field 0.8, and so on.

Text affinity (:func:`text_affinity`, the ``affinity`` command): what the application and the expert's work
are about, blended with the field match. For a pair whose fields meet (field match ``f`` as above, > 0)::

    affinity = (w_field × f + w_text × s) / (w_field + w_text)

where ``s`` in [0, 1] is the cosine similarity of their TF-IDF vectors (:mod:`assignment.text`: keywords
and text, segmented with the shipped technical terms). A pair whose fields do not meet stays unqualified
(affinity 0) whatever its text says: text changes who is preferred, never who is allowed. An expert
without any text gets, for ``s``, the mean similarity of the field's experts who have text (neither
rewarded nor punished for an empty profile); an application without text gets ``s = 0`` for every
expert, so that its order is the field match's alone. The weights are :class:`Weights`; their defaults
were chosen on the tuning part of bench/affinity's labelled set. ``top`` keeps each application's N best
pairs only (the solver treats a pair left out as unqualified, so keep N well above k, or omit it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import text as texts
from .problem import SCALE, InputError, Pairs, Problem, check_ids, pair_code, sort_pairs


def _field_entries(ptr: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner, field, position) for every listed field, as arrays of shape (len(idx),)."""
    counts = np.diff(ptr)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    position = np.arange(len(idx), dtype=np.int64) - np.repeat(ptr[:-1], counts)
    return owner, idx.astype(np.int64), position


def _field_blocks(a_ptr: np.ndarray, a_idx: np.ndarray, e_ptr: np.ndarray, e_idx: np.ndarray, n_fields: int,
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Field by field: (application positions, expert positions, field match × SCALE of shape
    (len(apps), len(experts))) for the applications and experts that list the field."""
    a_own, a_field, a_pos = _field_entries(a_ptr, a_idx)
    e_own, e_field, e_pos = _field_entries(e_ptr, e_idx)
    a_order, e_order = np.argsort(a_field, kind="stable"), np.argsort(e_field, kind="stable")
    a_start = np.searchsorted(a_field[a_order], np.arange(n_fields + 1))
    e_start = np.searchsorted(e_field[e_order], np.arange(n_fields + 1))
    for f in range(n_fields):
        ai = a_order[a_start[f] : a_start[f + 1]]
        ei = e_order[e_start[f] : e_start[f + 1]]
        if len(ai) and len(ei):
            rank = np.add.outer(a_pos[ai], e_pos[ei])
            yield a_own[ai], e_own[ei], np.maximum(SCALE - (SCALE // 5) * rank, SCALE // 5)


def _best_per_pair(apps: list, experts: list, scores: list, n_experts: int) -> Pairs:
    """Concatenated blocks as sorted pairs; a pair met in several fields keeps its best score."""
    if not apps:
        empty = np.zeros(0, dtype=np.int64)
        return sort_pairs(empty, empty, empty, n_experts)
    pairs = sort_pairs(np.concatenate(apps), np.concatenate(experts), np.concatenate(scores), n_experts)
    code = pairs.app.astype(np.int64) * n_experts + pairs.expert
    first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    return Pairs(pairs.app[first], pairs.expert[first], np.maximum.reduceat(pairs.score, first))


def field_affinity(problem: Problem) -> Pairs:
    """Qualified pairs from field overlap (see the module docstring), built field by field.

    Memory is proportional to the number of qualified pairs: each field contributes its applications ×
    its experts, never all applications × all experts, :data:`APP_PART` applications at a time.
    """
    return _joined(list(_parts(problem.app_field_ptr, problem.app_field_idx, problem.expert_field_ptr,
                               problem.expert_field_idx, len(problem.fields), problem.n_experts,
                               lambda _ai, _ei, block: block)))


#: Applications whose pairs are computed together: the blocks and the pairs of one part are all that
#: field_affinity and text_affinity hold beside their result, whatever the round's size.
APP_PART = 1000


def _parts(a_ptr: np.ndarray, a_idx: np.ndarray, e_ptr: np.ndarray, e_idx: np.ndarray, n_fields: int,
           n_experts: int, scores: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> Iterator[Pairs]:
    """The qualified pairs of :data:`APP_PART` applications at a time, each part sorted, a pair met in
    several fields with its best score; ``scores(apps, experts, field match)`` gives a field block's scores
    (shape (len(apps), len(experts))) from its field match × SCALE."""
    n_apps = len(a_ptr) - 1
    for lo in range(0, n_apps, APP_PART):
        hi = min(lo + APP_PART, n_apps)
        apps, chosen, found = [], [], []
        for ai, ei, block in _field_blocks(a_ptr[lo : hi + 1] - a_ptr[lo], a_idx[a_ptr[lo] : a_ptr[hi]], e_ptr,
                                           e_idx, n_fields):
            ai = ai + lo
            apps.append(np.repeat(ai.astype(np.int32), len(ei)))
            chosen.append(np.tile(ei.astype(np.int32), len(ai)))
            found.append(scores(ai, ei, block).ravel())
        yield _best_per_pair(apps, chosen, found, n_experts)


def _joined(parts: list[Pairs]) -> Pairs:
    """Parts of consecutive applications as one table (each sorted: so is the whole), a column at a time,
    each part's column let go as it is copied: at most the result and one column of the parts at once."""
    columns = []
    for name in ("app", "expert", "score"):
        columns.append(np.concatenate([getattr(p, name) for p in parts]) if parts else np.zeros(0, dtype=np.int64))
        parts = [Pairs(*(np.zeros(0, dtype=getattr(p, n).dtype) if n == name else getattr(p, n)
                         for n in ("app", "expert", "score"))) for p in parts]
    app, expert, score = columns
    return Pairs(app.astype(np.int32, copy=False), expert.astype(np.int32, copy=False), score)


def qualified_pairs(problem: Problem) -> Pairs:
    """All pairs with positive affinity, before conflicts: the affinity table, or field overlap."""
    if problem.affinity is not None:
        return problem.affinity
    if "qualified" not in problem._index:
        problem._index["qualified"] = field_affinity(problem)
    return problem._index["qualified"]


def pair_scores(problem: Problem, app: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """Affinity × SCALE of arbitrary position pairs, shape (n,); 0 where unqualified."""
    pairs = qualified_pairs(problem)
    table = pair_code(problem, pairs.app, pairs.expert)
    codes = pair_code(problem, np.asarray(app), np.asarray(expert))
    if len(table) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return np.where(table[pos] == codes, pairs.score[pos], 0)


def pair_affinities(problem: Problem, pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Affinity in [0, 1] of each (app_id, expert_id) pair, in order; 0.0 where unqualified.

    Raises KeyError for an unknown id.
    """
    if not pairs:
        return []
    apps = np.array([problem.app_index(a) for a, _ in pairs], dtype=np.int64)
    experts = np.array([problem.expert_index(e) for _, e in pairs], dtype=np.int64)
    return [float(s) for s in pair_scores(problem, apps, experts) / SCALE]


@dataclass(frozen=True)
class Weights:
    """The blend of :func:`text_affinity` (formula in the module docstring) and how much a keyword counts
    against a word of the free text."""

    field: float = 0.6
    text: float = 0.4
    keyword_boost: float = 1.0

    def __post_init__(self):
        if not (self.field > 0 and self.text >= 0 and self.keyword_boost >= 0):
            raise InputError("options", None, "weights: field must be positive, text and keyword boost non-negative")


def blend(field_match: np.ndarray, similarity: np.ndarray, weights: Weights) -> np.ndarray:
    """Affinity in [0, 1] from a field match (0 = fields do not meet) and a text similarity, elementwise."""
    field_match, similarity = np.asarray(field_match, dtype=np.float64), np.asarray(similarity, dtype=np.float64)
    total = weights.field + weights.text
    mixed = (weights.field * field_match + weights.text * np.clip(similarity, 0.0, 1.0)) / total
    return np.where(field_match > 0, mixed, 0.0)


@dataclass(frozen=True)
class Profile:
    """The text side of an application (``fields``: its 技术领域, main first) or an expert (their fields in
    order of expertise), with keywords and free text (摘要, 申请书 text; 研究方向, 代表性成果)."""

    id: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    text: str = ""

    @property
    def document(self) -> texts.Document:
        return texts.Document(self.keywords, self.text)


@dataclass(frozen=True, eq=False)
class TextAffinity:
    """The result of :func:`text_affinity`: the qualified pairs with their blended affinity, and the
    weighted documents (applications first, then experts) that explain each pair."""

    app_ids: tuple[str, ...]
    expert_ids: tuple[str, ...]
    pairs: Pairs  # score = affinity × SCALE
    documents: texts.Weighted

    def __len__(self) -> int:
        return len(self.pairs)

    def table(self) -> tuple[list[str], list[str], np.ndarray]:
        """(app ids, expert ids, affinities in [0, 1]): the ``affinity`` argument of ``build_problem``."""
        apps, experts = np.asarray(self.app_ids, dtype=object), np.asarray(self.expert_ids, dtype=object)
        return list(apps[self.pairs.app]), list(experts[self.pairs.expert]), self.pairs.score / SCALE

    def positions(self, app_ids: Sequence[str], expert_ids: Sequence[str]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``affinity`` argument of ``build_problem`` for a problem of these applications and experts
        (in that order), as arrays: positions into ``app_ids`` and ``expert_ids``, affinities in [0, 1].
        Unlike :meth:`table`, no Python object per pair. KeyError when an id here is not among them."""
        out = []
        for mine, theirs, column in ((self.app_ids, app_ids, self.pairs.app),
                                     (self.expert_ids, expert_ids, self.pairs.expert)):
            if tuple(theirs) == tuple(mine):
                out.append(column.astype(np.int64))
                continue
            where = {v: i for i, v in enumerate(theirs)}
            out.append(np.array([where[v] for v in mine], dtype=np.int64)[column])
        return out[0], out[1], self.pairs.score / SCALE

    def shared_terms(self, app_id: str, expert_id: str, n: int = 5) -> list[str]:
        """The terms the pair's texts share that weigh most in their similarity, best first."""
        a, e = self._positions[0][app_id], self._positions[1][expert_id]
        return self.documents.shared_terms(a, len(self.app_ids) + e, n)

    @cached_property
    def _positions(self) -> tuple[dict[str, int], dict[str, int]]:
        return ({a: i for i, a in enumerate(self.app_ids)}, {e: i for i, e in enumerate(self.expert_ids)})


def _field_table(profiles: Sequence[Profile], fields: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    lists = [[fields.setdefault(f, len(fields)) for f in (x.strip() for x in p.fields) if f]
             for p in profiles]
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    return ptr, np.fromiter((f for x in lists for f in x), dtype=np.int64, count=int(ptr[-1]))


def _keep_top(pairs: Pairs, top: int) -> Pairs:
    """Each application's ``top`` best pairs (ties: the earlier expert), still sorted by (app, expert)."""
    order = np.lexsort((pairs.expert, -pairs.score, pairs.app))
    app = pairs.app[order]
    first = np.r_[0, np.flatnonzero(app[1:] != app[:-1]) + 1] if len(app) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(app)) - np.repeat(first, np.diff(np.r_[first, len(app)]))
    return pairs.take(np.sort(order[rank < top]))


def text_affinity(applications: Sequence[Profile], experts: Sequence[Profile], weights: Weights = Weights(),
                  top: int | None = None, sources: tuple[str, str] = ("applications", "experts")) -> TextAffinity:
    """Every pair whose fields meet, with its blended affinity (module docstring); ``top`` keeps each
    application's N best. Similarities are computed field by field, for those pairs only, and
    :data:`APP_PART` applications at a time, so time and memory grow with the qualified pairs, never with
    applications × experts, and the temporaries stay those of one part.

    Raises :class:`InputError` for an empty or duplicate id, an application without a field, a bad ``top``.
    """
    check_ids(applications, sources[0])
    check_ids(experts, sources[1])
    for row, app in enumerate(applications, start=2):
        if not any(f.strip() for f in app.fields):
            raise InputError(sources[0], row, "empty field")
    if top is not None and top < 1:
        raise InputError("options", None, f"top must be at least 1, got {top}")
    fields: dict[str, int] = {}
    a_ptr, a_idx = _field_table(applications, fields)
    e_ptr, e_idx = _field_table(experts, fields)
    documents = texts.corpus([p.document for p in (*applications, *experts)], weights.keyword_boost)
    app_vectors, expert_vectors = documents.matrix[: len(applications)], documents.matrix[len(applications) :]
    has_text = np.diff(expert_vectors.indptr) > 0

    def blended(ai: np.ndarray, ei: np.ndarray, block: np.ndarray) -> np.ndarray:
        similarity = (app_vectors[ai] @ expert_vectors[ei].T).toarray()
        with_text = has_text[ei]
        if with_text.any() and not with_text.all():
            mean = similarity[:, with_text].mean(axis=1, keepdims=True)
            similarity[:, ~with_text] = mean
        affinity = np.rint(blend(block / SCALE, similarity, weights) * SCALE).astype(np.int64)
        return np.maximum(affinity, 1)  # a qualified pair never rounds to unqualified

    parts = _parts(a_ptr, a_idx, e_ptr, e_idx, len(fields), len(experts), blended)
    pairs = _joined([_keep_top(part, top) if top is not None else part for part in parts])
    return TextAffinity(tuple(p.id for p in applications), tuple(p.id for p in experts), pairs, documents)
