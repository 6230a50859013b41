"""Use cases of units (参保单位); the only place that commits."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from medins.db import UnitOfWork
from medins.errors import NotFound
from medins.identity import Principal
from registration.events import UnitRegistered
from registration.units.domain import UnitAlreadyRegistered, check_former_uscc, unit_code
from registration.units.models import Employer
from registration.units.schemas import RegisterUnit


async def register_unit(uow: UnitOfWork, *, command: RegisterUnit, actor: Principal) -> Employer:
    """单位参保登记 (new registration): one registration per USCC, announced by an event."""
    check_former_uscc(command.uscc, command.former_uscc)
    async with uow:
        existing = await uow.session.scalar(select(Employer.id).where(Employer.uscc == command.uscc))
        if existing is not None:
            raise UnitAlreadyRegistered(f"统一社会信用代码 {command.uscc} 已于本统筹区参保登记")
        sequence = await uow.session.scalar(text("SELECT nextval('employer_unit_code_seq')"))
        assert sequence is not None
        now = datetime.now(UTC)
        employer = Employer(
            id=uuid.uuid4(),
            unit_code=unit_code(uow.region, sequence),
            status="active",
            region=uow.region,
            registered_by=actor.label,
            registered_at=now,
            **command.model_dump(exclude={"insured_products"}),
            insured_products=[str(p) for p in command.insured_products],
        )
        uow.session.add(employer)
        uow.publish(
            UnitRegistered(
                unit_id=employer.id,
                unit_code=employer.unit_code,
                uscc=employer.uscc,
                name=employer.name,
                region=employer.region,
                insured_products=employer.insured_products,
                registered_at=now,
            )
        )
        try:
            await uow.session.flush()
            await uow.commit()
        except IntegrityError as exc:
            # a concurrent registration of the same code won the race
            raise UnitAlreadyRegistered(f"统一社会信用代码 {command.uscc} 已于本统筹区参保登记") from exc
    return employer


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> Employer:
    employer = await session.get(Employer, unit_id)
    if employer is None:
        raise NotFound("未找到该参保单位", code="unit_not_found")
    return employer


async def find_units(session: AsyncSession, *, uscc: str | None, limit: int, offset: int) -> list[Employer]:
    query = select(Employer).order_by(Employer.registered_at).limit(limit).offset(offset)
    if uscc:
        query = query.where(Employer.uscc == uscc.strip().upper())
    return list((await session.scalars(query)).all())
