"""A consortium's annual evaluations side by side: per year its score, its published grade and each key
indicator of its report, with the change from the year before, and the figures of the page's small charts.
Read from the consortium's history (registry.history), never queried again."""

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from ...models import Consortium
from ..intake.self_evaluation import INDICATORS, Indicator
from .history import ANNUAL, HistoryRow, history

CHART_HEIGHT = 100  # the score chart's bars, in SVG units, for 100 points


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator across the years: its value each year (None: not reported) and the trend from the
    year before (`up`, `down`, `same`, or None where either year is missing)."""

    indicator: Indicator
    values: list[int | Decimal | None]

    @property
    def trends(self) -> list[str | None]:
        trends: list[str | None] = [None]
        for before, now in zip(self.values, self.values[1:], strict=False):
            if before is None or now is None:
                trends.append(None)
            else:
                trends.append("up" if now > before else "down" if now < before else "same")
        return trends

    @property
    def bars(self) -> list[float]:
        """Each year's value as a share of the line's largest (0 where not reported): the row's small bars."""
        top = max((float(v) for v in self.values if v is not None), default=0.0)
        return [float(v) / top if v is not None and top > 0 else 0.0 for v in self.values]


@dataclass(frozen=True)
class YearOnYear:
    """The annual reports in year order, their indicators as lines, and the score chart's bar heights."""

    years: list[HistoryRow]
    lines: list[IndicatorLine]

    @property
    def score_bars(self) -> list[float]:
        return [round((row.score or 0.0) * CHART_HEIGHT / 100, 1) for row in self.years]

    def __bool__(self) -> bool:
        return bool(self.years)


def year_on_year(rows: list[HistoryRow]) -> YearOnYear:
    """The annual reports of a history (`registry.history.history`) laid side by side."""
    years = [row for row in rows if row.kind == ANNUAL]
    lines = [
        IndicatorLine(indicator, [(row.indicators or {}).get(indicator.key) for row in years])
        for indicator in INDICATORS
    ]
    return YearOnYear(years, lines)


def page_parts(session: Session, consortium: Consortium) -> dict:
    """What a consortium's page shows of its past: `history` (its rows) and `yoy` (the annual evaluations
    side by side)."""
    rows = history(session, consortium)
    return {"history": rows, "yoy": year_on_year(rows)}
