"""Hand-computed small cases for the simple aggregates, ties and intervals."""

import doctest

import numpy as np
import pytest

import scoring.aggregate
import scoring.data
import scoring.intervals
import scoring.ranking
from scoring.aggregate import MeanScorer, MedianScorer, TrimmedScorer, ZScoreScorer
from scoring.data import Reviews
from scoring.ranking import rank


def reviews(app, expert):
    return Reviews.build(np.array(app), np.array(expert), max(app) + 1, max(expert) + 1)


# app 0: 60 70 80 100 | app 1: 50 70 | app 2: 90 | app 3: 40 40 70 | app 4: 10 20 30 40 50 60
APP = [0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4]
EXP = [0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 4, 5]
Y = np.array([60, 70, 80, 100, 50, 70, 90, 40, 40, 70, 10, 20, 30, 40, 50, 60], dtype=float)


def test_mean_by_hand():
    s = MeanScorer().fit(reviews(APP, EXP), Y)
    np.testing.assert_allclose(s.score_, [77.5, 60.0, 90.0, 50.0, 35.0])


def test_trimmed_by_hand():
    # Drop one highest and one lowest; with fewer than 3 reviews, the plain mean.
    s = TrimmedScorer().fit(reviews(APP, EXP), Y)
    np.testing.assert_allclose(s.score_, [75.0, 60.0, 90.0, 40.0, 35.0])
    # weights: the dropped reviews weigh 0, the kept ones equally
    np.testing.assert_allclose(s.weight_[:4], [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(s.weight_[7:10], [0.0, 1.0, 0.0])  # equal lows: one dropped


def test_median_by_hand():
    s = MedianScorer().fit(reviews(APP, EXP), Y)
    np.testing.assert_allclose(s.score_, [75.0, 60.0, 90.0, 40.0, 35.0])


def test_zscore_by_hand():
    # Two experts, both score apps 0..2; expert 1 is 10 points higher and twice as wide.
    rv = reviews([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1])
    y = np.array([60.0, 90.0, 50.0, 70.0, 40.0, 50.0])
    s = ZScoreScorer().fit(rv, y)
    assert s.score_[0] > s.score_[1] > s.score_[2]
    np.testing.assert_allclose(s.score_[1], np.mean(y))  # the middle app has z = 0 for both
    np.testing.assert_allclose(s.spread_[1] / s.spread_[0], 2.0)


def test_zscore_single_review_expert_has_no_influence():
    rv = reviews([0, 0, 1, 1, 1], [0, 1, 0, 1, 2])
    ya, yb = np.array([80.0, 70, 60, 50, 0]), np.array([80.0, 70, 60, 50, 100])
    a = ZScoreScorer().fit(rv, ya).score_
    b = ZScoreScorer().fit(rv, yb).score_
    # on the z scale the lone review counts as 0 whatever its value
    np.testing.assert_allclose((a - ya.mean()) / ya.std(), (b - yb.mean()) / yb.std())


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("min", [3, 1, 1]),
        ("max", [3, 2, 2]),
        ("dense", [2, 1, 1]),
        ("ordinal", [3, 1, 2]),
        ("average", [3.0, 1.5, 1.5]),
    ],
)
def test_rank_ties(ties, expected):
    assert rank([3.0, 5.0, 5.0], ties=ties).tolist() == expected


def test_rank_float_noise_is_a_tie():
    assert rank([0.1 + 0.2, 0.3], ties="min").tolist() == [1, 1]


@pytest.mark.parametrize("module", [scoring.ranking, scoring.intervals, scoring.data, scoring.aggregate])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0
