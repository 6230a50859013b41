"""DDL of the bus tables, called from every service's first Alembic migration."""

from typing import Any


def create_bus_tables(op: Any) -> None:
    op.execute(
        """
        CREATE TABLE outbox (
            id uuid PRIMARY KEY,
            type text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL,
            next_attempt_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            last_error text,
            sent_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX outbox_unsent ON outbox (next_attempt_at) WHERE sent_at IS NULL")
    op.execute(
        """
        CREATE TABLE inbox (
            consumer text NOT NULL,
            event_id uuid NOT NULL,
            event_type text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        )
        """
    )


def drop_bus_tables(op: Any) -> None:
    op.execute("DROP TABLE inbox")
    op.execute("DROP TABLE outbox")
