"""Property tests (hypothesis) of the ranking methods."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import METHODS, ScoreTable, rank_scores
from scoring.calibrate import BiasModel
from scoring.data import Reviews, components
from scoring.ranking import rank

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def connected_design(draw, min_apps=3, max_apps=12):
    """A connected review design: each app reviewed by 2-5 of a pool of experts.

    Apps are chained (app i shares an expert with app i+1), so the graph is connected.
    Scores are continuous (no ties) in [0, 100].
    """
    n_apps = draw(st.integers(min_apps, max_apps))
    n_experts = draw(st.integers(3, 10))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    pairs = set()
    for i in range(n_apps):
        k = int(rng.integers(2, min(5, n_experts) + 1))
        for e in rng.choice(n_experts, size=k, replace=False):
            pairs.add((i, int(e)))
        if i + 1 < n_apps:  # chain link
            e = int(rng.integers(n_experts))
            pairs.add((i, e))
            pairs.add((i + 1, e))
    pairs = sorted(pairs)
    app = np.array([p[0] for p in pairs])
    expert = np.unique(np.array([p[1] for p in pairs]), return_inverse=True)[1]
    total = rng.uniform(20, 80, size=len(pairs))
    return app, expert, total, rng


def table_of(app, expert, total, **kw):
    return ScoreTable.from_records([f"A{a:03d}" for a in app], [f"E{e:03d}" for e in expert], np.round(total, 6), **kw)


@SETTINGS
@given(connected_design(), st.floats(-15, 15), st.data())
def test_shift_of_one_expert_leaves_least_squares_ranking_unchanged(design, shift, data):
    """Plain least squares (alpha -> 0) is exactly invariant to an expert's constant leniency."""
    app, expert, total, _ = design
    j = data.draw(st.sampled_from(sorted(set(expert.tolist()))))
    rv = Reviews.build(app, expert, app.max() + 1, expert.max() + 1)
    assert components(rv)[0].max() == 0
    model = BiasModel(alpha=1e-9)
    before = model.fit(rv, total).score_.copy()
    after = model.fit(rv, total + np.where(expert == j, shift, 0.0)).score_
    # all scores move by the same amount (the re-centred leniency), so no rank changes
    np.testing.assert_allclose(after - before, (after - before).mean(), atol=1e-6)
    assert np.array_equal(rank(np.round(before, 6), "ordinal"), rank(np.round(after, 6), "ordinal"))


@SETTINGS
@given(connected_design(min_apps=6), st.sampled_from([-10.0, 10.0]))
def test_shift_of_one_expert_moves_regularised_bias_little(design, shift):
    """With the ridge, a little of a shift leaks into the expert's applications.

    The leniency absorbs about ``shift * m' / (m' + alpha)`` with ``m' = m (1 - 1/n) >= m / 2``
    for n >= 2 reviews per application; only the rest can move one application against another.
    """
    app, expert, total, _ = design
    rv = Reviews.build(app, expert, app.max() + 1, expert.max() + 1)
    j = int(np.argmax(rv.expert_count()))
    m = rv.expert_count()[j]
    model = BiasModel(alpha=2.0)
    before = model.fit(rv, total).score_.copy()
    after = model.fit(rv, total + np.where(expert == j, shift, 0.0)).score_
    moved = after - before
    assert moved.max() - moved.min() <= abs(shift) * 2.0 / (m / 2 + 2.0) + 1e-6


@SETTINGS
@given(connected_design(), st.sampled_from(sorted(METHODS)), st.integers(0, 2**31 - 1))
def test_permuting_rows_changes_nothing(design, method, perm_seed):
    app, expert, total, rng = design
    rec = rng.integers(0, 2, size=app.size).astype(float)
    crit = np.c_[total * 0.4, total * 0.6]
    kw = dict(criteria=crit, criterion_names=["a", "b"], recommend=rec)
    r1 = rank_scores(table_of(app, expert, total, **kw), method, seed=3, n_draws=50)
    p = np.random.default_rng(perm_seed).permutation(app.size)
    kw2 = dict(criteria=crit[p], criterion_names=["a", "b"], recommend=rec[p])
    r2 = rank_scores(table_of(app[p], expert[p], total[p], **kw2), method, seed=3, n_draws=50)
    for name in ("score", "rank", "ci_low", "ci_high", "flag", "criterion_scores", "leniency", "adjusted"):
        np.testing.assert_array_equal(getattr(r1, name), getattr(r2, name), err_msg=name)
    assert r1.app_flags == r2.app_flags and r1.expert_flags == r2.expert_flags


@SETTINGS
@given(
    st.integers(3, 10),
    st.integers(3, 7),
    st.integers(0, 2**31 - 1),
    st.sampled_from(sorted(METHODS)),
)
def test_noise_free_scores_recover_true_order(n_apps, n_experts, seed, method):
    """Every expert scores every application: total = quality + leniency, no noise."""
    rng = np.random.default_rng(seed)
    quality = rng.permutation(np.linspace(40, 70, n_apps))
    leniency = rng.uniform(-10, 10, n_experts)
    app, expert = np.divmod(np.arange(n_apps * n_experts), n_experts)
    total = quality[app] + leniency[expert]
    r = rank_scores(table_of(app, expert, total), method, n_draws=20)
    assert np.array_equal(r.rank, rank(quality, "min"))


@SETTINGS
@given(connected_design(), st.integers(0, 2**31 - 1))
def test_noise_free_incomplete_design_bias_recovers_order(design, seed):
    """On any connected design, least squares recovers quality exactly from quality + leniency."""
    app, expert, _, _ = design
    rng = np.random.default_rng(seed)
    quality = rng.permutation(np.linspace(40, 70, app.max() + 1))
    leniency = rng.uniform(-10, 10, expert.max() + 1)
    total = quality[app] + leniency[expert]
    rv = Reviews.build(app, expert, app.max() + 1, expert.max() + 1)
    est = BiasModel(alpha=1e-9).fit(rv, total).score_
    assert np.array_equal(rank(np.round(est, 6), "ordinal"), rank(quality, "ordinal"))


@SETTINGS
@given(connected_design(), st.sampled_from(sorted(METHODS)), st.integers(0, 1000), st.floats(0.5, 0.99))
def test_intervals_contain_point_estimate(design, method, seed, level):
    app, expert, total, _ = design
    r = rank_scores(table_of(app, expert, total), method, seed=seed, level=level, n_draws=40)
    assert np.all(r.ci_low <= r.rank) and np.all(r.rank <= r.ci_high)
    assert np.all(r.ci_low >= 1) and np.all(r.ci_high <= r.score.size)


@SETTINGS
@given(connected_design(), st.sampled_from(sorted(METHODS)))
def test_same_seed_same_result(design, method):
    app, expert, total, _ = design
    t = table_of(app, expert, total)
    a, b = rank_scores(t, method, seed=11, n_draws=30), rank_scores(t, method, seed=11, n_draws=30)
    for name in ("score", "rank", "ci_low", "ci_high"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
