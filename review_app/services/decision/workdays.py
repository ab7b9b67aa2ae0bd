"""Working days as Chinese offices count them: Monday to Friday, except the public holidays, plus the
make-up working days (调休) that fall on a weekend. Both lists are settings (PUBLIC_HOLIDAYS,
MAKEUP_WORKDAYS: ISO dates; config.py ships the State Council's arrangement for 2026). Dates are Beijing
dates: `today()` is the date in Beijing now."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context

from ..platform.localtime import LOCAL_ZONE

MAX_SPAN_DAYS = 366  # no period or deadline here is longer than a year


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date]
    makeup_days: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def count(self, first: date, last: date) -> int:
        """The working days from `first` to `last`, both included (0 when `last` is before `first`)."""
        return sum(self.is_working_day(first + timedelta(days=n)) for n in range((last - first).days + 1))

    def add(self, first: date, working_days: int) -> date:
        """The day on which a period starting `first` has lasted `working_days` working days (`first`
        counts when it is a working day): the last day of a period of that length."""
        if working_days < 1:
            raise ValueError("a period lasts at least one working day")
        day, counted = first, 0
        for _n in range(MAX_SPAN_DAYS * 2):
            counted += self.is_working_day(day)
            if counted == working_days:
                return day
            day += timedelta(days=1)
        raise ValueError("period too long")

    def after(self, day: date, working_days: int) -> date:
        """The `working_days`-th working day after `day` (a handling deadline counted from receipt)."""
        return self.add(day + timedelta(days=1), working_days)


def _dates(values) -> frozenset[date]:
    return frozenset(value if isinstance(value, date) else date.fromisoformat(value) for value in values or ())


def calendar() -> WorkCalendar:
    """The calendar of the app's settings (none outside an app: weekends only)."""
    config = current_app.config if has_app_context() else {}
    return WorkCalendar(_dates(config.get("PUBLIC_HOLIDAYS")), _dates(config.get("MAKEUP_WORKDAYS")))


def today(now: datetime | None = None) -> date:
    """The date in Beijing at `now` (default: now)."""
    return (now or datetime.now(LOCAL_ZONE)).astimezone(LOCAL_ZONE).date()


def setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default
