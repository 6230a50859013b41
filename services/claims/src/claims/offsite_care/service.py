"""Use cases of off-site care filings (异地就医备案); the only place that commits."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from claims.offsite_care.models import OffsiteCareFiling


async def find_filings(session: AsyncSession, *, limit: int, offset: int) -> list[OffsiteCareFiling]:
    """Newest first."""
    query = (
        select(OffsiteCareFiling)
        .order_by(OffsiteCareFiling.created_at.desc(), OffsiteCareFiling.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())
