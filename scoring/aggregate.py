"""Per-application aggregates that do not model the experts: mean, trimmed, median, zscore.

Every scorer follows the same small protocol (scikit-learn style): options in
``__init__``, data in ``fit(rv, y)``, learned values end in ``_``:

``score_`` : ndarray of shape (n_apps,)
    The application's score on the 0–100 scale (higher is better).
``se_`` : ndarray of shape (n_apps,)
    Standard error of ``score_`` as an estimate of the application's quality.
``leniency_``, ``spread_`` : ndarray of shape (n_experts,)
    Estimated additive leniency (points) and multiplicative spread per expert;
    NaN when the method does not estimate them.
``adjusted_`` : ndarray of shape (n_reviews,)
    Each review's score after the method's correction (the raw total for
    methods that do not correct).
``weight_`` : ndarray of shape (n_reviews,)
    Weight of each review in ``score_`` (0 for a dropped review).
``robust_``, ``share_`` : ndarray of shape (n_reviews,)
    The composition of ``score_`` (:mod:`scoring.composition`): each review's total
    after robust clipping (the raw total when nothing is clipped), and its share in
    the application's weighted mean of ``adjusted_`` (shares sum to 1 per application).
``shrink_``, ``target_`` : ndarray of shape (n_apps,)
    ``score_ = target_ + shrink_ * (sum(share_ * adjusted_) - target_)``: how much of
    the weighted mean is kept (1 = all) and the level it is shrunk towards.

``draw(rng, n_draws)`` returns plausible scores of shape (n_apps, n_draws) for
the rank intervals.
"""

from __future__ import annotations

import numpy as np

from .data import Reviews

# Standard error of the median of n normal draws relative to the mean's (large-n value).
MEDIAN_SE_FACTOR = float(np.sqrt(np.pi / 2))
# Same for the mean of the middle n-2 of n normal draws (n = 5: 1.07; small effect).
TRIMMED_SE_FACTOR = 1.07


def pooled_within_var(rv: Reviews, y: np.ndarray) -> float:
    """Pooled variance of reviews around their application's mean.

    Measures expert leniency differences plus noise. Falls back to the overall
    variance (or 1.0) when no application has two reviews.
    """
    n = rv.app_count()
    mean = rv.app_sum(y) / n
    dev = y - mean[rv.app]
    dof = float(np.sum(n - 1))
    if dof > 0:
        v = float(np.sum(dev**2) / dof)
    elif y.size > 1:
        v = float(np.var(y, ddof=1))
    else:
        v = 1.0
    return max(v, 1e-6)


class _Scorer:
    """Shared parts: Gaussian draws from ``score_`` and ``se_``."""

    corrects_experts = False

    def draw(self, rng: np.random.Generator, n_draws: int) -> np.ndarray:
        z = rng.standard_normal((self.score_.shape[0], n_draws))
        return self.score_[:, None] + self.se_[:, None] * z

    def _no_experts(self, rv: Reviews) -> None:
        self.leniency_ = np.full(rv.n_experts, np.nan)
        self.spread_ = np.full(rv.n_experts, np.nan)

    def _plain_composition(self, y: np.ndarray) -> None:
        """The score is the weighted mean of the adjusted reviews itself: nothing clipped or shrunk."""
        self.robust_ = np.asarray(y, dtype=float).copy()
        self.share_ = self.weight_
        self.shrink_ = np.ones_like(self.score_)
        self.target_ = self.score_.copy()


class MeanScorer(_Scorer):
    """Plain mean of each application's totals."""

    def fit(self, rv: Reviews, y: np.ndarray) -> MeanScorer:
        n = rv.app_count()
        self.score_ = rv.app_sum(y) / n
        self.se_ = np.sqrt(pooled_within_var(rv, y) / n)
        self.adjusted_ = y.astype(float).copy()
        self.weight_ = 1.0 / n[rv.app]
        self._no_experts(rv)
        self._plain_composition(y)
        return self


