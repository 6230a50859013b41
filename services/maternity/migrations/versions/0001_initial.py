"""Bus tables and the read model of 参保单位 (employer), fed by registration's events.

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
        "employer",
        sa.Column("uscc", sa.String(18), primary_key=True),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("employer")
    drop_bus_tables(op)
