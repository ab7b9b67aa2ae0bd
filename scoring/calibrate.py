"""Expert-bias models: ``bias`` (regularised least squares), ``calibrated`` (empirical
Bayes + Huber) and ``affine`` (leniency and spread per expert).

The additive model is ``y = mu + q[app] + b[expert] + noise`` with ``q`` the
application's quality and ``b`` the expert's leniency. It is fitted by
minimising::

    sum_r w_r (y_r - mu - q[a_r] - b[e_r])**2 + lam_q * sum q**2 + lam_b * sum b**2

which is the posterior mode of a Gaussian model with ``lam = noise_var / prior_var``.
The ridge on ``b`` is what keeps an expert with one review from being
over-corrected, and it also settles the graph's connected components: the
optimum has ``sum(b) = 0`` within each component when ``lam_q = 0``, i.e.
leniencies are centred per component and applications of different components
are compared on their raw level. When the graph splits into parts or weakly
linked groups, each group's common level is modelled on top
(:mod:`scoring.offsets`): a part's level is then split evenly between its
experts' leniency and its applications' quality, and the intervals carry the
uncertainty of that split. The normal equations are solved by conjugate
gradients on the experts' Schur complement, so memory and time grow with the
number of reviews, not with the square of the number of experts.
"""

from __future__ import annotations

import numpy as np

from .aggregate import _Scorer
from .data import Reviews
from .linkage import Linkage, linkage
from .offsets import GroupOffsets, model_groups

HUBER_C = 2.0


