"""entry as offices do it (issue 16): the round's 技术领域 list, complete declarations, send-back, order

Rounds get their controlled 技术领域 list (empty: the notice's default list); member units their
declared 独立法人 (NULL for rows declared before: not declared) and a service body's qualification;
applications the city's order of its recommendations. New tables keep the centre's send-backs for
correction and each city's stamped summary of a round. Existing rows keep their values.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {"rounds": ("tech_fields",), "application_members": ("qualification",)}


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy): SQLite adds and drops columns in place.
    for table, columns in TEXT_COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                           server_default=""))
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the harmless default (see 0003)
        for table, columns in TEXT_COLUMNS.items():
            for column in columns:
                op.alter_column(table, column, server_default=None)
    op.add_column("application_members", sa.Column("is_legal_person", sa.Boolean(), nullable=True))
    op.add_column("applications", sa.Column("recommend_rank", sa.Integer(), nullable=True))
    op.create_table(
        "send_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resubmitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resubmitted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["resubmitted_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_send_backs_application_id"), "send_backs", ["application_id"])
    op.create_table(
        "city_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("order_codes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "city_id"),
    )
    op.create_index(op.f("ix_city_submissions_round_id"), "city_submissions", ["round_id"])
    op.create_index(op.f("ix_city_submissions_city_id"), "city_submissions", ["city_id"])


def downgrade() -> None:
    op.drop_table("city_submissions")
    op.drop_table("send_backs")
    op.drop_column("applications", "recommend_rank")
    op.drop_column("application_members", "is_legal_person")
    for table, columns in TEXT_COLUMNS.items():
        for column in columns:
            op.drop_column(table, column)
