"""Rate-limit counters in the app's own database, so that every worker process (gunicorn -w 4) and every
host behind the gateway counts the same attempts: a `limits` storage registered as `database://`, the
default RATELIMIT_STORAGE_URI. Where Redis runs, `redis://host:6379` (limits' own storage) is faster.

Flask-Limiter's fixed window needs only a counter with an expiry per key: one row of `rate_counters`
each, bumped by one atomic upsert (INSERT … ON CONFLICT … RETURNING, PostgreSQL and SQLite alike) on a
connection of its own, committed at once: a request refused or rolled back still counts.
"""

import random
import time

import sqlalchemy as sa
from flask import current_app
from limits.storage import Storage

BUMP = sa.text(
    "INSERT INTO rate_counters (key, count, expires_at) VALUES (:key, :amount, :until) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_counters.expires_at <= :now THEN :amount ELSE rate_counters.count + :amount END, "
    "expires_at = CASE WHEN rate_counters.expires_at <= :now THEN :until ELSE rate_counters.expires_at END "
    "RETURNING count"
)
SWEEP_CHANCE = 0.01  # about one bump in a hundred also deletes the expired rows


class DatabaseCounters(Storage):
    """`limits` storage over the `rate_counters` table of the app's database (the app's engine)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    @staticmethod
    def _engine() -> sa.Engine:
        return current_app.extensions["db_engine"]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._engine().begin() as connection:
            count = connection.execute(BUMP, {"key": key, "amount": amount, "now": now, "until": now + expiry})
            value = int(count.scalar_one())
            if random.random() < SWEEP_CHANCE:
                connection.execute(sa.text("DELETE FROM rate_counters WHERE expires_at <= :now"), {"now": now})
        return value

    def _row(self, key: str):
        with self._engine().connect() as connection:
            return connection.execute(
                sa.text("SELECT count, expires_at FROM rate_counters WHERE key = :key AND expires_at > :now"),
                {"key": key, "now": time.time()},
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(sa.text("SELECT 1 FROM rate_counters WHERE 1 = 0"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(sa.text("DELETE FROM rate_counters")).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(sa.text("DELETE FROM rate_counters WHERE key = :key"), {"key": key})
