"""Use cases of monthly declarations (月度费用申报); the only place that commits."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from settlement.declarations.models import MonthlyDeclaration


async def find_declarations(session: AsyncSession, *, limit: int, offset: int) -> list[MonthlyDeclaration]:
    """Latest period first, then by institution."""
    query = (
        select(MonthlyDeclaration)
        .order_by(
            MonthlyDeclaration.period.desc(),
            MonthlyDeclaration.fixmedins_code,
            MonthlyDeclaration.created_at,
            MonthlyDeclaration.id,
        )
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())
