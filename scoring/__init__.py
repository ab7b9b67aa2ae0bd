"""Scoring engine: fair rankings from biased experts, with uncertainty and flags.

Pure numpy; no Flask, no database. The web app calls::

    from scoring import ScoreTable, rank_scores
    table = ScoreTable.from_records(app_ids, expert_ids, totals,
                                    criteria=..., criterion_names=..., recommend=...)
    ranking = rank_scores(table, method="calibrated", seed=0)
    ranking.rows()            # AppRow per application, in rank order
    ranking.experts()         # ExpertRow: leniency, spread, flags
    ranking.explain("A03")    # raw totals, leniencies, adjusted scores
    ranking.compose("A03")    # the figures that add up to its score (scoring.composition)
    ranking.parts()           # app ids per connected part (no shared expert between parts)
    ranking.groups()          # GroupRow per weakly linked group: apps, bridging experts, offset SD

The command line is ``python -m scoring rank SCORES.csv --method M --out ranking.csv``.
"""

from .composition import Composition, SheetPart
from .data import ScoreInputError, ScoreTable
from .flags import FlagOptions
from .io import read_scores, write_csv
from .linkage import GroupRow
from .ranking import (
    DEFAULT_METHOD,
    METHODS,
    AppRow,
    ExpertRow,
    Explanation,
    Ranking,
    ReviewLine,
    criterion_scores,
    make_scorer,
    rank,
    rank_scores,
)

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "AppRow",
    "Composition",
    "Explanation",
    "ExpertRow",
    "FlagOptions",
    "GroupRow",
    "Ranking",
    "ReviewLine",
    "ScoreInputError",
    "ScoreTable",
    "SheetPart",
    "criterion_scores",
    "make_scorer",
    "rank",
    "rank_scores",
    "read_scores",
    "write_csv",
]
