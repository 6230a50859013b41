"""单位参保登记 against a real PostgreSQL: the change and its event commit together or not at all."""

import asyncio
import json

import pytest
from sqlalchemy import text

from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.identity import Principal, PrincipalKind
from registration.units import service
from registration.units.domain import UnitAlreadyRegistered
from registration.units.schemas import RegisterUnit

pytestmark = pytest.mark.integration

STAFF = Principal(PrincipalKind.staff, "demo-intake", "431000", frozenset({"intake"}))
FORM = {
    "uscc": "91431000MA4L0XXK0G",
    "name": "郴州市示例科技有限公司",
    "address": "郴州市北湖区人民西路1号",
    "legal_rep_name": "张三",
    "legal_rep_phone": "0735-2221234",
    "legal_rep_certno": "11010519491231002X",
    "handler_name": "李四",
    "handler_mobile": "13800138000",
    "insured_products": ["employee_medical"],
}


async def counts(engine) -> tuple[int, int]:
    async with engine.connect() as conn:
        employers = (await conn.execute(text("SELECT count(*) FROM employer"))).scalar_one()
        events = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    return employers, events


async def test_a_registration_writes_the_unit_and_its_event_in_one_transaction(make_database):
    engine = make_engine(make_database("registration"))
    sessionmaker = make_sessionmaker(engine)
    try:
        async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
            employer = await service.register_unit(uow, command=RegisterUnit(**FORM), actor=STAFF.label)
            await uow.commit()
        assert await counts(engine) == (1, 1)
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT type, body FROM outbox"))).one()
        envelope = json.loads(row.body)
        assert row.type == "registration.unit.registered.v1" == envelope["type"]
        assert envelope["data"]["unit_id"] == str(employer.id)
        assert envelope["data"]["uscc"] == FORM["uscc"] and envelope["region"] == "431000"
        assert employer.unit_code == "43100000000001"
    finally:
        await engine.dispose()


async def test_two_concurrent_registrations_of_one_uscc_leave_one_unit_and_one_event(make_database):
    engine = make_engine(make_database("registration"))
    sessionmaker = make_sessionmaker(engine)
    try:

        async def register(name: str) -> None:
            async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
                await service.register_unit(uow, command=RegisterUnit(**FORM | {"name": name}), actor=STAFF.label)
                await uow.commit()

        attempts = [register(f"并发登记{i}") for i in range(5)]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        refused = [r for r in results if isinstance(r, UnitAlreadyRegistered)]
        assert all(r is None or isinstance(r, UnitAlreadyRegistered) for r in results), results
        assert len(refused) == 4 and len(results) - len(refused) == 1
        assert await counts(engine) == (1, 1)
    finally:
        await engine.dispose()
