"""Use cases of the employer read model (参保单位).

Writes come only from the event handler, inside the consumer's transaction: nothing here commits.
"""

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maternity.employers.models import Employer
from maternity.events import UnitRegistered
from medins.errors import NotFound

_REFRESHED = ("unit_id", "unit_code", "name", "region", "registered_at", "received_at")


async def record_registered_unit(session: AsyncSession, *, event: UnitRegistered) -> None:
    """Insert the employer, or refresh it when its USCC is known (a later registration wins)."""
    stmt = insert(Employer).values(
        uscc=event.uscc,
        unit_id=event.unit_id,
        unit_code=event.unit_code,
        name=event.name,
        region=event.region,
        registered_at=event.registered_at,
        received_at=func.now(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Employer.uscc],
        set_={column: stmt.excluded[column] for column in _REFRESHED},
        # a replayed older event (e.g. from the dead-letter queue) must not overwrite a newer registration
        where=Employer.registered_at <= stmt.excluded.registered_at,
    )
    await session.execute(stmt)


async def get_employer(session: AsyncSession, uscc: str) -> Employer:
    code = uscc.strip().upper()
    employer = await session.get(Employer, code)
    if employer is None:
        raise NotFound(f"未找到统一社会信用代码为 {code} 的参保单位", code="employer_not_found")
    return employer


async def find_employers(session: AsyncSession, *, limit: int, offset: int) -> list[Employer]:
    query = select(Employer).order_by(Employer.registered_at, Employer.uscc).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())
