"""the consortium registry: codes, the application a consortium came from, its member units

Consortia get their 联合体编号 (`code`, unique), the lead unit's name as the registry records it, the
application they came from (nullable) and a change time; their member units are a new table,
consortium_members, with the columns of application_members. Existing consortia keep their rows: each gets
the code LHT<year>-<id>, its lead's name from the register, the selected application that points to it
(a new-consortium round's) and that application's members.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MEMBER_COLUMNS = (
    "org_id, unit_type, position, name, credit_code, province, city, credit_standing, is_legal_person, qualification"
)


def upgrade() -> None:
    op.create_table(
        "consortium_members",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("unit_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("province", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column(
            "credit_standing",
            sa.Enum("good", "bad", name="creditstanding", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("is_legal_person", sa.Boolean(), nullable=True),
        sa.Column("qualification", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortia.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consortium_id", "org_id"),
    )
    with op.batch_alter_table("consortium_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consortium_members_consortium_id"), ["consortium_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consortium_members_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_consortium_members_org_id"), ["org_id"], unique=False)

    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("lead_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE consortia SET code = 'LHT' || CAST(established_year AS VARCHAR(8)) || '-' || CAST(id AS VARCHAR(16)),"
        " updated_at = CURRENT_TIMESTAMP,"
        " lead_name = COALESCE((SELECT o.name FROM organisations o WHERE o.id = consortia.lead_org_id), ''),"
        " application_id = (SELECT MIN(a.id) FROM applications a JOIN rounds r ON r.id = a.round_id"
        " WHERE a.consortium_id = consortia.id AND r.kind = 'new_consortium')"
    )
    op.execute(
        f"INSERT INTO consortium_members (consortium_id, {MEMBER_COLUMNS}) "
        f"SELECT c.id, {', '.join('m.' + c.strip() for c in MEMBER_COLUMNS.split(','))} "
        "FROM application_members m JOIN consortia c ON c.application_id = m.application_id"
    )
    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.alter_column("updated_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.create_index(batch_op.f("ix_consortia_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consortia_code"), ["code"], unique=True)
        batch_op.create_foreign_key(
            "fk_consortia_application_id", "applications", ["application_id"], ["id"], use_alter=True
        )
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the harmless default (see 0003)
        op.alter_column("consortia", "lead_name", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("consortium_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consortium_members_org_id"))
        batch_op.drop_index(batch_op.f("ix_consortium_members_credit_code"))
        batch_op.drop_index(batch_op.f("ix_consortium_members_consortium_id"))
    op.drop_table("consortium_members")
    with op.batch_alter_table("consortia", schema=None) as batch_op:
        batch_op.drop_constraint("fk_consortia_application_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_consortia_code"))
        batch_op.drop_index(batch_op.f("ix_consortia_application_id"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("application_id")
        batch_op.drop_column("lead_name")
        batch_op.drop_column("code")
