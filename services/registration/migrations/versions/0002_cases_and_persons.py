"""Case tables (办件) and 参保人员 with their enrolments.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

from medins.cases.tables import create_case_tables, drop_case_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_case_tables(op)
    op.execute("CREATE SEQUENCE insured_person_seq")
    op.create_table(
        "insured_person",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("psn_no", sa.String(30), nullable=False, unique=True),
        sa.Column("cert_type", sa.String(2), nullable=False),
        sa.Column("certno", sa.String(30), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_month", sa.String(7)),
        sa.Column("mobile", sa.String(20)),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False),
        sa.Column("insutype", sa.String(3), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("employer_id", sa.Uuid, sa.ForeignKey("employer.id")),
        sa.Column("flexible_worker", sa.Boolean, nullable=False),
        sa.Column("declared_monthly_wage", sa.Numeric(14, 2)),
        sa.Column("start_month", sa.String(7), nullable=False),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "insutype", name="enrolment_person_scheme"),
    )


def downgrade() -> None:
    op.drop_table("enrolment")
    op.drop_table("insured_person")
    op.execute("DROP SEQUENCE insured_person_seq")
    drop_case_tables(op)