def solve_crossed(
    rv: Reviews,
    y: np.ndarray | None,
    w: np.ndarray,
    lam_q: float | np.ndarray,
    lam_b: float | np.ndarray,
    *,
    extra_q: np.ndarray | float = 0.0,
    extra_b: np.ndarray | float = 0.0,
    tol: float = 1e-10,
    maxiter: int = 2000,
    sums: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the ridge-regularised two-way model for ``q`` and ``b``.

    Parameters
    ----------
    rv : Reviews
    y : ndarray of shape (n_reviews,) or (n_reviews, n_draws)
        Centred scores; several columns are solved at once.
    w : ndarray of shape (n_reviews,)
        Positive review weights.
    lam_q : float or ndarray of shape (n_apps,)
        Ridge on quality (0 allowed: quality unpenalised).
    lam_b : float or ndarray of shape (n_experts,)
        Ridge on leniency; must be > 0.
    extra_q, extra_b : ndarray, optional
        Added to the right-hand sides (prior means times ridge), broadcast like ``y``.
    sums : (ndarray, ndarray), optional
        Instead of ``y``: the weighted sums ``sum w*y`` per application and per expert.

    Returns
    -------
    q : ndarray of shape (n_apps,) or (n_apps, n_draws)
    b : ndarray of shape (n_experts,) or (n_experts, n_draws)
    """
    if sums is None:
        wy = w[:, None] * y if y.ndim == 2 else w * y
        sums = (rv.app_sum(wy), rv.expert_sum(wy))
    ra, re = sums[0] + extra_q, sums[1] + extra_b
    col = (lambda v: v[:, None]) if ra.ndim == 2 else (lambda v: v)
    dq = rv.app_sum(w) + lam_q
    db = rv.expert_sum(w) + lam_b
    dq_, db_ = col(dq), col(db)

    c, ct = rv.cross(w)

    def cmul(v):  # C v: experts -> apps
        return c @ v

    def ctmul(u):  # C' u: apps -> experts
        return ct @ u

    def smul(v):
        return db_ * v - ctmul(cmul(v) / dq_)

    diag = col(db - rv.expert_sum(w**2 / dq[rv.app]))
    diag = np.maximum(diag, 1e-12)
    rhs = re - ctmul(ra / dq_)
    x = np.zeros_like(rhs)
    r = rhs.copy()
    z = r / diag
    p = z.copy()
    rz = np.sum(r * z, axis=0)
    stop = tol * np.sqrt(np.sum(rhs**2, axis=0)) + 1e-300
    for _ in range(maxiter):
        solve_crossed.iterations += 1
        if np.all(np.sqrt(np.sum(r**2, axis=0)) <= stop):
            break
        sp = smul(p)
        psp = np.sum(p * sp, axis=0)
        alpha = np.divide(rz, psp, out=np.zeros_like(rz), where=psp > 0)
        x += alpha * p
        r -= alpha * sp
        z = r / diag
        rz_new = np.sum(r * z, axis=0)
        beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0)
        p = z + beta * p
        rz = rz_new
    b = x
    q = (ra - cmul(b)) / dq_
    return q, b


solve_crossed.iterations = 0  # CG iterations so far (for benchmarks)


def variance_components(rv: Reviews, y: np.ndarray, app_group: np.ndarray | None = None) -> tuple[float, float, float]:
    """Moment estimates of (noise, quality, leniency) variances.

    Within an application reviews differ by leniency and noise; within an expert
    by quality and noise; overall by all three::

        V_within_app    = noise + leniency
        V_within_expert = noise + quality
        V_total         = noise + quality + leniency

    Each estimate is floored at 2 % of the total variance so that every ridge
    stays finite. Experts with one review do not enter ``V_within_expert``.

    With ``app_group`` (the weakly linked groups, shape (n_apps,)) whole groups may
    differ in level (:mod:`scoring.offsets`), which ``V_total`` would take for
    noise; the noise is then the residual mean square of the plain two-way fit
    (:func:`residual_noise`), which group levels cannot reach, and quality and
    leniency are ``V_within_expert`` and ``V_within_app`` minus it.
    """
    vt = float(np.var(y)) if y.size > 1 else 1.0
    vt = max(vt, 1e-6)
    n_a, n_e = rv.app_count(), rv.expert_count()
    dev_a = y - (rv.app_sum(y) / np.maximum(n_a, 1))[rv.app]
    dev_e = y - (rv.expert_sum(y) / np.maximum(n_e, 1))[rv.expert]
    dof_a, dof_e = float(np.sum(np.maximum(n_a - 1, 0))), float(np.sum(np.maximum(n_e - 1, 0)))
    vw = float(np.sum(dev_a**2) / dof_a) if dof_a > 0 else vt / 2
    ve = float(np.sum(dev_e**2) / dof_e) if dof_e > 0 else vt / 2
    floor = 0.02 * vt
    noise = vw + ve - vt
    if app_group is not None:
        noise = residual_noise(rv, y, int(app_group.max()) + 1) or noise
        return max(noise, floor), max(ve - noise, floor), max(vw - noise, floor)
    return max(noise, floor), max(vt - vw, floor), max(vt - ve, floor)


def residual_noise(rv: Reviews, y: np.ndarray, n_parts: int) -> float | None:
    """Residual mean square of the unpenalised two-way fit ``y = q + b``.

    Degrees of freedom ``n_reviews - n_apps - n_experts + n_parts`` (an expert
    seen once leaves no residual); None when there are none left.
    """
    dof = rv.app.shape[0] - rv.n_apps - rv.n_experts + n_parts
    if dof < 1:
        return None
    yc = y - float(np.mean(y))
    q, b = solve_crossed(rv, yc, np.ones_like(yc), 1e-6, 1e-6, tol=1e-8)
    return float(np.sum((yc - q[rv.app] - b[rv.expert]) ** 2) / dof)


class BiasModel(_Scorer):
    """Least-squares quality + leniency with a fixed ridge on leniency.

    When the review graph falls into weakly linked groups or parts
    (:mod:`scoring.linkage`), each group also gets a common leniency and quality
    (:mod:`scoring.offsets`), so that the rank intervals carry how little the few
    shared experts say about one group against another.

    Parameters
    ----------
    alpha : float, default 2.0
        Ridge on each leniency, in review units: an expert's leniency is shrunk as
        if they had also given ``alpha`` reviews exactly at the consensus. A tiny
        alpha (e.g. 1e-4) is plain least squares with leniencies centred per
        connected component.
    group_offsets : bool, default True
        Model the groups' common levels; False gives the independent priors only
        (over-confident when fields differ; kept for comparison).

    Attributes
    ----------
    linkage_ : Linkage
        Parts and weakly linked groups of the graph.
    group_map_ : ndarray of int, shape (n_groups,), or None
        Model group of each linkage group (groups under ``MIN_GROUP`` applications
        share one); None when there is nothing to offset.
    offsets_ : GroupOffsets or None
        The groups' common levels (None with a single model group or ``group_offsets=False``).
    """

    corrects_experts = True

    def __init__(self, alpha: float = 2.0, group_offsets: bool = True):
        self.alpha = alpha
        self.group_offsets = group_offsets

    def fit(self, rv: Reviews, y: np.ndarray) -> BiasModel:
        w = np.ones_like(y, dtype=float)
        self._link(rv)
        noise, _, _ = variance_components(rv, y, self._groups)
        self._fit(rv, y.astype(float), w, lam_q=0.0, lam_b=float(self.alpha), mu=0.0, noise=noise)
        self.weight_ = w / rv.app_count()[rv.app]
        return self

    def _link(self, rv: Reviews) -> None:
        self.linkage_: Linkage = linkage(rv)
        self.group_map_ = model_groups(self.linkage_) if self.group_offsets else None
        self._groups = None if self.group_map_ is None else self.group_map_[self.linkage_.app_group]

    def _fit(self, rv, y, w, *, lam_q, lam_b, mu, noise, prior_q=None, prior_b=None):
        self._rv, self._y, self._w = rv, y, w
        self._lam_q, self._lam_b, self._mu, self._noise = lam_q, lam_b, mu, noise
        self._prior_q, self._prior_b = prior_q, prior_b
        q, b = solve_crossed(rv, y - mu, w, lam_q, lam_b)
        self.offsets_ = None
        if self._groups is not None:

            def solve(z):
                return solve_crossed(rv, z, w, lam_q, lam_b, tol=1e-8)

            scale = float(np.std(y)) or 1.0
            expert_groups = self.group_map_[self.linkage_.expert_group]
            self.offsets_ = GroupOffsets(self._groups, expert_groups).fit(rv, y - mu, w, solve, noise, scale)
            q = q + self.offsets_.shift_
            b = b + self.offsets_.leniency_shift_
        self.quality_, self.leniency_ = q, b
        self.score_ = mu + q
        self.spread_ = np.full(rv.n_experts, np.nan)
        self.adjusted_ = y - b[rv.expert]
        self.se_ = self._approx_se()
        # The normal equation of q, solved for the score: the weighted mean of the adjusted
        # reviews, shrunk by the ridge on quality towards the application's group level.
        total_w = rv.app_sum(w)
        self.robust_ = y
        self.share_ = w / total_w[rv.app]
        self.shrink_ = total_w / (total_w + lam_q)
        level = self.offsets_.level_ if self.offsets_ is not None else 0.0
        self.target_ = mu + np.broadcast_to(level, q.shape).astype(float)

    def _approx_se(self) -> np.ndarray:
        # Used only where a single number is wanted (draws use the joint posterior).
        dq = self._rv.app_sum(self._w) + self._lam_q
        return np.sqrt(self._noise / dq)

    def draw(self, rng: np.random.Generator, n_draws: int) -> np.ndarray:
        """Joint posterior draws of the scores, by perturbing data and priors and refitting.

        Perturb-and-MAP: for a linear Gaussian model the fit to perturbed data
        ``y + noise`` and perturbed prior means is an exact posterior draw, so the
        uncertainty of every leniency enters each application's draws.
        """
        rv, w, sd = self._rv, self._w, np.sqrt(self._noise)
        # By linearity a draw is the fit plus the solution for the perturbations alone:
        # data noise sd/sqrt(w) per review (weighted sums sqrt(w)*sd*eps per app and expert)
        # and prior noise on every quality and leniency.
        eps = rng.standard_normal((rv.app.shape[0], n_draws))
        eps *= (sd * np.sqrt(w))[:, None]
        sums = (rv.app_sum(eps), rv.expert_sum(eps))
        del eps
        lam_b = np.broadcast_to(np.asarray(self._lam_b, dtype=float), (rv.n_experts,))
        extra_b = np.sqrt(lam_b)[:, None] * sd * rng.standard_normal((rv.n_experts, n_draws))
        extra_q = 0.0
        lam_q = np.broadcast_to(np.asarray(self._lam_q, dtype=float), (rv.n_apps,))
        if np.any(lam_q > 0):
            extra_q = np.sqrt(lam_q)[:, None] * sd * rng.standard_normal((rv.n_apps, n_draws))
        # The perturbation is of the size of the posterior spread: 1e-3 relative is plenty.
        dq, _ = solve_crossed(rv, None, w, lam_q, lam_b, extra_q=extra_q, extra_b=extra_b, tol=1e-3, sums=sums)
        if self.offsets_ is not None:  # given the groups' levels the draw above is exact; add their spread
            dq += self.offsets_.draw(rng, n_draws)
        return self.score_[:, None] + dq


class CalibratedModel(BiasModel):
    """Empirical-Bayes bias model, robust to careless extreme scores (the default).

    Quality and leniency get Gaussian priors whose variances, and the noise
    variance, are estimated from the data (:func:`variance_components`); so the
    amount of correction adapts to how much the experts really differ and how
    many reviews each one gave. Reviews that sit more than ``huber_c`` noise
    standard deviations from the fitted model are pulled to that bound
    (Huber's winsorised pseudo-observations, iterated ``n_iter`` times), so one
    careless 0 or 100 moves neither its application nor its expert's leniency
    much.

    Parameters
    ----------
    huber_c : float, default 2.0
        Clip residuals at this many noise SDs; ``np.inf`` disables robustness.
    n_iter : int, default 4
    """

    def __init__(self, huber_c: float = HUBER_C, n_iter: int = 4, group_offsets: bool = True):
        self.huber_c = huber_c
        self.n_iter = n_iter
        self.group_offsets = group_offsets

    def fit(self, rv: Reviews, y: np.ndarray) -> CalibratedModel:
        y = y.astype(float)
        w = np.ones_like(y)
        yy = y
        self._link(rv)
        for it in range(self.n_iter + 1):
            noise, tq, tb = variance_components(rv, yy, self._groups)
            mu = float(np.mean(yy))
            q, b = solve_crossed(rv, yy - mu, w, noise / tq, noise / tb)
            fitted = mu + q[rv.app] + b[rv.expert]
            if it == self.n_iter or not np.isfinite(self.huber_c):
                break
            bound = self.huber_c * np.sqrt(noise)
            yy = fitted + np.clip(y - fitted, -bound, bound)
        self.variances_ = {"noise": noise, "quality": tq, "leniency": tb}
        self._fit(rv, yy, w, lam_q=noise / tq, lam_b=noise / tb, mu=mu, noise=noise)
        resid = y - fitted
        bound = self.huber_c * np.sqrt(noise)
        self.weight_ = np.minimum(1.0, bound / np.maximum(np.abs(resid), 1e-12))
        self.adjusted_ = yy - self.leniency_[rv.expert]
        return self


class AffineModel(BiasModel):
    """Leniency and spread per expert: ``y = mu + a[expert] + s[expert] * q[app] + noise``.

    ``a`` has the empirical-Bayes prior of :class:`CalibratedModel`; ``s`` has a
    Gaussian prior around 1 with standard deviation ``spread_sd``, so an expert
    with few reviews keeps a spread near 1. Fitted by alternating an exact
    solve for ``(q, a/s)`` given ``s`` with a per-expert 2x2 ridge regression
    for ``(a, s)`` given ``q``; the input is first made robust by the same
    winsorising as :class:`CalibratedModel` (``huber_c=np.inf`` turns it off).

    Parameters
    ----------
    spread_sd : float, default 0.25
    huber_c : float, default 2.0
    n_iter : int, default 15
    """

    def __init__(self, spread_sd: float = 0.25, huber_c: float = HUBER_C, n_iter: int = 15, group_offsets: bool = True):
        self.spread_sd = spread_sd
        self.huber_c = huber_c
        self.n_iter = n_iter
        self.group_offsets = group_offsets

    def fit(self, rv: Reviews, y: np.ndarray) -> AffineModel:
        base = CalibratedModel(huber_c=self.huber_c, group_offsets=self.group_offsets).fit(rv, y)
        self.linkage_, self._groups, self.group_map_ = base.linkage_, base._groups, base.group_map_
        yy = base._y
        noise, tq, tb = (base.variances_[k] for k in ("noise", "quality", "leniency"))
        lam_q, lam_a, lam_s = noise / tq, noise / tb, noise / self.spread_sd**2
        mu = base._mu
        s = np.ones(rv.n_experts)
        m = rv.expert_count().astype(float)
        for _ in range(self.n_iter):
            w = s[rv.expert] ** 2
            yt = (yy - mu) / s[rv.expert]
            q, _ = solve_crossed(rv, yt, w, lam_q, lam_a * s**2, tol=1e-8)
            # (a, s) given q: per-expert ridge regression of (y - mu) on [1, q].
            qr, d = q[rv.app], yy - mu
            sq, sqq = rv.expert_sum(qr), rv.expert_sum(qr**2)
            a11, a12, a22 = m + lam_a, sq, sqq + lam_s
            r1, r2 = rv.expert_sum(d), rv.expert_sum(d * qr) + lam_s
            det = a11 * a22 - a12**2
            s_new = np.clip((a11 * r2 - a12 * r1) / det, 0.2, 5.0)
            done = np.max(np.abs(s_new - s)) < 1e-6
            s = s_new
            if done:
                break
        w = s[rv.expert] ** 2
        yt = (yy - mu) / s[rv.expert]
        self._fit(rv, yt + mu, w, lam_q=lam_q, lam_b=lam_a * s**2, mu=mu, noise=noise)
        self.variances_ = base.variances_
        self.leniency_ = self.leniency_ * s  # the solve's leniency is a / s
        self.spread_ = s
        self.adjusted_ = mu + (yy - mu - self.leniency_[rv.expert]) / s[rv.expert]
        self.robust_ = yy
        self.weight_ = base.weight_
        return self
