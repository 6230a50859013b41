"""人员编号 (psn_no) is letters and digits: the register's own numbers, region + sequence.

Events and documents carry it as it is (a contribution file's events quote it without escaping).

Revision ID: 0005_psn_no_format
"""

from alembic import op

revision = "0005_psn_no_format"
down_revision = "0004_outbox_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint("insured_person_psn_no_format", "insured_person", "psn_no ~ '^[0-9A-Za-z]+$'")


def downgrade() -> None:
    op.drop_constraint("insured_person_psn_no_format", "insured_person", type_="check")
