"""Use cases of units (参保单位); the only place that commits."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from medins.db import UnitOfWork
from medins.errors import NotFound
from registration.events import UnitRegistered
from registration.units.domain import UnitAlreadyRegistered, check_former_uscc, unit_code
from registration.units.models import Employer
from registration.units.schemas import RegisterUnit


async def check_uscc_free(uow: UnitOfWork, uscc: str) -> None:
    existing = await uow.session.scalar(select(Employer.id).where(Employer.uscc == uscc))
    if existing is not None:
        raise UnitAlreadyRegistered(f"统一社会信用代码 {uscc} 已于本统筹区参保登记")


async def register_unit(uow: UnitOfWork, *, command: RegisterUnit, actor: str) -> Employer:
    """单位参保登记 (new registration) inside the caller's transaction: one per USCC, announced by an event."""
    check_former_uscc(command.uscc, command.former_uscc)
    await check_uscc_free(uow, command.uscc)
    sequence = await uow.session.scalar(text("SELECT nextval('employer_unit_code_seq')"))
    assert sequence is not None
    now = datetime.now(UTC)
    employer = Employer(
        id=uuid.uuid4(),
        unit_code=unit_code(uow.region, sequence),
        status="active",
        region=uow.region,
        registered_by=actor,
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
        async with uow.session.begin_nested():
            await uow.session.flush()
    except IntegrityError as exc:
        # a concurrent registration of the same code won the race
        raise UnitAlreadyRegistered(f"统一社会信用代码 {command.uscc} 已于本统筹区参保登记") from exc
    return employer


async def complete_unit_registration(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """Runs when the 单位参保登记 case completes: a new registration, or the 暂停、恢复、注销、拆分合并分立 its
    form names as ``operation`` (样表1 登记类型)."""
    if (case["form"] or {}).get("operation"):
        from registration.completion import run_operation  # the handlers import this module

        return await run_operation(uow, case)
    employer = await register_unit(uow, command=RegisterUnit.model_validate(case["form"]), actor=case["submitted_by"])
    return {"unit_id": str(employer.id), "unit_code": employer.unit_code, "uscc": employer.uscc}


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
