"""the structured annual self-evaluation (issue 22): one self_evaluations row per annual report

The notice's six parts as text and the key indicators as numbers (counts as integers, amounts in 万元 as
decimals), filed by the city beside the uploaded report PDF.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SECTIONS = ("strategy", "platforms", "team", "achievements", "products", "plan")
COUNTS = ("invention_patents", "standards", "new_platforms", "team_size", "achievements_transferred")
AMOUNTS = ("rd_investment", "transfer_value", "landmark_revenue")


def upgrade() -> None:
    op.create_table(
        "self_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False) for name in SECTIONS],
        *[sa.Column(name, sa.Numeric(precision=14, scale=4), nullable=True) for name in AMOUNTS[:1]],
        *[sa.Column(name, sa.Integer(), nullable=True) for name in COUNTS],
        *[sa.Column(name, sa.Numeric(precision=14, scale=4), nullable=True) for name in AMOUNTS[1:]],
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )


def downgrade() -> None:
    op.drop_table("self_evaluations")
