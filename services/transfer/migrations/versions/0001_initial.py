"""Bus tables and 基本医疗保险关系转移接续 (transfer).

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
        "transfer",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("certno", sa.String(18), nullable=False),
        sa.Column("origin_region", sa.String(6), nullable=False),
        sa.Column("destination_region", sa.String(6), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name="transfer_direction"),
    )
    op.create_index("ix_transfer_certno", "transfer", ["certno"])


def downgrade() -> None:
    op.drop_index("ix_transfer_certno", table_name="transfer")
    op.drop_table("transfer")
    drop_bus_tables(op)
