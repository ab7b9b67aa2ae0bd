"""The score table: validated reviews in a canonical order.

A :class:`ScoreTable` is the only input of the library. It is built from plain
records (one per submitted review) by :meth:`ScoreTable.from_records`, which
validates them and sorts them by ``(app_id, expert_id)``: every result is
therefore independent of the order in which rows arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

TOTAL_MIN = 0.0
TOTAL_MAX = 100.0


class ScoreInputError(ValueError):
    """Bad input: a message naming the offending row, fit for a user."""


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """Submitted reviews, validated and sorted by ``(app_id, expert_id)``.

    Attributes
    ----------
    app_ids : ndarray of str, shape (n_apps,)
        Sorted unique application ids.
    expert_ids : ndarray of str, shape (n_experts,)
        Sorted unique expert ids.
    app : ndarray of int, shape (n_reviews,)
        Index into ``app_ids`` of each review.
    expert : ndarray of int, shape (n_reviews,)
        Index into ``expert_ids`` of each review.
    total : ndarray of float, shape (n_reviews,)
        Total score of each review, in [0, 100].
    criteria : ndarray of float, shape (n_reviews, n_criteria)
        Criterion scores (>= 0); NaN where a criterion was not scored.
    criterion_names : tuple of str, length n_criteria
    recommend : ndarray of float, shape (n_reviews,)
        1.0 for 推荐, 0.0 for 不推荐, NaN where not given.
    labels : tuple of str, length n_reviews
        Where each review came from (e.g. ``"line 7"``), for messages.
    """

    app_ids: np.ndarray
    expert_ids: np.ndarray
    app: np.ndarray
    expert: np.ndarray
    total: np.ndarray
    criteria: np.ndarray
    criterion_names: tuple[str, ...]
    recommend: np.ndarray
    labels: tuple[str, ...]

    @property
    def n_reviews(self) -> int:
        return int(self.total.shape[0])

    @property
    def n_apps(self) -> int:
        return int(self.app_ids.shape[0])

    @property
    def n_experts(self) -> int:
        return int(self.expert_ids.shape[0])

    @classmethod
    def from_records(
        cls,
        app_id: Sequence[str],
        expert_id: Sequence[str],
        total: Sequence[float],
        *,
        criteria: Sequence[Sequence[float]] | np.ndarray | None = None,
        criterion_names: Sequence[str] = (),
        recommend: Sequence[float] | None = None,
        labels: Sequence[str] | None = None,
    ) -> ScoreTable:
        """Validate review records and build the canonical table.

        Parameters
        ----------
        app_id, expert_id : sequence of str, length n_reviews
        total : sequence of float, length n_reviews
            Totals in [0, 100].
        criteria : array-like of shape (n_reviews, n_criteria), optional
            Criterion scores >= 0; NaN means not scored.
        criterion_names : sequence of str, length n_criteria
        recommend : sequence of float, length n_reviews, optional
            1 (推荐), 0 (不推荐) or NaN (not given).
        labels : sequence of str, optional
            Names of the records for error messages; default ``"record i"``
            (1-based).

        Raises
        ------
        ScoreInputError
            With a one-line message naming the first bad record.

        Examples
        --------
        >>> t = ScoreTable.from_records(["b", "a"], ["x", "x"], [70, 80])
        >>> t.app_ids.tolist(), t.total.tolist()
        (['a', 'b'], [80.0, 70.0])
        """
        apps = np.array([str(a) for a in app_id], dtype=str)
        experts = np.array([str(e) for e in expert_id], dtype=str)
        n = apps.shape[0]
        if labels is None:
            labels = [f"record {i + 1}" for i in range(n)]
        labels = [str(s) for s in labels]
        if experts.shape[0] != n or len(total) != n or len(labels) != n:
            raise ScoreInputError("app_id, expert_id, total and labels must have the same length")
        if n == 0:
            raise ScoreInputError("no reviews: the score table is empty")
        try:
            tot = np.asarray(total, dtype=float).reshape(n)
        except (TypeError, ValueError) as exc:
            raise ScoreInputError(f"total: not a number ({exc})") from None
        names = tuple(str(c) for c in criterion_names)
        if criteria is None:
            crit = np.zeros((n, 0))
            if names:
                raise ScoreInputError("criterion_names given without criteria")
        else:
            crit = np.asarray(criteria, dtype=float).reshape(n, -1) if n else np.zeros((0, len(names)))
            if crit.shape[1] != len(names):
                raise ScoreInputError("criteria must have one column per criterion name")
        if len(set(names)) != len(names):
            raise ScoreInputError("duplicate criterion names")
        rec = np.full(n, np.nan) if recommend is None else np.asarray(recommend, dtype=float).reshape(n)

        def row_error(i: int) -> str | None:
            where = f"{labels[i]} (app {apps[i]}, expert {experts[i]})"
            if not apps[i].strip() or not experts[i].strip():
                return f"{labels[i]}: empty app_id or expert_id"
            if not np.isfinite(tot[i]):
                return f"{where}: total is not a number"
            if not TOTAL_MIN <= tot[i] <= TOTAL_MAX:
                return f"{where}: total {tot[i]:g} is outside 0-100"
            for c, name in enumerate(names):
                v = crit[i, c]
                if np.isinf(v) or v < 0:
                    return f"{where}: criterion {name!r} = {v:g} is not a number >= 0"
            if not (np.isnan(rec[i]) or rec[i] in (0.0, 1.0)):
                return f"{where}: recommend must be 1, 0 or empty"
            return None

        # Vectorised screen, then the first bad record (in input order) gets its message.
        with np.errstate(invalid="ignore"):
            bad = (np.char.str_len(np.char.strip(apps)) == 0) | (np.char.str_len(np.char.strip(experts)) == 0)
            bad |= ~np.isfinite(tot) | (tot < TOTAL_MIN) | (tot > TOTAL_MAX)
            if names:
                bad |= np.any(np.isinf(crit) | (crit < 0), axis=1)
            bad |= ~(np.isnan(rec) | (rec == 0.0) | (rec == 1.0))
        for i in np.flatnonzero(bad)[:1]:
            raise ScoreInputError(row_error(int(i)))

        app_ids, app_idx = np.unique(apps, return_inverse=True)
        expert_ids, expert_idx = np.unique(experts, return_inverse=True)
        order = np.lexsort((expert_idx, app_idx))
        a, e = app_idx[order], expert_idx[order]
        dup = np.flatnonzero((a[1:] == a[:-1]) & (e[1:] == e[:-1]))
        if dup.size:
            i, j = sorted((order[dup[0]], order[dup[0] + 1]))
            raise ScoreInputError(
                f"{labels[j]}: duplicate review of app {apps[j]} by expert {experts[j]} (already in {labels[i]})"
            )
        return cls(
            app_ids=_frozen(app_ids),
            expert_ids=_frozen(expert_ids),
            app=_frozen(a.astype(np.intp)),
            expert=_frozen(e.astype(np.intp)),
            total=_frozen(tot[order]),
            criteria=_frozen(crit[order]),
            criterion_names=names,
            recommend=_frozen(rec[order]),
            labels=tuple(labels[k] for k in order),
        )


@dataclass(frozen=True, eq=False)
class Reviews:
    """The index structure the estimators work on (internal).

    Reviews are sorted by application; ``by_expert`` sorts them by expert.
    Group sums accept values of shape (n_reviews,) or (n_reviews, n_draws).
    """

    app: np.ndarray
    expert: np.ndarray
    n_apps: int
    n_experts: int
    app_starts: np.ndarray
    by_expert: np.ndarray
    expert_starts: np.ndarray

    @classmethod
    def build(cls, app: np.ndarray, expert: np.ndarray, n_apps: int, n_experts: int) -> Reviews:
        app = np.asarray(app, dtype=np.intp)
        expert = np.asarray(expert, dtype=np.intp)
        if app.size and np.any(np.diff(app) < 0):
            raise ValueError("reviews must be sorted by application")
        a_counts = np.bincount(app, minlength=n_apps)
        by_expert = np.argsort(expert, kind="stable")
        e_counts = np.bincount(expert, minlength=n_experts)
        return cls(
            app=app,
            expert=expert,
            n_apps=n_apps,
            n_experts=n_experts,
            app_starts=np.r_[0, np.cumsum(a_counts)[:-1]],
            by_expert=by_expert,
            expert_starts=np.r_[0, np.cumsum(e_counts)[:-1]],
        )

    @classmethod
    def of(cls, table: ScoreTable) -> Reviews:
        return cls.build(table.app, table.expert, table.n_apps, table.n_experts)

    @cached_property
    def app_matrix(self) -> sparse.csr_array:
        """Indicator of shape (n_apps, n_reviews): 1 where the review is of the app."""
        n = self.app.shape[0]
        return sparse.csr_array((np.ones(n), (self.app, np.arange(n))), shape=(self.n_apps, n))

    @cached_property
    def expert_matrix(self) -> sparse.csr_array:
        """Indicator of shape (n_experts, n_reviews)."""
        n = self.expert.shape[0]
        return sparse.csr_array((np.ones(n), (self.expert, np.arange(n))), shape=(self.n_experts, n))

    def app_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum per application; shape (n_apps,) or (n_apps, n_draws)."""
        if values.ndim == 1:
            return np.bincount(self.app, weights=values, minlength=self.n_apps)
        return self.app_matrix @ values

    def expert_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum per expert; shape (n_experts,) or (n_experts, n_draws)."""
        if values.ndim == 1:
            return np.bincount(self.expert, weights=values, minlength=self.n_experts)
        return self.expert_matrix @ values

    def cross(self, w: np.ndarray) -> tuple[sparse.csr_array, sparse.csr_array]:
        """Weighted incidence ``C`` of shape (n_apps, n_experts) and its transpose (CSR)."""
        c = sparse.csr_array((w, (self.app, self.expert)), shape=(self.n_apps, self.n_experts))
        return c, c.T.tocsr()

    def app_count(self) -> np.ndarray:
        return np.bincount(self.app, minlength=self.n_apps)

    def expert_count(self) -> np.ndarray:
        return np.bincount(self.expert, minlength=self.n_experts)

    def subset(self, mask: np.ndarray) -> tuple[Reviews, np.ndarray, np.ndarray]:
        """Reviews where ``mask`` holds, re-indexed to the apps/experts left.

        Returns the new structure, the kept app indices and kept expert indices.
        """
        apps = np.unique(self.app[mask])
        experts = np.unique(self.expert[mask])
        a = np.searchsorted(apps, self.app[mask])
        e = np.searchsorted(experts, self.expert[mask])
        return Reviews.build(a, e, apps.size, experts.size), apps, experts


def components(rv: Reviews) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the application–expert graph.

    Returns
    -------
    app_comp : ndarray of int, shape (n_apps,)
    expert_comp : ndarray of int, shape (n_experts,)
        Component labels 0..n_comp-1, numbered by their smallest application.
    """
    # Label propagation on the bipartite graph: each app takes the minimum label of
    # its experts and vice versa, until nothing changes (at most graph diameter rounds).
    lab_a = np.arange(rv.n_apps)
    lab_e = np.full(rv.n_experts, rv.n_apps)
    while True:
        new_e = lab_e.copy()
        np.minimum.at(new_e, rv.expert, lab_a[rv.app])
        new_a = lab_a.copy()
        np.minimum.at(new_a, rv.app, new_e[rv.expert])
        if np.array_equal(new_a, lab_a) and np.array_equal(new_e, lab_e):
            break
        lab_a, lab_e = new_a, new_e
    uniq, app_comp = np.unique(lab_a, return_inverse=True)
    expert_comp = np.searchsorted(uniq, lab_e)
    return app_comp, expert_comp
