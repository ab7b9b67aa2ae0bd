"""panel mode (issue 18): panel settings, groups with their meeting, defence order, seats, pins, signed scans

A round may be reviewed in panels (分组评审/会评): its applications form groups, one panel of experts per
group scores every application of the group at a meeting with a defence order drawn by lot. The pairs a
panel scores stay ordinary assignments; these tables keep the groups, the panels and the signed paper.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panel_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("room", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("start_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("order_seed", sa.Integer(), nullable=True),
        sa.Column("order_drawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "number"),
    )
    op.create_index(op.f("ix_panel_groups_round_id"), "panel_groups", ["round_id"], unique=False)
    op.create_table(
        "panel_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("min_size", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column("with_leader", sa.Boolean(), nullable=False),
        sa.Column("recusal", sa.Boolean(), nullable=False),
        sa.Column("max_group_apps", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    op.create_table(
        "panel_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("defence_position", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["panel_groups.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "application_id"),
    )
    op.create_index(op.f("ix_panel_applications_group_id"), "panel_applications", ["group_id"], unique=False)
    op.create_index(op.f("ix_panel_applications_round_id"), "panel_applications", ["round_id"], unique=False)
    op.create_table(
        "panel_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("pin", "forbid", name="pinkind", native_enum=False, length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["panel_groups.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "expert_id"),
    )
    op.create_index(op.f("ix_panel_pins_round_id"), "panel_pins", ["round_id"], unique=False)
    op.create_table(
        "signed_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["panel_groups.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_signed_scans_round_id"), "signed_scans", ["round_id"], unique=False)
    op.create_table(
        "panel_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.Float(), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("recused", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("active", "recused", "replaced", name="assignmentstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["panel_groups.id"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assignment_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "group_id", "expert_id"),
    )
    op.create_index(op.f("ix_panel_seats_expert_id"), "panel_seats", ["expert_id"], unique=False)
    op.create_index(op.f("ix_panel_seats_group_id"), "panel_seats", ["group_id"], unique=False)
    op.create_index(op.f("ix_panel_seats_run_id"), "panel_seats", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_panel_seats_run_id"), table_name="panel_seats")
    op.drop_index(op.f("ix_panel_seats_group_id"), table_name="panel_seats")
    op.drop_index(op.f("ix_panel_seats_expert_id"), table_name="panel_seats")
    op.drop_table("panel_seats")
    op.drop_index(op.f("ix_signed_scans_round_id"), table_name="signed_scans")
    op.drop_table("signed_scans")
    op.drop_index(op.f("ix_panel_pins_round_id"), table_name="panel_pins")
    op.drop_table("panel_pins")
    op.drop_index(op.f("ix_panel_applications_round_id"), table_name="panel_applications")
    op.drop_index(op.f("ix_panel_applications_group_id"), table_name="panel_applications")
    op.drop_table("panel_applications")
    op.drop_table("panel_settings")
    op.drop_index(op.f("ix_panel_groups_round_id"), table_name="panel_groups")
    op.drop_table("panel_groups")
