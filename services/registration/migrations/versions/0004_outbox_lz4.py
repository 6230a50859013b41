"""The outbox's message bodies compressed with lz4 where the server has it.

A contribution file's events carry a thousand persons a message (some 65 kB): compressing them with
PostgreSQL's default pglz costs more than writing the records they announce. lz4 is several times
faster for the same kind of text. A server built without lz4 keeps pglz (the statement is skipped).

Revision ID: 0004_outbox_lz4
"""

from alembic import op

revision = "0004_outbox_lz4"
down_revision = "0003_contributions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            ALTER TABLE outbox ALTER COLUMN body SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'lz4 is not available: outbox bodies stay compressed with pglz';
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN body SET COMPRESSION pglz")
