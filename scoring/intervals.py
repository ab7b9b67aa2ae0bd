"""Rank intervals from plausible score draws."""

from __future__ import annotations

import numpy as np


def draw_ranks(draws: np.ndarray) -> np.ndarray:
    """Rank of every application in every draw (1 = best).

    Parameters
    ----------
    draws : ndarray of shape (n_apps, n_draws)
        Plausible scores; no NaN.

    Returns
    -------
    ranks : ndarray of int, shape (n_apps, n_draws)
        Draws are continuous, so ties have probability zero; any tie is broken by
        application order.
    """
    n_apps, n_draws = draws.shape
    neg = np.ascontiguousarray(-draws.T)  # (n_draws, n_apps): sort along contiguous rows
    order = np.argsort(neg, axis=1)  # introsort: deterministic; ties have probability 0
    ranks_t = np.empty((n_draws, n_apps), dtype=np.int64)
    np.put_along_axis(ranks_t, order, np.arange(1, n_apps + 1)[None, :], axis=1)
    ranks = np.ascontiguousarray(ranks_t.T)
    return ranks


def rank_intervals(draws: np.ndarray, point_rank: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed ``level`` interval of each application's rank.

    Parameters
    ----------
    draws : ndarray of shape (n_apps, n_draws)
        Plausible scores (posterior or sampling draws).
    point_rank : ndarray of int, shape (n_apps,)
        The ranks of the point estimates; each interval is widened to contain its
        point rank, so the interval always contains the reported rank.
    level : float in (0, 1)

    Returns
    -------
    ci_low, ci_high : ndarray of int, shape (n_apps,)
        1 <= ci_low <= point_rank <= ci_high <= n_apps.

    Examples
    --------
    >>> d = np.array([[10.0, 10.0, 10.0], [5.0, 5.0, 5.0]])
    >>> [a.tolist() for a in rank_intervals(d, np.array([1, 2]))]
    [[1, 2], [1, 2]]
    """
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    ranks = draw_ranks(draws)
    tail = (1.0 - level) / 2.0
    lo = np.quantile(ranks, tail, axis=1, method="lower").astype(np.int64)
    hi = np.quantile(ranks, 1.0 - tail, axis=1, method="higher").astype(np.int64)
    point_rank = np.asarray(point_rank, dtype=np.int64)
    return np.minimum(lo, point_rank), np.maximum(hi, point_rank)
