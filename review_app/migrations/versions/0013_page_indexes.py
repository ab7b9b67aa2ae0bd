"""the index a page of the ranking reads (issue 20): ranking_results by run and place

The results page shows 50 places of a national ranking (10,000 applications) at a time; without this
index the database sorts the whole run for every page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ranking_results_run_rank", "ranking_results", ["ranking_run_id", "rank"])


def downgrade() -> None:
    op.drop_index("ix_ranking_results_run_rank", table_name="ranking_results")
