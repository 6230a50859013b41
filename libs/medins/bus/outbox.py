"""The outbox: events are rows written in the same transaction as the business change."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope

_INSERT = text(
    "INSERT INTO outbox (id, type, body, created_at, next_attempt_at) "
    "VALUES (:id, :type, :body, :created_at, :created_at)"
)


async def add_to_outbox(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(
        _INSERT,
        {
            "id": envelope.id,
            "type": envelope.type,
            "body": envelope.model_dump_json(),
            "created_at": envelope.time,
        },
    )
