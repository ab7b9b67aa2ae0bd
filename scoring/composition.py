"""How an application's score is composed from its reviews, in figures that add up.

Every method's score has the same shape::

    score = target + shrink * (sum(share * adjusted) - target)

- ``adjusted`` is each review after the method's correction of its expert:
  ``robust - leniency`` for ``calibrated`` and ``bias`` (``robust`` is the total
  after Huber clipping, the raw total when nothing is clipped);
  ``mu + (robust - mu - leniency) / spread`` for ``affine``;
  ``mu + sd * (total - expert mean) / expert sd`` for ``zscore`` (the expert's
  scale, not a subtraction); the raw total for ``mean``, ``trimmed``, ``median``.
- ``share`` is the review's share in the weighted mean (1/n for a plain mean, 0
  for a review the trimmed mean drops, ``spread**2`` normalised for ``affine``).
- ``shrink`` (``n / (n + lambda)`` with the ridge ``lambda`` on quality) and
  ``target`` (the round's level ``mu`` plus the application's group level,
  :mod:`scoring.offsets`) are the empirical-Bayes shrinkage of ``calibrated`` and
  ``affine``; every other method keeps the whole mean (``shrink = 1``).

The identity is exact up to the solver's tolerance (well under 0.001 points);
:meth:`Composition.recomputed` redoes the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# How each method turns a review into its adjusted score (see the module docstring).
CORRECTION = {
    "calibrated": "leniency",
    "bias": "leniency",
    "affine": "leniency_spread",
    "zscore": "standardised",
    "mean": "none",
    "trimmed": "none",
    "median": "none",
}


@dataclass(frozen=True)
class SheetPart:
    """One review's part in its application's score."""

    expert_id: str
    total: float  # as the expert gave it
    robust: float  # after robust clipping (= total when not clipped)
    leniency: float  # the expert's leniency in points; NaN if the method has none
    spread: float  # the expert's spread (1 = average); NaN if the method has none
    adjusted: float
    share: float  # in the weighted mean of the adjusted reviews


@dataclass(frozen=True)
class Composition:
    """The figures that make one application's score (see the module docstring)."""

    app_id: str
    method: str
    correction: str  # a key of CORRECTION's values: how ``adjusted`` is made
    raw_mean: float
    adjusted_mean: float  # sum(share * adjusted)
    shrink: float
    target: float
    score: float
    sheets: tuple[SheetPart, ...]

    def recomputed(self) -> float:
        """The score from the parts: target + shrink * (sum(share * adjusted) - target)."""
        mean = sum(p.share * p.adjusted for p in self.sheets)
        return self.target + self.shrink * (mean - self.target)


def compose(ranking, app_id: str) -> Composition:
    """The :class:`Composition` of ``app_id`` in ``ranking`` (a :class:`~scoring.Ranking`)."""
    i = int(np.searchsorted(ranking.app_ids, app_id))
    if i >= ranking.app_ids.shape[0] or ranking.app_ids[i] != app_id:
        raise KeyError(app_id)
    t = ranking.table
    rows = np.flatnonzero(t.app == i)
    parts = tuple(
        SheetPart(
            expert_id=str(t.expert_ids[t.expert[r]]),
            total=float(t.total[r]),
            robust=float(ranking.robust[r]),
            leniency=float(ranking.leniency[t.expert[r]]),
            spread=float(ranking.spread[t.expert[r]]),
            adjusted=float(ranking.adjusted[r]),
            share=float(ranking.share[r]),
        )
        for r in rows
    )
    return Composition(
        app_id=app_id,
        method=ranking.method,
        correction=CORRECTION.get(ranking.method, "none"),
        raw_mean=float(ranking.raw_mean[i]),
        adjusted_mean=float(np.sum(ranking.share[rows] * ranking.adjusted[rows])),
        shrink=float(ranking.shrink[i]),
        target=float(ranking.target[i]),
        score=float(ranking.score[i]),
        sheets=parts,
    )
