"""a ranking's approval and its withdrawal

A ranking run records who approved it and when, and, when the approval is withdrawn by an explicit
reopen, who withdrew it, when and why (the run stays stored as it was approved). Runs approved before
this revision get their creation time as the approval time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

def upgrade() -> None:
    # Plain ALTER TABLE: SQLite adds and drops such columns in place (a batch copy of ranking_runs would be
    # refused by the foreign keys of its results). Who acted is a user id, as the audit log records its actor.
    op.add_column("ranking_runs", sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("ranking_runs", sa.Column("approved_by_id", sa.Integer(), nullable=True))
    op.add_column("ranking_runs", sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("ranking_runs", sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
    op.add_column(
        "ranking_runs", sa.Column("withdrawn_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )
    op.execute("UPDATE ranking_runs SET approved_at = created_at WHERE is_final")


def downgrade() -> None:
    for column in ("withdrawn_reason", "withdrawn_by_id", "withdrawn_at", "approved_by_id", "approved_at"):
        op.drop_column("ranking_runs", column)
