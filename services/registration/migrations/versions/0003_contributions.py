"""Contribution records (缴费记录) per person, insurance type and month, and their import batches.

Revision ID: 0003_contributions
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_contributions"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contribution_batch",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("file_name", sa.String(200)),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_recorded", sa.Integer, nullable=False),
        sa.Column("rows_unchanged", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "file_sha256", name="contribution_batch_file"),
    )
    op.create_index("contribution_batch_created", "contribution_batch", ["created_at"])
    # no foreign keys on contribution_record: a batch of 100,000 rows spent more in the per-row RI triggers
    # than in the rest of its insert; the import resolves every person by a join in its own transaction,
    # and neither persons nor batches are ever deleted
    op.create_table(
        "contribution_record",
        sa.Column("person_id", sa.Uuid, primary_key=True),
        sa.Column("insutype", sa.String(3), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("contribution_base", sa.Numeric(14, 2)),
        sa.Column("employer_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("person_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("employer_uscc", sa.String(18)),
        sa.Column("paid_on", sa.Date),
        sa.Column("batch_id", sa.Uuid, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.CheckConstraint("employer_amount >= 0 AND person_amount >= 0", name="contribution_amounts_not_negative"),
    )
    op.create_table(
        "contribution_rejection",
        sa.Column("batch_id", sa.Uuid, sa.ForeignKey("contribution_batch.id"), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("field", sa.String(40)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("value", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("contribution_rejection")
    op.drop_table("contribution_record")
    op.drop_index("contribution_batch_created", "contribution_batch")
    op.drop_table("contribution_batch")
