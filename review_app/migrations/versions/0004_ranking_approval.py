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
    # Plain ALTER TABLE with the references inline: SQLite adds such columns in place (a batch copy of
    # ranking_runs would be refused by the foreign keys of its results).
    op.add_column("ranking_runs", sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    for column in ("approved_by_id", "withdrawn_by_id"):
        op.add_column(
            "ranking_runs",
            sa.Column(column, sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
            inline_references=True,
        )
    op.add_column("ranking_runs", sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column(
        "ranking_runs", sa.Column("withdrawn_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )
    op.execute("UPDATE ranking_runs SET approved_at = created_at WHERE is_final")


def downgrade() -> None:
    with op.batch_alter_table("ranking_runs") as batch_op:
        for column in ("withdrawn_reason", "withdrawn_by_id", "withdrawn_at", "approved_by_id", "approved_at"):
            batch_op.drop_column(column)