def _rank_in_app(rv: Reviews, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each review within its application when sorted by score.

    Equal scores are ordered by expert index (stable), so the result is deterministic.
    Returns ``(pos, n)`` with pos in 0..n-1 and n the application's review count.
    """
    order = np.lexsort((rv.expert, y, rv.app))
    n = rv.app_count()
    pos = np.empty(y.shape[0], dtype=np.intp)
    pos[order] = np.arange(y.shape[0]) - rv.app_starts[rv.app[order]]
    return pos, n[rv.app]


class TrimmedScorer(_Scorer):
    """Mean after dropping one highest and one lowest total (去掉一个最高分和一个最低分).

    With fewer than ``min_reviews`` (default 3) reviews nothing is dropped and the
    plain mean is used: dropping two of two reviews would leave nothing.

    Examples
    --------
    >>> from scoring.data import Reviews
    >>> rv = Reviews.build([0, 0, 0, 0, 1, 1], [0, 1, 2, 3, 0, 1], 2, 4)
    >>> TrimmedScorer().fit(rv, np.array([60., 70, 80, 100, 50, 70])).score_.tolist()
    [75.0, 60.0]
    """

    def __init__(self, min_reviews: int = 3):
        self.min_reviews = min_reviews

    def fit(self, rv: Reviews, y: np.ndarray) -> TrimmedScorer:
        pos, n = _rank_in_app(rv, y)
        keep = (n < self.min_reviews) | ((pos > 0) & (pos < n - 1))
        k = rv.app_sum(keep.astype(float))
        self.score_ = rv.app_sum(np.where(keep, y, 0.0)) / k
        self.se_ = TRIMMED_SE_FACTOR * np.sqrt(pooled_within_var(rv, y) / rv.app_count())
        self.adjusted_ = y.astype(float).copy()
        self.weight_ = np.where(keep, 1.0 / k[rv.app], 0.0)
        self._no_experts(rv)
        self._plain_composition(y)
        return self


class MedianScorer(_Scorer):
    """Median of each application's totals (mean of the two middle ones for even counts)."""

    def fit(self, rv: Reviews, y: np.ndarray) -> MedianScorer:
        pos, n = _rank_in_app(rv, y)
        mid = ((pos == (n - 1) // 2) | (pos == n // 2)).astype(float)
        k = rv.app_sum(mid)
        self.score_ = rv.app_sum(mid * y) / k
        self.se_ = MEDIAN_SE_FACTOR * np.sqrt(pooled_within_var(rv, y) / rv.app_count())
        self.adjusted_ = y.astype(float).copy()
        self.weight_ = mid / k[rv.app]
        self._no_experts(rv)
        self._plain_composition(y)
        return self


class ZScoreScorer(_Scorer):
    """Mean of per-expert standardised scores, mapped back to the points scale.

    Each expert's totals are standardised by that expert's own mean and standard
    deviation; the application's score is ``grand_mean + grand_sd * mean(z)``.
    An expert with a single review, or with all totals equal, carries no
    information on this scale: their z is 0 (they neither raise nor lower).
    Nothing is shrunk, which is why this method suffers when experts score few
    applications.
    """

    corrects_experts = True

    def fit(self, rv: Reviews, y: np.ndarray) -> ZScoreScorer:
        m = rv.expert_count()
        mu_e = rv.expert_sum(y) / np.maximum(m, 1)
        dev = y - mu_e[rv.expert]
        var_e = rv.expert_sum(dev**2) / np.maximum(m - 1, 1)
        sd_e = np.sqrt(var_e)
        ok = (m >= 2) & (sd_e > 1e-9)
        z = np.where(ok[rv.expert], dev / np.where(ok, sd_e, 1.0)[rv.expert], 0.0)
        grand, gsd = float(np.mean(y)), float(np.std(y)) or 1.0
        n = rv.app_count()
        self.score_ = grand + gsd * rv.app_sum(z) / n
        resid = z - (rv.app_sum(z) / n)[rv.app]
        dof = float(np.sum(n - 1))
        zvar = float(np.sum(resid**2) / dof) if dof > 0 else 1.0
        self.se_ = gsd * np.sqrt(max(zvar, 1e-6) / n)
        self.adjusted_ = grand + gsd * z
        self.weight_ = 1.0 / n[rv.app]
        self.leniency_ = np.where(m >= 2, mu_e - grand, np.nan)
        self.spread_ = np.where(ok, sd_e / gsd, np.nan)
        self._plain_composition(y)
        return self
