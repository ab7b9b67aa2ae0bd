"""a ranking run is a stored record: composition, parts and groups, experts, sheets, criterion means

Each application's line of a run also keeps how its score is composed (raw mean, adjusted mean,
shrinkage and its target) and its part and group of the reviewer graph; new tables keep each expert's
leniency and spread, each sheet's adjusted score and share, and each application's criterion means.
Runs made before this revision have none of it (NULL, no rows): their pages say so.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RESULT_FLOATS = ("raw_mean", "adjusted_mean", "shrink", "target")
RESULT_INTS = ("graph_part", "graph_group")


def upgrade() -> None:
    for column in RESULT_FLOATS:
        op.add_column("ranking_results", sa.Column(column, sa.Float(), nullable=True))
    for column in RESULT_INTS:
        op.add_column("ranking_results", sa.Column(column, sa.Integer(), nullable=True))
    op.create_table(
        "ranking_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("n_reviews", sa.Integer(), nullable=False),
        sa.Column("leniency", sa.Float(), nullable=True),
        sa.Column("spread", sa.Float(), nullable=True),
        sa.Column("flags", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"]),
        sa.ForeignKeyConstraint(["ranking_run_id"], ["ranking_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ranking_run_id", "expert_id"),
    )
    op.create_index(op.f("ix_ranking_experts_ranking_run_id"), "ranking_experts", ["ranking_run_id"])
    op.create_table(
        "ranking_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("robust", sa.Float(), nullable=False),
        sa.Column("adjusted", sa.Float(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"]),
        sa.ForeignKeyConstraint(["ranking_run_id"], ["ranking_runs.id"]),
        sa.ForeignKeyConstraint(["sheet_id"], ["score_sheets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ranking_run_id", "sheet_id"),
    )
    op.create_index(op.f("ix_ranking_sheets_ranking_run_id"), "ranking_sheets", ["ranking_run_id"])
    op.create_table(
        "ranking_criterion_means",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["criterion_id"], ["criteria.id"]),
        sa.ForeignKeyConstraint(["ranking_run_id"], ["ranking_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ranking_run_id", "application_id", "criterion_id"),
    )
    op.create_index(op.f("ix_ranking_criterion_means_ranking_run_id"), "ranking_criterion_means", ["ranking_run_id"])


def downgrade() -> None:
    for table in ("ranking_criterion_means", "ranking_sheets", "ranking_experts"):
        op.drop_index(op.f(f"ix_{table}_ranking_run_id"), table_name=table)
        op.drop_table(table)
    for column in RESULT_FLOATS + RESULT_INTS:
        op.drop_column("ranking_results", column)
