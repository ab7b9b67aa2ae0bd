"""rate-limit counters in the database; TOTP secrets sealed (Fernet) at rest

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

The TOTP secrets already stored in clear are sealed here with the key derived from the app's SECRET_KEY
(services/platform/sealing.py), so the upgrade of a database that holds any must run inside the app
(`flask --app review_app db upgrade` or `init-db`); the downgrade writes them back in clear.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _secret_key(rows) -> str | None:
    from flask import current_app, has_app_context

    if not rows:
        return None
    if not has_app_context():
        raise RuntimeError("sealing the stored TOTP secrets needs the app's SECRET_KEY: run `flask db upgrade`")
    return current_app.secret_key


def _rewrite_secrets(convert) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    key = _secret_key(rows)
    for row in rows:
        value = convert(key, row.totp_secret)
        if value != row.totp_secret:
            connection.execute(sa.text("UPDATE users SET totp_secret = :v WHERE id = :id"), {"v": value, "id": row.id})


def _seal(key, value):
    from review_app.services.platform import sealing

    return value if sealing.is_sealed(value) else sealing.seal(key, value)


def _unseal(key, value):
    from review_app.services.platform import sealing

    return sealing.unseal(key, value) if sealing.is_sealed(value) else value


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_counters_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=True,
        )
    _rewrite_secrets(_seal)


def downgrade() -> None:
    _rewrite_secrets(_unseal)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=True,
        )
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_counters_expires_at"))
    op.drop_table("rate_counters")
