"""Coverage: months paid late by 欠款补缴 (source 'A'): they count, but a day in them gives no benefits.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("coverage_month_source", "coverage_month", type_="check")
    op.create_check_constraint("coverage_month_source", "coverage_month", "source IN ('C', 'G', 'T', 'A')")


def downgrade() -> None:
    op.execute("DELETE FROM coverage_month WHERE source = 'A'")
    op.drop_constraint("coverage_month_source", "coverage_month", type_="check")
    op.create_check_constraint("coverage_month_source", "coverage_month", "source IN ('C', 'G', 'T')")
