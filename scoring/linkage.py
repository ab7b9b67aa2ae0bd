"""How well the reviewer graph links the applications: parts and weakly linked groups.

Two applications can be compared through the experts they share: directly (one
expert scored both) or along a chain of such experts. Applications in different
*connected parts* of the expert–application graph share no chain at all: their
order rests only on the raw score level. Inside a part, a *weakly linked group*
is a set of applications whose experts mostly stay among themselves (a field
whose experts review within the field): the group is compared with the rest only
through the few experts it shares with them, so its common level (how lenient
its experts are as a whole, how good its applications are as a whole) is known
less well than any single expert's leniency inside it.

Groups are found by recursive spectral bisection of the application graph
(applications linked by shared experts) with a conductance threshold: a cut is
accepted when the weight of the links it cuts is below ``max_conductance`` of the
smaller side's total link weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from .data import Reviews

MAX_CONDUCTANCE = 0.2
MIN_GROUP = 4  # applications; smaller sets are not split off
# A cut shared by this many experts links its sides well enough: a group's common level is
# then known to a fraction of a point and splitting further would only cost time.
MAX_BRIDGES = 40
DENSE_LIMIT = 400  # below this many applications the eigenproblem is solved densely


@dataclass(frozen=True)
class Linkage:
    """Parts and weakly linked groups of a review graph.

    Attributes
    ----------
    app_part, expert_part : ndarray of int, shapes (n_apps,), (n_experts,)
        Connected parts, numbered by their smallest application.
    app_group, expert_group : ndarray of int, shapes (n_apps,), (n_experts,)
        Weakly linked groups, numbered by their smallest application; each group
        lies within one part. An expert belongs to the group where most of their
        reviews are (ties: the lowest label).
    bridges : ndarray of int, shape (n_groups,)
        Experts of each group's part who scored applications both in and outside
        the group (0 for a group that is a whole part).
    """

    app_part: np.ndarray
    expert_part: np.ndarray
    app_group: np.ndarray
    expert_group: np.ndarray
    bridges: np.ndarray

    @property
    def n_groups(self) -> int:
        return int(self.app_group.max()) + 1 if self.app_group.size else 0

    @property
    def n_parts(self) -> int:
        return int(self.app_part.max()) + 1 if self.app_part.size else 0


def app_graph(rv: Reviews) -> sparse.csr_array:
    """Applications linked by shared experts, shape (n_apps, n_apps), zero diagonal.

    An expert who scored ``m`` applications links each pair of them with weight
    ``1 / (m - 1)``, so every expert's reviews carry the same total link weight
    whatever their load.
    """
    m = rv.expert_count().astype(float)
    c = sparse.csr_array((np.ones(rv.app.shape[0]), (rv.app, rv.expert)), shape=(rv.n_apps, rv.n_experts))
    w = c @ sparse.diags_array(1.0 / np.maximum(m - 1.0, 1.0)) @ c.T
    w = sparse.csr_array(w)
    w.setdiag(0.0)
    w.eliminate_zeros()
    return w


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Labels 0..k-1 numbered by the smallest index carrying them."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inv]


def _fiedler(w: sparse.csr_array, deg: np.ndarray) -> np.ndarray | None:
    """Second eigenvector of the normalised adjacency, scaled by 1/sqrt(degree)."""
    n = deg.shape[0]
    inv = 1.0 / np.sqrt(deg)
    a = sparse.diags_array(inv) @ w @ sparse.diags_array(inv)
    if n <= DENSE_LIMIT:
        _, vec = np.linalg.eigh(a.toarray())
        v = vec[:, -2]
    else:
        try:
            _, vec = eigsh(a, k=2, which="LA", v0=np.sqrt(deg), tol=1e-3, maxiter=20 * n)
        except ArpackNoConvergence:
            return None
        v = vec[:, 0]
    return v * inv


def _best_cut(w: sparse.csr_array) -> tuple[float, np.ndarray] | None:
    """The sweep cut of least conductance along the Fiedler vector: (conductance, side mask)."""
    n = w.shape[0]
    deg = np.asarray(w.sum(axis=1)).ravel()
    if n < 2 * MIN_GROUP or np.any(deg <= 0):
        return None
    v = _fiedler(w, deg)
    if v is None:
        return None
    order = np.lexsort((np.arange(n), v))
    pos = np.empty(n, dtype=np.intp)
    pos[order] = np.arange(n)
    coo = w.tocoo()
    earlier = pos[coo.col] < pos[coo.row]
    inner = np.bincount(pos[coo.row[earlier]], weights=coo.data[earlier], minlength=n)
    vol_s = np.cumsum(deg[order])
    cut = np.cumsum(deg[order] - 2.0 * inner)
    total = vol_s[-1]
    k = np.arange(MIN_GROUP - 1, n - MIN_GROUP)  # prefix sizes MIN_GROUP .. n - MIN_GROUP
    if k.size == 0:
        return None
    cond = cut[k] / np.minimum(vol_s[k], total - vol_s[k])
    best = int(k[np.argmin(cond)])
    side = np.zeros(n, dtype=bool)
    side[order[: best + 1]] = True
    return float(cond[best - k[0]]), side


def _n_bridges(c: sparse.csr_array, inside: np.ndarray, outside: np.ndarray) -> int:
    """Experts who scored applications on both sides (``c``: application x expert incidence)."""
    a = np.asarray(c[inside].sum(axis=0)).ravel() > 0
    b = np.asarray(c[outside].sum(axis=0)).ravel() > 0
    return int(np.sum(a & b))


def _split(w, c, idx: np.ndarray, max_conductance: float, out: list[np.ndarray]) -> None:
    found = _best_cut(sparse.csr_array(w[idx][:, idx]))
    if found is None or found[0] >= max_conductance or _n_bridges(c, idx[found[1]], idx[~found[1]]) >= MAX_BRIDGES:
        out.append(idx)
        return
    _, side = found
    for part in (idx[side], idx[~side]):
        n, lab = csgraph.connected_components(w[part][:, part], directed=False)
        for k in range(n):  # a side may fall apart once cut off
            _split(w, c, part[lab == k], max_conductance, out)


_CACHE: dict[tuple, Linkage] = {}  # the last few graphs: a ranking asks once per method and criterion


def linkage(rv: Reviews, max_conductance: float = MAX_CONDUCTANCE) -> Linkage:
    """Connected parts and weakly linked groups of the review graph (cached per graph).

    Parameters
    ----------
    rv : Reviews
    max_conductance : float, default 0.2
        A set of applications is a group of its own when the links it shares with
        the rest of its part weigh less than this share of its own links. 0 gives
        the connected parts only.

    Returns
    -------
    Linkage
    """
    key = (rv.n_apps, rv.n_experts, max_conductance, rv.app.tobytes(), rv.expert.tobytes())
    if key not in _CACHE:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _linkage(rv, max_conductance)
    return _CACHE[key]


def _linkage(rv: Reviews, max_conductance: float) -> Linkage:
    c = sparse.csr_array((np.ones(rv.app.shape[0]), (rv.app, rv.n_apps + rv.expert)))
    c.resize((rv.n_apps + rv.n_experts, rv.n_apps + rv.n_experts))
    _, lab = csgraph.connected_components(c, directed=False)
    app_part = _relabel(lab[: rv.n_apps])
    expert_part = app_part[rv.app[rv.by_expert[rv.expert_starts]]] if rv.n_experts else np.zeros(0, int)
    groups: list[np.ndarray] = []
    if max_conductance > 0:
        w = app_graph(rv)
        inc = sparse.csr_array((np.ones(rv.app.shape[0]), (rv.app, rv.expert)), shape=(rv.n_apps, rv.n_experts))
        for p in range(int(app_part.max()) + 1):
            _split(w, inc, np.flatnonzero(app_part == p), max_conductance, groups)
    else:
        groups = [np.flatnonzero(app_part == p) for p in range(int(app_part.max()) + 1)]
    app_group = np.empty(rv.n_apps, dtype=np.intp)
    for g, idx in enumerate(groups):
        app_group[idx] = g
    app_group = _relabel(app_group)
    n_groups = int(app_group.max()) + 1
    # Each expert goes to the group holding most of their reviews.
    counts = sparse.csr_array(
        (np.ones(rv.app.shape[0]), (rv.expert, app_group[rv.app])), shape=(rv.n_experts, n_groups)
    ).toarray()
    expert_group = np.argmax(counts, axis=1)
    touched = counts > 0
    bridging = touched.sum(axis=1) > 1  # an expert bridges every group they scored in
    bridges = (touched & bridging[:, None]).sum(axis=0)
    arrays = (app_part, expert_part, app_group, expert_group, bridges.astype(np.int64))
    for a in arrays:  # shared through the cache: nobody may change them
        a.setflags(write=False)
    return Linkage(*arrays)


@dataclass(frozen=True)
class GroupRow:
    """One weakly linked group of applications, for people (see :meth:`Ranking.groups`).

    ``part`` is the connected part it lies in: applications of different parts share
    no expert, not even along a chain, and cannot be compared through experts at all.
    ``bridges`` counts the experts it shares with the rest of its part (0 when it is
    the whole part). ``offset_sd`` is how uncertain its common level is against the
    rest of the round, in points (NaN for methods that do not model experts).
    """

    group: int
    part: int
    app_ids: tuple[str, ...]
    n_experts: int
    bridges: int
    offset_sd: float
