"""Behaviour of the bias models, flags, criteria and explanations on small constructed cases."""

import numpy as np
import pytest

from scoring import FlagOptions, ScoreInputError, ScoreTable, rank_scores
from scoring.calibrate import BiasModel, CalibratedModel, solve_crossed
from scoring.data import Reviews, components


def two_components():
    # Component 0: apps 0-2, experts 0-2 (all pairs); component 1: apps 3-5, experts 3-5,
    # whose experts are 10 points more lenient.
    app, expert, y = [], [], []
    q = [70.0, 60.0, 50.0, 65.0, 55.0, 45.0]
    for i in range(6):
        for e in range(3):
            j = e + 3 * (i >= 3)
            app.append(i)
            expert.append(j)
            y.append(q[i] + (10.0 if j >= 3 else 0.0) + [-2.0, 0.0, 2.0][e])
    return np.array(app), np.array(expert), np.array(y)


def test_components_are_found():
    app, expert, _ = two_components()
    rv = Reviews.build(app, expert, 6, 6)
    a, e = components(rv)
    assert a.tolist() == [0, 0, 0, 1, 1, 1] and e.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("alpha", [1e-9, 2.0])
def test_bias_centres_leniency_per_component(alpha):
    app, expert, y = two_components()
    rv = Reviews.build(app, expert, 6, 6)
    m = BiasModel(alpha=alpha).fit(rv, y)
    assert np.all(np.isfinite(m.score_))
    np.testing.assert_allclose(m.leniency_[:3].sum(), 0.0, atol=1e-8)
    np.testing.assert_allclose(m.leniency_[3:].sum(), 0.0, atol=1e-8)
    # within each component the order is right; across, the raw level decides
    assert m.score_[0] > m.score_[1] > m.score_[2] and m.score_[3] > m.score_[4] > m.score_[5]


def test_calibrated_is_finite_on_components():
    app, expert, y = two_components()
    m = CalibratedModel().fit(Reviews.build(app, expert, 6, 6), y)
    assert np.all(np.isfinite(m.score_)) and np.all(np.isfinite(m.leniency_))


def test_solver_matches_dense_solution():
    rng = np.random.default_rng(1)
    app = np.repeat(np.arange(8), 3)
    expert = rng.integers(0, 5, size=24)
    keep = np.r_[True, (app[1:] != app[:-1]) | (expert[1:] != expert[:-1])]
    app, expert = app[keep], expert[keep]
    order = np.lexsort((expert, app))
    app, expert = app[order], expert[order]
    y = rng.normal(size=app.size)
    w = rng.uniform(0.5, 1.5, size=app.size)
    rv = Reviews.build(app, expert, 8, 5)
    q, b = solve_crossed(rv, y, w, 0.3, 1.7)
    x = np.zeros((app.size, 13))
    x[np.arange(app.size), app] = 1
    x[np.arange(app.size), 8 + expert] = 1
    a = x.T @ (w[:, None] * x) + np.diag([0.3] * 8 + [1.7] * 5)
    sol = np.linalg.solve(a, x.T @ (w * y))
    np.testing.assert_allclose(np.r_[q, b], sol, atol=1e-8)


def table(rows, **kw):
    a, e, t = zip(*rows, strict=True)
    return ScoreTable.from_records(a, e, t, **kw)


def test_calibrated_resists_one_careless_score():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(20):
        for j in rng.choice(12, size=5, replace=False):
            rows.append((f"A{i:02d}", f"E{j:02d}", 40.0 + 2.0 * i + rng.normal(0, 1.0)))
    clean = rank_scores(table(rows), "calibrated")
    rows[-1] = (rows[-1][0], rows[-1][1], 0.0)  # careless 0 on the best application
    dirty = rank_scores(table(rows), "calibrated")
    mean_dirty = rank_scores(table(rows), "mean")
    top = int(np.argmax(clean.score))
    assert dirty.rank[top] <= 2 < mean_dirty.rank[top]
    assert "spread" in dirty.app_flags[top] and dirty.flag[top]
    expert = rows[-1][1]
    j = int(np.searchsorted(dirty.expert_ids, expert))
    assert "extreme" in dirty.expert_flags[j]


def test_flags_split_and_few_reviews():
    rows = [
        ("A", "E1", 80),
        ("A", "E2", 82),
        ("A", "E3", 81),
        ("B", "E1", 70),
        ("B", "E2", 71),
        ("C", "E1", 60),
        ("C", "E2", 61),
        ("C", "E3", 62),
    ]
    rec = [1, 1, 1, 1, 0, 1, 0, 0]
    r = rank_scores(table(rows, recommend=rec), "mean")
    flags = dict(zip(r.app_ids.tolist(), r.app_flags, strict=True))
    assert flags["A"] == ()
    assert flags["B"] == ("split", "few_reviews")
    assert flags["C"] == ("split",)
    assert r.flag.tolist() == [False, True, True]
    r2 = rank_scores(table(rows, recommend=rec), "mean", flag_options=FlagOptions(split_share=0.5))
    assert r2.app_flags[2] == ()


