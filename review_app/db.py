"""The database engine, one session per request, and schema creation through Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

from .services.platform import memo

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> sa.Engine:
    """An engine with the settings every process needs (SQLite: WAL, foreign keys, busy timeout)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_request(_end_request)
    app.teardown_appcontext(_close_session)


def engine() -> sa.Engine:
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The request's (or CLI command's) session; closed, and rolled back if uncommitted, at teardown."""
    if "db" not in g:
        g.db = Session(engine(), expire_on_commit=False)
    return g.db


def _end_request(_exc: BaseException | None) -> None:
    """What the request's session held for the request ends with it, also where the session lives on past
    the request (an app context shared by several requests, as in the tests)."""
    session = g.get("db")
    if session is not None:
        memo.forget(session)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def alembic_config(connection: sa.Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(target_engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic holds the schema; there is no create_all)."""
    from alembic import command

    _migrate(target_engine, command.upgrade, revision)


def downgrade(target_engine: sa.Engine, revision: str) -> None:
    from alembic import command

    _migrate(target_engine, command.downgrade, revision)


def _migrate(target_engine: sa.Engine, step, revision: str) -> None:
    """Run an Alembic command in one transaction. SQLite alters a table by copying it and dropping the old
    one, which its foreign keys refuse while other rows point to it (consortia, with the annual reports
    bound to them): they are off during the migration, outside its transaction as SQLite requires, and
    checked before they are on again."""
    with target_engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                step(alembic_config(connection), revision)
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration leaves rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def current_revision(target_engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with target_engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
