"""texts for the assignment's text affinity (issue 19)

Applications get 关键词 and 摘要, attachments the text of their first pages, experts 研究方向, 代表性成果
and 关键词, and each assigned pair the terms its texts share most. Every new column is text, empty for
existing rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_COLUMNS = {
    "applications": ("keywords", "abstract"),
    "attachments": ("text",),
    "experts": ("research_areas", "achievements", "keywords"),
    "assignments": ("shared_terms",),
}


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy): SQLite adds and drops columns in place.
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                           server_default=""))
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the harmless default (see 0003)
        for table, columns in NEW_COLUMNS.items():
            for column in columns:
                op.alter_column(table, column, server_default=None)


def downgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            op.drop_column(table, column)
