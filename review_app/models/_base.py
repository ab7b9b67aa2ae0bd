"""Shared column helpers for the tables."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa


def utcnow() -> datetime:
    """The current time, aware and in UTC: every stored time is UTC (shown in Asia/Shanghai)."""
    return datetime.now(UTC)


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """Store a StrEnum by its value in a plain VARCHAR (no native PostgreSQL enum type, so adding a
    member later needs no migration of the type) and load it back as the enum member."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
