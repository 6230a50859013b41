"""Use cases of designated institutions (定点医药机构); the only place that commits."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from institutions.directory.models import DesignatedInstitution


async def find_institutions(session: AsyncSession, *, limit: int, offset: int) -> list[DesignatedInstitution]:
    query = select(DesignatedInstitution).order_by(DesignatedInstitution.fixmedins_code).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())
