"""The composition of a score (issue 14): the figures every method hands out add up to its score."""

import numpy as np
import pytest

from scoring import METHODS, rank_scores
from scoring.composition import CORRECTION

from .test_scoring_groups import blocks, table_of


@pytest.mark.parametrize("links", [0, 1, 4])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_parts_add_up_to_the_score(method, links):
    rng = np.random.default_rng(7 + links)
    app, expert, total, _, _ = blocks(rng, 3, links=links)
    total[:3] = [100.0, 0.0, 100.0]  # careless extremes: the calibrated methods clip them
    ranking = rank_scores(table_of(app, expert, total), method, n_draws=20)
    for app_id in ranking.app_ids:
        c = ranking.compose(str(app_id))
        assert c.recomputed() == pytest.approx(c.score, abs=1e-6)
        assert sum(p.share for p in c.sheets) == pytest.approx(1.0)
        assert c.raw_mean == pytest.approx(np.mean([p.total for p in c.sheets]))
        for p in c.sheets:
            if CORRECTION[method] == "leniency":
                assert p.adjusted == pytest.approx(p.robust - p.leniency, abs=1e-9)
            elif CORRECTION[method] == "none":
                assert p.adjusted == p.total == p.robust
        if method not in ("calibrated", "affine"):
            assert c.shrink == 1.0


def test_calibrated_shrinks_towards_the_group_level_and_clips_extremes():
    rng = np.random.default_rng(11)
    app, expert, total, _, _ = blocks(rng, 3, links=0)
    total[0] = 0.0
    ranking = rank_scores(table_of(app, expert, total), "calibrated", n_draws=20)
    first = ranking.compose(str(ranking.app_ids[0]))
    assert 0 < first.shrink < 1
    assert first.sheets[0].robust > first.sheets[0].total  # the careless 0 is pulled up
    targets = {round(ranking.compose(str(a)).target, 9) for a in ranking.app_ids}
    assert len(targets) == 3  # one level per part
