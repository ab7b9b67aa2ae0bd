"""Times as people in Jiangsu read them: every time is stored in UTC and shown, or typed, in Beijing time
(Asia/Shanghai). `local_time` is the one formatter: the templates' `local_time` filter, the services'
messages and the CSV downloads use it; `to_local` and `to_utc` convert the forms' deadline fields."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"


def to_local(moment: datetime | None) -> datetime | None:
    """A stored time as a naive Beijing time (what a datetime-local field shows); a naive time is UTC."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_ZONE).replace(tzinfo=None)


def to_utc(local: datetime | None) -> datetime | None:
    """A time typed in Beijing time, as an aware UTC time."""
    return local.replace(tzinfo=LOCAL_ZONE).astimezone(UTC) if local else None


def local_time(moment: datetime | None) -> str:
    """A stored time for people, e.g. "2026-05-01 17:00" (Beijing time); "" when there is none.

    >>> local_time(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    '2026-05-01 17:00'
    """
    local = to_local(moment)
    return local.strftime(DISPLAY_FORMAT) if local else ""
