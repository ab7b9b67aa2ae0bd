"""Group offsets: the common level of weakly linked groups, and how well it is known.

The bias models give every expert a leniency ``b`` and every application a quality
``q`` with independent priors. When experts stay inside their field, a whole field
can be more lenient (or its applications better) than another, and only the few
experts shared between fields tell the two apart. The independent priors do not
know this and are over-confident about each group's common level; the rank
intervals then cover the truth far less often than they claim.

This module adds, per weakly linked group ``g`` (:mod:`scoring.linkage`), a group
leniency ``theta_g`` shared by the group's experts and a group quality ``psi_g``
shared by its applications, both ``N(0, s)``, plus a free overall level::

    y = mu + c + psi[group(app)] + theta[group(expert)] + q' + b' + noise

Integrating ``q'`` and ``b'`` out leaves a small Gaussian problem in
``phi = (c, theta, psi)`` whose information matrix needs only ridge solves of the
bias model (``V^-1 z`` is the residual of the ridge fit of ``z`` over the noise
variance). ``s`` gets a flat prior on its square root over a grid and is integrated
out; giving leniency and quality the same prior variance is what keeps the
intervals calibrated when a part shares no expert at all (its level is then split
evenly between the two, and the error of that split has exactly the variance the
posterior reports, whatever the true split). The scores become the posterior mean;
draws add the posterior spread of ``phi``.
"""

from __future__ import annotations

import numpy as np

from .data import Reviews
from .linkage import MIN_GROUP, Linkage

N_GRID = 40


def model_groups(link: Linkage) -> np.ndarray | None:
    """Group of each :class:`Linkage` group in the offsets model, or None for no model.

    Groups of fewer than ``MIN_GROUP`` applications (small parts, e.g. an application
    whose experts scored nothing else) have no level of their own to speak of: they
    share one model group. With a single model group there is nothing to offset.
    """
    sizes = np.bincount(link.app_group)
    big = sizes >= MIN_GROUP
    n_model = int(big.sum()) + int((~big).any())
    if n_model < 2:
        return None
    return np.where(big, np.cumsum(big) - 1, int(big.sum()))


class GroupOffsets:
    """Posterior of the group offsets for one fitted bias model.

    Attributes (after :meth:`fit`)
    ------------------------------
    shift_ : ndarray of shape (n_apps,)
        Added to the model's scores (posterior mean of the offsets' effect).
    leniency_shift_ : ndarray of shape (n_experts,)
        Added to the experts' leniencies.
    level_ : ndarray of shape (n_apps,)
        Posterior mean of the common quality level of each application's group
        (overall level plus group quality) against the model's ``mu``: what an
        application's score is shrunk towards instead of ``mu`` alone.
    offset_sd_ : ndarray of shape (n_groups,)
        Posterior SD of each group's common level (its quality offset and its
        leniency offset as they move its applications' scores), in points,
        relative to the rest of the round.
    group_sd_ : float
        Posterior mean of ``sqrt(s)``, the spread of group levels, in points.
    """

    def __init__(self, app_group: np.ndarray, expert_group: np.ndarray):
        self.app_group, self.expert_group = app_group, expert_group

    def fit(self, rv: Reviews, centred: np.ndarray, w: np.ndarray, solve, noise: float, scale: float) -> GroupOffsets:
        """Fit from the residuals of the bias model.

        Parameters
        ----------
        rv : Reviews
        centred : ndarray of shape (n_reviews,)
            The data the model was fitted to, minus its overall level ``mu``.
        w : ndarray of shape (n_reviews,)
            Review weights of the fit.
        solve : callable
            ``solve(z) -> (q, b)``: the model's ridge solve for data columns ``z`` of
            shape (n_reviews, m).
        noise : float
            Noise variance of the model.
        scale : float
            Largest plausible SD of group levels (the grid's upper end), in points.
        """
        ga, ge = self.app_group, self.expert_group
        k = int(ga.max()) + 1
        n_r = rv.app.shape[0]
        # Columns of phi: overall level, group leniency (by expert), group quality (by app).
        z = np.zeros((n_r, 1 + 2 * k))
        z[:, 0] = 1.0
        z[np.arange(n_r), 1 + ge[rv.expert]] = 1.0
        z[np.arange(n_r), 1 + k + ga[rv.app]] = 1.0
        qz, bz = solve(z)
        vinv_z = w[:, None] * (z - qz[rv.app] - bz[rv.expert]) / noise
        info = z.T @ vinv_z
        info = (info + info.T) / 2.0
        u = vinv_z.T @ centred
        # Effect of phi on the scores: the level and psi are quality, and the refit moves q'.
        qual = np.zeros((rv.n_apps, 1 + 2 * k))
        qual[:, 0] = 1.0
        qual[np.arange(rv.n_apps), 1 + k + ga] = 1.0
        self._effect = qual - qz
        lenz = np.zeros((rv.n_experts, 1 + 2 * k))
        lenz[np.arange(rv.n_experts), 1 + ge] = 1.0
        self._len_effect = lenz - bz
        eps = 1e-9 * max(float(np.max(np.diag(info))), 1e-12)
        sds = scale * (np.arange(N_GRID) + 0.5) / N_GRID
        logl, means, chols = np.empty(N_GRID), [], []
        for i, sd in enumerate(sds):
            prec = info.copy()
            prec[np.diag_indices_from(prec)] += np.r_[eps, np.full(2 * k, 1.0 / sd**2)]
            ch = np.linalg.cholesky(prec)
            half = np.linalg.solve(ch, u)
            logl[i] = -2 * k * np.log(sd) - np.sum(np.log(np.diag(ch))) + 0.5 * half @ half
            means.append(np.linalg.solve(ch.T, half))
            chols.append(ch)
        post = np.exp(logl - logl.max())
        post /= post.sum()
        self._post, self._means, self._chols = post, np.array(means), chols
        mean = post @ self._means
        self._mean = mean
        self.shift_ = self._effect @ mean
        self.leniency_shift_ = self._len_effect @ mean
        self.level_ = qual @ mean
        self.group_sd_ = float(post @ sds)
        # SD of each group's level against the round: the variance of the mean shift of
        # its applications minus the round's mean shift, under the posterior mixture.
        cov = sum(
            p * (np.linalg.inv(c @ c.T) + np.outer(m - mean, m - mean))
            for p, c, m in zip(post, chols, means, strict=True)
        )
        avg = np.zeros((k, rv.n_apps))
        avg[ga, np.arange(rv.n_apps)] = 1.0
        avg /= avg.sum(axis=1, keepdims=True)
        avg -= 1.0 / rv.n_apps
        g_eff = avg @ self._effect
        self.offset_sd_ = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", g_eff, cov, g_eff), 0.0))
        return self

    def draw(self, rng: np.random.Generator, n_draws: int) -> np.ndarray:
        """Draws of the offsets' effect on the scores minus its mean, shape (n_apps, n_draws)."""
        pick = rng.choice(self._post.size, size=n_draws, p=self._post)
        m = self._mean.size
        phi = np.empty((m, n_draws))
        for i in np.unique(pick):
            cols = np.flatnonzero(pick == i)
            zz = rng.standard_normal((m, cols.size))
            phi[:, cols] = self._means[i][:, None] + np.linalg.solve(self._chols[i].T, zz)
        return self._effect @ (phi - self._mean[:, None])
