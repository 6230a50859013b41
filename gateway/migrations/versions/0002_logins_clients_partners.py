"""Passwords and lockout for staff; unit accounts, HIS clients (OAuth2) and the partner registry.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _login_columns() -> list[sa.Column]:
    return [
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credentials_changed_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    for column in _login_columns():
        op.add_column("staff_account", column)
    op.create_table(
        "employer_account",
        sa.Column("uscc", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        *_login_columns(),
    )
    op.create_table(
        "institution_client",
        sa.Column("client_id", sa.String(30), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("credentials_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "partner_region",
        sa.Column("admdvs", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("base_url", sa.String(300), nullable=False),
        sa.Column("jwks", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("partner_region")
    op.drop_table("institution_client")
    op.drop_table("employer_account")
    for column in ("credentials_changed_at", "locked_until", "failed_logins", "password_hash"):
        op.drop_column("staff_account", column)
