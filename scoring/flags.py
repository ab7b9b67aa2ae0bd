"""Disagreement, too-few-reviews and outlier-expert flags.

Flags look at the raw totals only, so they are the same whichever ranking
method is used. Each review gets a *peer z*: its distance from the median of the
other reviews of the same application, in units of a robust pooled scale
(1.4826 x the median absolute peer distance over all applications)::

    z_r = (y_r - median(other reviews of the app)) / scale
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Reviews

SPREAD = "spread"  # one or more totals far from the application's other totals
SPLIT = "split"  # experts split between 推荐 and 不推荐
FEW_REVIEWS = "few_reviews"  # fewer reviews than required
EXTREME = "extreme"  # expert flag: gave at least one score far from their peers
SYSTEMATIC = "systematic"  # expert flag: consistently far above or below their peers


@dataclass(frozen=True)
class FlagOptions:
    """Thresholds of the flags.

    Parameters
    ----------
    spread_z : float
        An application is flagged ``spread`` when one of its totals has
        ``|peer z| >= spread_z``.
    split_share : float
        Flagged ``split`` when the minority of 推荐/不推荐 votes is at least
        ``max(1, ceil(split_share * votes))`` (5 votes: a 3-2 split).
    min_reviews : int
        Flagged ``few_reviews`` below this many reviews.
    extreme_z : float
        An expert is flagged ``extreme`` with a review at ``|peer z| >= extreme_z``.
    systematic_z : float
        Flagged ``systematic`` when ``|mean peer z| * sqrt(m) >= systematic_z``
        over ``m >= 3`` reviews.
    min_scale : float
        Floor of the pooled scale, in points.
    """

    spread_z: float = 2.5
    split_share: float = 0.3
    min_reviews: int = 3
    extreme_z: float = 4.0
    systematic_z: float = 4.0
    min_scale: float = 1.0


def peer_z(rv: Reviews, y: np.ndarray, min_scale: float = 1.0) -> np.ndarray:
    """Robust z of each review against the other reviews of its application.

    Parameters
    ----------
    rv : Reviews
    y : ndarray of shape (n_reviews,)

    Returns
    -------
    z : ndarray of shape (n_reviews,)
        0 for an application's only review.
    """
    order = np.lexsort((rv.expert, y, rv.app))
    ys = y[order]
    n_all = rv.app_count()
    start = rv.app_starts[rv.app[order]]
    n = n_all[rv.app[order]]
    p = np.arange(y.shape[0]) - start

    def other(k):  # k-th smallest of the others (k in 0..n-2)
        k = np.maximum(k, 0)
        return ys[np.minimum(start + k + (k >= p), y.shape[0] - 1)]

    med = 0.5 * (other((n - 2) // 2) + other((n - 1) // 2))
    dist = np.where(n >= 2, ys - med, 0.0)
    pool = np.abs(dist[n >= 3]) if np.any(n >= 3) else np.abs(dist[n >= 2])
    scale = 1.4826 * float(np.median(pool)) if pool.size else min_scale
    scale = max(scale, min_scale)
    z = np.empty_like(dist)
    z[order] = dist / scale
    return z


def app_flags(
    rv: Reviews, z: np.ndarray, recommend: np.ndarray, opts: FlagOptions
) -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
    """Flags per application.

    Returns
    -------
    disagree : ndarray of bool, shape (n_apps,)
        ``spread`` or ``split``: strong disagreement between its experts.
    codes : tuple of tuple of str, length n_apps
    """
    n = rv.app_count()
    maxz = np.zeros(rv.n_apps)
    np.maximum.at(maxz, rv.app, np.abs(z))
    spread = (n >= 2) & (maxz >= opts.spread_z)
    voted = ~np.isnan(recommend)
    yes = rv.app_sum(np.where(voted, recommend, 0.0))
    votes = rv.app_sum(voted.astype(float))
    minority = np.minimum(yes, votes - yes)
    need = np.maximum(1.0, np.ceil(opts.split_share * votes - 1e-9))
    split = (votes >= 2) & (minority >= need)
    few = n < opts.min_reviews
    codes = tuple(
        tuple(c for c, on in ((SPREAD, spread[i]), (SPLIT, split[i]), (FEW_REVIEWS, few[i])) if on)
        for i in range(rv.n_apps)
    )
    return spread | split, codes


def expert_flags(rv: Reviews, z: np.ndarray, opts: FlagOptions) -> tuple[tuple[str, ...], ...]:
    """Flags per expert: ``extreme`` and/or ``systematic`` (see :class:`FlagOptions`)."""
    m = rv.expert_count()
    maxz = np.zeros(rv.n_experts)
    np.maximum.at(maxz, rv.expert, np.abs(z))
    sumz = rv.expert_sum(z)
    extreme = maxz >= opts.extreme_z
    systematic = (m >= 3) & (np.abs(sumz) / np.sqrt(np.maximum(m, 1)) >= opts.systematic_z)
    return tuple(
        tuple(c for c, on in ((EXTREME, extreme[j]), (SYSTEMATIC, systematic[j])) if on) for j in range(rv.n_experts)
    )
