"""Bus tables and 月度费用申报 (monthly_declaration).

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
        "monthly_declaration",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("fixmedins_code", sa.String(12), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("medfee_sumamt", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name="monthly_declaration_period_format"),
        sa.CheckConstraint("medfee_sumamt >= 0", name="monthly_declaration_medfee_sumamt_not_negative"),
    )
    op.create_index("ix_monthly_declaration_fixmedins_code_period", "monthly_declaration", ["fixmedins_code", "period"])


def downgrade() -> None:
    op.drop_index("ix_monthly_declaration_fixmedins_code_period", table_name="monthly_declaration")
    op.drop_table("monthly_declaration")
    drop_bus_tables(op)
