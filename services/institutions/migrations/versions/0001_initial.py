"""Bus tables and 定点医药机构 (designated_institution).

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
        "designated_institution",
        sa.Column("fixmedins_code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("designated_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('hospital', 'pharmacy')", name="designated_institution_kind"),
    )


def downgrade() -> None:
    op.drop_table("designated_institution")
    drop_bus_tables(op)
