"""units as each application declared them; the centre's 失信 list

Each application keeps its lead unit and its members as declared (name, credit code, province, city,
credit standing) instead of reading the shared organisation rows, which only the centre changes from
now on. Existing applications get the snapshot from today's organisation rows. The organisation's
credit standing moves into the snapshots (it was only ever what some application declared); the
centre's own 失信 list is a table of its own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STANDING = sa.Enum("good", "bad", name="creditstanding", native_enum=False, length=32)
UNIT_COLUMNS = ("name", "credit_code", "province", "city", "credit_standing")


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _drop_defaults(table: str, columns: tuple[str, ...]) -> None:
    """The defaults that filled existing rows go (PostgreSQL). SQLite keeps them: removing one means
    copying the table, which its foreign keys refuse while rows refer to it; they are harmless."""
    if not _sqlite():
        for column in columns:
            op.alter_column(table, column, server_default=None)


def upgrade() -> None:
    op.create_table(
        "credit_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", _text(32), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("reason", _text(500), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=True),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_credit_list_credit_code"), "credit_list", ["credit_code"], unique=True)

    # Plain ALTER TABLE (no batch copy): SQLite adds and drops columns in place.
    for table, prefix in (("applications", "lead_"), ("application_members", "")):
        op.add_column(table, sa.Column(f"{prefix}name", _text(200), nullable=False, server_default=""))
        op.add_column(table, sa.Column(f"{prefix}credit_code", _text(32), nullable=False, server_default=""))
        op.add_column(table, sa.Column(f"{prefix}province", _text(32), nullable=True))
        op.add_column(table, sa.Column(f"{prefix}city", _text(32), nullable=True))
        op.add_column(table, sa.Column(f"{prefix}credit_standing", STANDING, nullable=False, server_default="good"))

    # The snapshots of existing applications, from today's organisation rows.
    for column in UNIT_COLUMNS:
        op.execute(
            f"UPDATE applications SET lead_{column} = "
            f"(SELECT o.{column} FROM organisations o WHERE o.id = applications.lead_org_id)"
        )
        op.execute(
            f"UPDATE application_members SET {column} = "
            f"(SELECT o.{column} FROM organisations o WHERE o.id = application_members.org_id)"
        )

    _drop_defaults("applications", ("lead_name", "lead_credit_code", "lead_credit_standing"))
    _drop_defaults("application_members", ("name", "credit_code", "credit_standing"))
    op.create_index(op.f("ix_applications_lead_credit_code"), "applications", ["lead_credit_code"], unique=False)
    op.create_index(op.f("ix_application_members_credit_code"), "application_members", ["credit_code"], unique=False)
    op.drop_column("organisations", "credit_standing")


def downgrade() -> None:
    op.add_column("organisations", sa.Column("credit_standing", STANDING, nullable=False, server_default="good"))
    # Last declared wins again: a unit any application declared 失信 is 失信.
    op.execute(
        "UPDATE organisations SET credit_standing = 'bad' WHERE id IN "
        "(SELECT lead_org_id FROM applications WHERE lead_credit_standing = 'bad' "
        "UNION SELECT org_id FROM application_members WHERE credit_standing = 'bad')"
    )
    _drop_defaults("organisations", ("credit_standing",))
    op.drop_index(op.f("ix_application_members_credit_code"), table_name="application_members")
    op.drop_index(op.f("ix_applications_lead_credit_code"), table_name="applications")
    for column in UNIT_COLUMNS:
        op.drop_column("application_members", column)
        op.drop_column("applications", f"lead_{column}")
    op.drop_index(op.f("ix_credit_list_credit_code"), table_name="credit_list")
    op.drop_table("credit_list")
