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

from importlib import import_module

#: Each public name and the module that defines it: loaded on first use (PEP 562), so that importing
#: `scoring` costs nothing until one of its names is used (the `flask` commands start without numpy).
_HOME = {
    "Composition": "composition",
    "SheetPart": "composition",
    "ScoreInputError": "data",
    "ScoreTable": "data",
    "FlagOptions": "flags",
    "read_scores": "io",
    "write_csv": "io",
    "GroupRow": "linkage",
    "DEFAULT_METHOD": "ranking",
    "METHODS": "ranking",
    "AppRow": "ranking",
    "ExpertRow": "ranking",
    "Explanation": "ranking",
    "Ranking": "ranking",
    "ReviewLine": "ranking",
    "criterion_scores": "ranking",
    "make_scorer": "ranking",
    "rank": "ranking",
    "rank_scores": "ranking",
}

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


def __getattr__(name: str):
    """Import the module that defines `name` (once: the value is kept in the package's namespace)."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
