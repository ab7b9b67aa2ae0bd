"""The rows a :class:`~scoring.ranking.Ranking` hands out: per application, expert and review."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewLine:
    """One review in an :class:`Explanation`."""

    expert_id: str
    total: float
    leniency: float  # the expert's estimated leniency in points; NaN if the method has none
    spread: float  # the expert's estimated spread (1 = average); NaN if the method has none
    adjusted: float  # this review after the method's correction
    weight: float  # its weight in the application's score (0 = dropped)
    peer_z: float  # distance from the other reviews' median, in pooled robust SDs
    recommend: bool | None
    expert_flags: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Why an application has its score: raw totals, leniencies, adjusted score."""

    app_id: str
    method: str
    rank: int
    score: float
    ci_low: int
    ci_high: int
    raw_mean: float
    flags: tuple[str, ...]
    reviews: tuple[ReviewLine, ...]


@dataclass(frozen=True)
class AppRow:
    """One line of the ranking (the columns of ranking.csv, plus details)."""

    rank: int
    app_id: str
    score: float
    ci_low: int
    ci_high: int
    n_reviews: int
    flag: bool
    flags: tuple[str, ...]
    raw_mean: float
    criteria: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ExpertRow:
    expert_id: str
    n_reviews: int
    leniency: float
    spread: float
    flags: tuple[str, ...]
