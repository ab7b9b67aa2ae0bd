"""the grades of an annual evaluation: the round's grading rule and publication, each consortium's grade

New tables: grade_rules (per round: thresholds or a share for 优秀, who changed it, the publication and the
ranking run it stands on) and consortium_grades (a grade changed by hand before publication, with its
reason; every graded report once published).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GRADE = sa.Enum("excellent", "good", "pass", "fail", name="grade", native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "grade_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "method", sa.Enum("thresholds", "share", name="grademethod", native_enum=False, length=32), nullable=False
        ),
        sa.Column("excellent_min", sa.Float(), nullable=False),
        sa.Column("good_min", sa.Float(), nullable=False),
        sa.Column("pass_min", sa.Float(), nullable=False),
        sa.Column("excellent_share", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("ranking_run_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["ranking_run_id"], ["ranking_runs.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    op.create_table(
        "consortium_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("computed", GRADE, nullable=False),
        sa.Column("grade", GRADE, nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortia.id"]),
        sa.ForeignKeyConstraint(["ranking_run_id"], ["ranking_runs.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ranking_run_id", "application_id"),
    )
    op.create_index(op.f("ix_consortium_grades_round_id"), "consortium_grades", ["round_id"], unique=False)
    op.create_index(op.f("ix_consortium_grades_consortium_id"), "consortium_grades", ["consortium_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_consortium_grades_consortium_id"), table_name="consortium_grades")
    op.drop_index(op.f("ix_consortium_grades_round_id"), table_name="consortium_grades")
    op.drop_table("consortium_grades")
    op.drop_table("grade_rules")
