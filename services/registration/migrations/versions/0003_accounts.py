"""个人账户: accounts, the append-only ledger, withdrawals, family mutual aid; idempotency keys.

Revision ID: 0003_accounts
"""

import sqlalchemy as sa
from alembic import op

from medins.idempotency import create_idempotency_table, drop_idempotency_table

revision = "0003_accounts"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    create_idempotency_table(op)
    op.create_table(
        "personal_account",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("person_id", sa.Uuid, sa.ForeignKey("insured_person.id"), nullable=False, unique=True),
        sa.Column("psn_no", sa.String(30), nullable=False, unique=True),
        sa.Column("certno", sa.String(30), nullable=False, unique=True),
        sa.Column("balance", MONEY, nullable=False, server_default=sa.text("0")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name="personal_account_balance_not_negative"),
    )
    op.create_table(
        "account_entry",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("personal_account.id"), nullable=False),
        sa.Column("entry_no", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(6), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("balance_after", MONEY, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "reference", name="account_entry_reference"),
        sa.UniqueConstraint("account_id", "entry_no", name="account_entry_order"),
        sa.CheckConstraint("amount > 0", name="account_entry_amount_positive"),
        sa.CheckConstraint("balance_after >= 0", name="account_entry_balance_not_negative"),
        sa.CheckConstraint("direction IN ('credit', 'debit')", name="account_entry_direction"),
    )
    # the ledger is append-only: a correction is a new entry, never an edit
    op.execute(
        """
        CREATE FUNCTION account_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'account_entry is append-only (% refused)', TG_OP;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER account_entry_append_only BEFORE UPDATE OR DELETE ON account_entry "
        "FOR EACH ROW EXECUTE FUNCTION account_entry_append_only()"
    )
    op.create_table(
        "account_withdrawal",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_no", sa.String(32), nullable=False, unique=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("personal_account.id"), nullable=False),
        sa.Column("entry_id", sa.Uuid, sa.ForeignKey("account_entry.id"), nullable=False, unique=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("bank_account_name", sa.String(100), nullable=False),
        sa.Column("bank_account_no", sa.String(40), nullable=False),
        sa.Column("payee_certno", sa.String(30), nullable=False),
        sa.Column("heir", sa.JSON),
        sa.Column("payment_status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "family_mutual_aid",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("authoriser_certno", sa.String(30), nullable=False, index=True),
        sa.Column("authoriser_name", sa.String(100), nullable=False),
        sa.Column("user_certno", sa.String(30), nullable=False, index=True),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("relationship", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("end_on", sa.Date),
        sa.Column("bound_case_no", sa.String(32), nullable=False),
        sa.Column("unbound_case_no", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("authoriser_certno <> user_certno", name="family_mutual_aid_not_self"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="family_mutual_aid_period"),
    )
    op.create_index(
        "family_mutual_aid_open_pair",
        "family_mutual_aid",
        ["authoriser_certno", "user_certno"],
        unique=True,
        postgresql_where=sa.text("end_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("family_mutual_aid")
    op.drop_table("account_withdrawal")
    op.execute("DROP TRIGGER account_entry_append_only ON account_entry")
    op.execute("DROP FUNCTION account_entry_append_only()")
    op.drop_table("account_entry")
    op.drop_table("personal_account")
    drop_idempotency_table(op)
