"""Lifecycle of units, employees and residents: 暂停, 注销, 拆分合并分立, 信息变更 (before/after), 减少, 恢复,
在职转退休, 缴费基数调整, 法定断档补缴 / 欠款补缴 months, 死亡.

Revision ID: 0003_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_lifecycle"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("employer", sa.Column("unit_type", sa.String(50)))
    op.add_column("employer", sa.Column("public_sector", sa.JSON))
    op.add_column("employer", sa.Column("suspended_on", sa.Date))
    op.add_column("employer", sa.Column("cancelled_on", sa.Date))
    op.add_column("employer", sa.Column("cancel_reason", sa.String(20)))
    op.add_column("insured_person", sa.Column("sex", sa.String(1)))
    op.add_column("insured_person", sa.Column("died_on", sa.Date))
    op.add_column("enrolment", sa.Column("personnel_type", sa.String(12), nullable=False, server_default="in_service"))
    op.add_column("enrolment", sa.Column("contribution_base", sa.Numeric(14, 2)))
    op.add_column("enrolment", sa.Column("stopped_on", sa.Date))
    op.add_column("enrolment", sa.Column("stop_reason", sa.String(20)))
    op.add_column("enrolment", sa.Column("suspension_cause", sa.String(20)))
    op.add_column("enrolment", sa.Column("detail", sa.JSON))
    op.execute("UPDATE enrolment SET contribution_base = declared_monthly_wage")
    op.create_index("enrolment_employer", "enrolment", ["employer_id", "status"])
    op.create_table(
        "enrolment_change",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("enrolment_id", sa.Uuid, sa.ForeignKey("enrolment.id"), index=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False, index=True),
        sa.Column("insutype", sa.String(3)),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("from_status", sa.String(12)),
        sa.Column("to_status", sa.String(12)),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("employer_id", sa.Uuid, sa.ForeignKey("employer.id")),
        sa.Column("case_no", sa.String(32)),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unit_change",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("employer_id", sa.Uuid, sa.ForeignKey("employer.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("before", sa.JSON, nullable=False),
        sa.Column("after", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("case_no", sa.String(32)),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unit_link",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("predecessor_id", sa.Uuid, sa.ForeignKey("employer.id"), nullable=False, index=True),
        sa.Column("successor_id", sa.Uuid, sa.ForeignKey("employer.id"), nullable=False, index=True),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "retirement",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False, unique=True),
        sa.Column("enrolment_id", sa.Uuid, sa.ForeignKey("enrolment.id"), nullable=False),
        sa.Column("retirement_type", sa.String(10), nullable=False),
        sa.Column("personnel_identity", sa.String(10)),
        sa.Column("archive_birth_month", sa.String(7)),
        sa.Column("work_start_month", sa.String(7)),
        sa.Column("deemed_months", sa.Integer, nullable=False),
        sa.Column("actual_months", sa.Integer, nullable=False),
        sa.Column("cumulative_months", sa.Integer, nullable=False),
        sa.Column("benefits_from", sa.Date, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "gap_backpay",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False, index=True),
        sa.Column("employer_id", sa.Uuid, sa.ForeignKey("employer.id")),
        sa.Column("insutype", sa.String(3), nullable=False),
        sa.Column("scenario", sa.String(32), nullable=False),
        sa.Column("personnel_type", sa.String(12), nullable=False),
        sa.Column("status_at_application", sa.String(12), nullable=False),
        sa.Column("monthly_wage", sa.Numeric(14, 2), nullable=False),
        sa.Column("start_month", sa.String(7), nullable=False),
        sa.Column("end_month", sa.String(7), nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "arrears_backpay",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("employer_id", sa.Uuid, sa.ForeignKey("employer.id"), index=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), index=True),
        sa.Column("start_month", sa.String(7), nullable=False),
        sa.Column("end_month", sa.String(7), nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("personal_repayment", sa.Boolean, nullable=False),
        sa.Column("benefits_from", sa.Date, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "backpaid_month",
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False),
        sa.Column("insutype", sa.String(3), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("backpay_id", sa.Uuid, nullable=False),
        sa.Column("monthly_wage", sa.Numeric(14, 2)),
        sa.PrimaryKeyConstraint("person_id", "insutype", "month", name="backpaid_month_pkey"),
    )


def downgrade() -> None:
    for table in ("backpaid_month", "arrears_backpay", "gap_backpay", "retirement", "unit_link", "unit_change"):
        op.drop_table(table)
    op.drop_table("enrolment_change")
    op.drop_index("enrolment_employer", table_name="enrolment")
    for column in ("detail", "suspension_cause", "stop_reason", "stopped_on", "contribution_base", "personnel_type"):
        op.drop_column("enrolment", column)
    op.drop_column("insured_person", "died_on")
    op.drop_column("insured_person", "sex")
    for column in ("cancel_reason", "cancelled_on", "suspended_on", "public_sector", "unit_type"):
        op.drop_column("employer", column)
