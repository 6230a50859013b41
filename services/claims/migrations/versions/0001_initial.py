"""Bus tables and 异地就医备案 (offsite_care_filing).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from medins.bus.migrations import create_bus_tables, drop_bus_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables(op)
    op.create_table(
        "offsite_care_filing",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("certno", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_offsite_care_filing_certno", "offsite_care_filing", ["certno"])


def downgrade() -> None:
    op.drop_index("ix_offsite_care_filing_certno", table_name="offsite_care_filing")
    op.drop_table("offsite_care_filing")
    drop_bus_tables(op)
