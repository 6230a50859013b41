"""Use cases of transfers (转移接续); the only place that commits."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transfer.transfers.models import Transfer


async def find_transfers(session: AsyncSession, *, limit: int, offset: int) -> list[Transfer]:
    """Newest first."""
    query = select(Transfer).order_by(Transfer.created_at.desc(), Transfer.id).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())
