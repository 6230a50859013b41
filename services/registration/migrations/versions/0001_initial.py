"""Bus tables and 参保单位 (employer).

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
    op.execute("CREATE SEQUENCE employer_unit_code_seq")
    op.create_table(
        "employer",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("unit_code", sa.String(20), nullable=False, unique=True),
        sa.Column("uscc", sa.String(18), nullable=False, unique=True),
        sa.Column("former_uscc", sa.String(18)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("superior_department", sa.String(200)),
        sa.Column("unit_nature", sa.String(50)),
        sa.Column("affiliation", sa.String(50)),
        sa.Column("legal_rep_name", sa.String(50), nullable=False),
        sa.Column("legal_rep_phone", sa.String(30), nullable=False),
        sa.Column("legal_rep_certno", sa.String(18), nullable=False),
        sa.Column("bank_name", sa.String(100)),
        sa.Column("bank_account_name", sa.String(200)),
        sa.Column("bank_account_no", sa.String(40)),
        sa.Column("handler_name", sa.String(50), nullable=False),
        sa.Column("handler_department", sa.String(100)),
        sa.Column("handler_mobile", sa.String(30), nullable=False),
        sa.Column("handler_phone", sa.String(30)),
        sa.Column("insured_products", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("employer")
    op.execute("DROP SEQUENCE employer_unit_code_seq")
    drop_bus_tables(op)
