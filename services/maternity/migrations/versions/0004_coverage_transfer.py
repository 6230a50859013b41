"""Coverage: the periods brought in by 转移接续 (the 信息表's rows registration merged).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_transfer_period",
        sa.Column("person_id", sa.BigInteger, primary_key=True),
        sa.Column("insutype", sa.String(3), primary_key=True),
        sa.Column("letter_no", sa.String(40), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),
        sa.Column("start_month", sa.Date, nullable=False),
        sa.Column("end_month", sa.Date, nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("admdvs", sa.String(12)),
        sa.CheckConstraint("end_month >= start_month AND months >= 0", name="coverage_transfer_period_span"),
    )


def downgrade() -> None:
    op.drop_table("coverage_transfer_period")
