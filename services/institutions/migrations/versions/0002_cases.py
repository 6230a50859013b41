"""Case tables (办件).

Revision ID: 0002
"""

from alembic import op

from medins.cases.tables import create_case_tables, drop_case_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_case_tables(op)


def downgrade() -> None:
    drop_case_tables(op)
