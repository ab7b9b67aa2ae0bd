"""the public notice (公示), objections (异议), the final decision, and notifications by channel

New tables: publicity_notices (a round's period and contact), objections and objection_files, decisions and
decision_entries (the final list as decided). Notifications get a phone, an overall status, a
de-duplication key and a once-only key, and one notification_deliveries row per channel; users get an
e-mail address and a mobile number for them. Existing messages keep their state: mailed ones are `sent`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("document_no", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "letter", "email", "phone", "visit", "other", name="objectionchannel", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("real_name", sa.Boolean(), nullable=False),
        sa.Column("objector", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("objector_contact", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("received", "investigating", "answered", name="objectionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "answer",
            sa.Enum("maintain", "adjust", "revoke", name="objectionanswer", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("answer_changes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answer_reasons", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("removes", sa.Boolean(), nullable=False),
        sa.Column("adds_application_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adds_application_id"],
            ["applications.id"],
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_objections_application_id"), "objections", ["application_id"], unique=False)
    op.create_index(op.f("ix_objections_round_id"), "objections", ["round_id"], unique=False)
    op.create_table(
        "decision_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lead", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_decision_entries_decision_id"), "decision_entries", ["decision_id"], unique=False)
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel", sa.Enum("in_app", "email", "sms", name="channel", native_enum=False, length=32), nullable=False
        ),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="deliverystatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_notification_deliveries_notification_id"), "notification_deliveries", ["notification_id"], unique=False
    )
    op.create_table(
        "objection_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["objections.id"],
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_objection_files_objection_id"), "objection_files", ["objection_id"], unique=False)
    op.create_table(
        "publicity_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ranking_run_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ranking_run_id"],
            ["ranking_runs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    op.add_column("notifications", sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.add_column(
        "notifications",
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="deliverystatus", native_enum=False, length=32),
            nullable=False,
            server_default="pending",
        ),
    )
    op.add_column(
        "notifications",
        sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""),
    )
    op.add_column("notifications", sa.Column("once_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True))
    op.create_index(op.f("ix_notifications_dedup_key"), "notifications", ["dedup_key"], unique=False)
    op.create_index(op.f("ix_notifications_once_key"), "notifications", ["once_key"], unique=True)
    op.add_column("users", sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
    op.add_column("users", sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.execute("UPDATE notifications SET status = 'sent' WHERE sent_at IS NOT NULL")
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the harmless defaults (see 0003)
        op.alter_column("notifications", "status", server_default=None)
        op.alter_column("notifications", "dedup_key", server_default=None)


def downgrade() -> None:
    op.drop_column("users", "phone")
    op.drop_column("users", "email")
    op.drop_index(op.f("ix_notifications_once_key"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_dedup_key"), table_name="notifications")
    op.drop_column("notifications", "once_key")
    op.drop_column("notifications", "dedup_key")
    op.drop_column("notifications", "status")
    op.drop_column("notifications", "phone")
    op.drop_table("publicity_notices")
    op.drop_index(op.f("ix_objection_files_objection_id"), table_name="objection_files")
    op.drop_table("objection_files")
    op.drop_index(op.f("ix_notification_deliveries_notification_id"), table_name="notification_deliveries")
    op.drop_table("notification_deliveries")
    op.drop_index(op.f("ix_decision_entries_decision_id"), table_name="decision_entries")
    op.drop_table("decision_entries")
    op.drop_index(op.f("ix_objections_round_id"), table_name="objections")
    op.drop_index(op.f("ix_objections_application_id"), table_name="objections")
    op.drop_table("objections")
    op.drop_table("decisions")
