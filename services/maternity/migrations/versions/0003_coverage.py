"""The coverage read model (参保状态与缴费月数): persons, their enrolment events, their counted months.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_person",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("psn_no", sa.String(40), nullable=False, unique=True),
        sa.Column("certno", sa.String(30), nullable=False),
        sa.Column("died_on", sa.Date),
        sa.Column("certno_changed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("coverage_person_certno", "coverage_person", ["certno"])
    op.create_table(
        "coverage_status_change",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("insutype", sa.String(3), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("reason", sa.String(40)),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "coverage_status_change_person", "coverage_status_change", ["person_id", "insutype", "effective_on"]
    )
    # no foreign key: a month's 100,000 rows would fire as many RI triggers; persons are never deleted
    op.create_table(
        "coverage_month",
        sa.Column("person_id", sa.BigInteger, primary_key=True),
        sa.Column("insutype", sa.String(3), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("source", sa.String(1), nullable=False),
        sa.CheckConstraint("source IN ('C', 'G', 'T')", name="coverage_month_source"),
    )


def downgrade() -> None:
    op.drop_table("coverage_month")
    op.drop_table("coverage_status_change")
    op.drop_table("coverage_person")
