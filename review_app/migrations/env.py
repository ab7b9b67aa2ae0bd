"""Alembic environment: the connection is handed in by `review_app.db`, the metadata is SQLModel's."""

from alembic import context
from sqlmodel import SQLModel

import review_app.models  # noqa: F401  (registers the tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