def test_explain_and_rows():
    rows = [("A", "E1", 80), ("A", "E2", 90), ("B", "E1", 60), ("B", "E2", 75), ("C", "E2", 88)]
    crit = [[40, 40], [45, 45], [30, 30], [35, 40], [44, np.nan]]
    r = rank_scores(table(rows, criteria=crit, criterion_names=["x", "y"]), "bias")
    ex = r.explain("B")
    assert [line.expert_id for line in ex.reviews] == ["E1", "E2"]
    assert [line.total for line in ex.reviews] == [60.0, 75.0]
    for line in ex.reviews:
        assert line.adjusted == pytest.approx(line.total - line.leniency)
    assert ex.score == pytest.approx(np.mean([line.adjusted for line in ex.reviews]))
    out = r.rows()
    assert [row.rank for row in out] == sorted(row.rank for row in out)
    assert dict(out[0].criteria).keys() == {"x", "y"}
    c = r.criterion_scores[list(r.app_ids).index("C")]
    assert np.isfinite(c[0]) and np.isnan(c[1])
    with pytest.raises(KeyError):
        r.explain("Z")
    with pytest.raises(ValueError):
        r.score[0] = 1.0  # read-only


def test_mean_explain_has_no_leniency():
    r = rank_scores(table([("A", "E1", 80), ("A", "E2", 90)]), "mean")
    line = r.explain("A").reviews[0]
    assert np.isnan(line.leniency) and line.adjusted == 80.0


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ([("A", "E1", 101)], "outside 0-100"),
        ([("A", "E1", 50), ("A", "E1", 60)], "duplicate review"),
        ([("A", "E1", float("nan"))], "not a number"),
        ([], "empty"),
    ],
)
def test_library_validation(rows, needle):
    with pytest.raises(ScoreInputError, match=needle):
        if rows:
            table(rows)
        else:
            ScoreTable.from_records([], [], [])


def test_ties_share_rank_and_are_listed_by_app_id():
    rows = [("B", "E1", 70), ("A", "E1", 70), ("C", "E1", 90)]
    r = rank_scores(table(rows), "mean")
    assert [(row.rank, row.app_id) for row in r.rows()] == [(1, "C"), (2, "A"), (2, "B")]
    r = rank_scores(table(rows), "mean", ties="ordinal")
    assert [(row.rank, row.app_id) for row in r.rows()] == [(1, "C"), (2, "A"), (3, "B")]


def simulated(n_apps=40, n_experts=16, k=5, seed=0, spread=None):
    rng = np.random.default_rng(seed)
    q = rng.normal(0, 8, n_apps)
    b = rng.normal(0, 6, n_experts)
    s = np.ones(n_experts) if spread is None else spread
    rows = []
    for i in range(n_apps):
        for j in rng.choice(n_experts, size=k, replace=False):
            y = np.clip(70 + b[j] + s[j] * q[i] + rng.normal(0, 2), 0, 100)
            rows.append((f"A{i:02d}", f"E{j:02d}", float(y)))
    return rows, q, b


def test_calibrated_recovers_leniency_with_heavy_loads():
    rows, q, b = simulated()
    r = rank_scores(table(rows), "calibrated")
    assert np.corrcoef(r.leniency, b)[0, 1] > 0.95
    assert np.corrcoef(r.score, q)[0, 1] > np.corrcoef(r.raw_mean, q)[0, 1]


def test_calibrated_shrinks_single_review_expert():
    rows, _, _ = simulated()
    rows.append(("A00", "LONE", 100.0))  # one review, far above the others
    r = rank_scores(table(rows), "calibrated")
    lone = r.explain("A00").reviews[-1]
    assert lone.expert_id == "LONE"
    assert 0 < lone.leniency < 100.0 - r.raw_mean[0]  # corrected, but not fully


def test_affine_recovers_spreads():
    spread = np.r_[np.full(8, 0.5), np.full(8, 2.0)]
    rows, _, _ = simulated(n_apps=60, spread=spread, seed=3)
    r = rank_scores(table(rows), "affine")
    assert np.all(r.spread[:8] < 1.0) and np.all(r.spread[8:] > 1.0)


def test_criterion_scores_use_the_method():
    rows, _, _ = simulated(n_apps=10)
    crit = [[t * 0.3, t * 0.7] for _, _, t in rows]
    r = rank_scores(table(rows, criteria=crit, criterion_names=["c1", "c2"]), "mean")
    np.testing.assert_allclose(r.criterion_scores.sum(axis=1), r.score)
    rc = rank_scores(table(rows, criteria=crit, criterion_names=["c1", "c2"]), "calibrated")
    assert np.corrcoef(rc.criterion_scores[:, 0], rc.score)[0, 1] > 0.99


def test_systematic_expert_flag():
    rows = []
    for i in range(12):
        for j in range(4):
            rows.append((f"A{i:02d}", f"E{j}", 50.0 + i + (0.5 if (i + j) % 2 else -0.5)))
        rows.append((f"A{i:02d}", "HARSH", 20.0 + i))
    r = rank_scores(table(rows), "mean")
    assert r.expert_flags[list(r.expert_ids).index("HARSH")] == ("extreme", "systematic")
    assert all(f == () for e, f in zip(r.expert_ids, r.expert_flags, strict=True) if e != "HARSH")


def test_first_bad_record_in_input_order_is_named():
    with pytest.raises(ScoreInputError, match=r"^record 2 .*outside"):
        ScoreTable.from_records(["B", "A", "C"], ["x", "y", "z"], [50, 101, -3])


def test_huber_weight_marks_the_careless_review():
    rows, _, _ = simulated(n_apps=30, seed=5)
    rows[0] = (rows[0][0], rows[0][1], 0.0)
    r = rank_scores(table(rows), "calibrated")
    lines = r.explain(rows[0][0]).reviews
    careless = next(line for line in lines if line.expert_id == rows[0][1])
    assert careless.weight < 0.5 and all(line.weight > careless.weight for line in lines if line is not careless)
