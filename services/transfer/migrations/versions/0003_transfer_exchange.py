"""转移接续 between regions: the documents of a transfer, certificates, numbering, the partner API's
outbox and inbox, the partner directory, and the read model of persons fed by registration's events.

Revision ID: 0003_transfer_exchange
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_transfer_exchange"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
TS = sa.DateTime(timezone=True)

NEW_TRANSFER_COLUMNS = [
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("case_no", sa.String(32), unique=True),
    sa.Column("letter_no", sa.String(24)),
    sa.Column("application_no", sa.String(40)),
    sa.Column("certificate_no", sa.String(24)),
    sa.Column("transfer_account", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("amount", MONEY),
    sa.Column("application", sa.JSON),
    sa.Column("letter", sa.JSON),
    sa.Column("letter_jws", sa.Text),
    sa.Column("info_table", sa.JSON),
    sa.Column("info_table_jws", sa.Text),
    sa.Column("remittance", sa.JSON),
    sa.Column("remittance_jws", sa.Text),
    sa.Column("mismatch", sa.JSON),
    sa.Column("rejection_code", sa.String(40)),
    sa.Column("rejection_detail", sa.Text),
    sa.Column("partner_problem", sa.JSON),
    sa.Column("accepted_on", sa.Date),
    sa.Column("completed_at", TS),
    sa.Column("updated_at", TS),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
]


def upgrade() -> None:
    for column in NEW_TRANSFER_COLUMNS:
        op.add_column("transfer", column)
    op.create_unique_constraint("transfer_direction_letter_no", "transfer", ["direction", "letter_no"])
    op.create_index("ix_transfer_status", "transfer", ["direction", "status"])
    op.create_table(
        "insurance_certificate",
        sa.Column("certificate_no", sa.String(24), primary_key=True),
        sa.Column("certno", sa.String(18), nullable=False, index=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("jws", sa.Text, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "document_sequence",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "partner_region",
        sa.Column("admdvs", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("base_url", sa.String(300), nullable=False),
        sa.Column("jwks", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "partner_message",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("partner", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("number", sa.String(80), nullable=False),
        sa.Column("transfer_id", sa.Uuid, index=True),
        sa.Column("jws", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", TS),
        sa.Column("refused_at", TS),
        sa.Column("response_status", sa.Integer),
        sa.Column("response", sa.JSON),
        sa.UniqueConstraint("partner", "kind", "number", name="partner_message_once"),
    )
    op.create_index(
        "partner_message_due",
        "partner_message",
        ["next_attempt_at"],
        postgresql_where=sa.text("delivered_at IS NULL AND refused_at IS NULL"),
    )
    op.create_table(
        "partner_document",
        sa.Column("issuer", sa.String(6), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("number", sa.String(80), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("jws", sa.Text, nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("received_at", TS, nullable=False),
    )
    op.create_table(
        "enrolment_view",
        sa.Column("certno", sa.String(18), primary_key=True),
        sa.Column("insutype", sa.String(3), primary_key=True),
        sa.Column("psn_no", sa.String(30), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("start_on", sa.Date),
        sa.Column("stopped_on", sa.Date),
        sa.Column("stop_reason", sa.String(40)),
        sa.Column("as_of", TS, nullable=False),
    )
    op.create_table(
        "account_view",
        sa.Column("certno", sa.String(18), primary_key=True),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("entry_no", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "account_view",
        "enrolment_view",
        "partner_document",
        "partner_message",
        "partner_region",
        "document_sequence",
        "insurance_certificate",
    ):
        op.drop_table(table)
    op.drop_index("ix_transfer_status", table_name="transfer")
    op.drop_constraint("transfer_direction_letter_no", "transfer")
    for column in reversed(NEW_TRANSFER_COLUMNS):
        op.drop_column("transfer", column.name)
