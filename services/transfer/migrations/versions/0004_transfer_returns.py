"""转移接续: 返还 when the 转入地 refuses after the debit (amount and time on the transfer), and the read model
of contribution months the 参保凭证 counts (fed by registration's events).

Revision ID: 0004_transfer_returns
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_transfer_returns"
down_revision = "0003_transfer_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("transfer", sa.Column("returned_amount", sa.Numeric(14, 2)))
    op.add_column("transfer", sa.Column("returned_at", sa.DateTime(timezone=True)))
    op.create_table(
        "contribution_month_view",
        sa.Column("certno", sa.String(18), primary_key=True),
        sa.Column("insutype", sa.String(3), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("contribution_month_view")
    op.drop_column("transfer", "returned_at")
    op.drop_column("transfer", "returned_amount")
