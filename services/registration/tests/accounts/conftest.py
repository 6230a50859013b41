"""Fixtures of the personal account tests: a migrated registration database, insured persons, the app."""

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from stdnum.cn import ric

from medins.cases.service import CaseKit
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from medins.service_app import shared_catalog
from medins.workdays import WorkCalendar
from registration.accounts.models import AccountEntry, PersonalAccount
from registration.accounts.mutual_aid import complete_binding, complete_unbinding
from registration.accounts.withdrawals import complete_withdrawal
from registration.config import Settings
from registration.main import create_app
from registration.persons.models import Enrolment, InsuredPerson

REGION = "431000"
STAFF = Principal(PrincipalKind.staff, "s-admin", REGION, frozenset({"intake", "review", "finance", "admin"}), "经办员")


_SERIALS = itertools.count(uuid.uuid4().int % 1000)  # distinct within a run: random ones could collide


def certno(born: date, serial: int | None = None) -> str:
    """A valid 身份证号 born on ``born`` (北湖区 431002)."""
    body = f"431002{born:%Y%m%d}{(serial if serial is not None else next(_SERIALS) % 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Db:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def uow(self, region: str = REGION) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, source="registration", region=region)

    async def enrol(
        self, name: str, *, born: date = date(1980, 5, 1), insutype: str = "310", status: str = "enrolled"
    ) -> str:
        """An insured person with one enrolment; returns the 身份证号."""
        number = certno(born)
        now = datetime.now(UTC)
        async with self.uow() as uow:
            person_id = uuid.uuid4()
            uow.session.add(
                InsuredPerson(
                    id=person_id,
                    psn_no=f"{REGION}{uuid.uuid4().int % 10**10:010d}",
                    cert_type="01",
                    certno=number,
                    name=name,
                    region=REGION,
                    created_at=now,
                )
            )
            await uow.session.flush()
            uow.session.add(
                Enrolment(
                    id=uuid.uuid4(),
                    person_id=person_id,
                    insutype=insutype,
                    status=status,
                    flexible_worker=False,
                    start_month="2020-01",
                    start_on=date(2020, 1, 1),
                    case_no="TEST",
                    created_at=now,
                )
            )
            await uow.commit()
        return number

    async def set_status(self, number: str, status: str) -> None:
        """Stand-in for 停保 (the lifecycle cases are another area's)."""
        async with self.uow() as uow:
            person_id = await uow.session.scalar(select(InsuredPerson.id).where(InsuredPerson.certno == number))
            await uow.session.execute(update(Enrolment).where(Enrolment.person_id == person_id).values(status=status))
            await uow.commit()

    async def balance(self, number: str) -> Decimal | None:
        async with self.sessionmaker() as session:
            return await session.scalar(select(PersonalAccount.balance).where(PersonalAccount.certno == number))

    async def ledger(self, number: str) -> tuple[Decimal, int]:
        """(credits − debits over the ledger, number of entries) of the person's account."""
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(AccountEntry.direction, AccountEntry.amount)
                    .join(PersonalAccount, PersonalAccount.id == AccountEntry.account_id)
                    .where(PersonalAccount.certno == number)
                )
            ).all()
        total = sum((a if d == "credit" else -a for d, a in rows), Decimal("0.00"))
        return total, len(rows)


@pytest.fixture
async def db(make_database) -> AsyncIterator[Db]:
    engine = make_engine(make_database("registration"))
    try:
        yield Db(engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def make_kit() -> Callable[[str], CaseKit]:
    """``make_kit(region)``: the case kit with the account items' completion handlers, as main.py wires them."""

    def make(region: str = REGION) -> CaseKit:
        return CaseKit(
            service="registration",
            region=region,
            catalog=shared_catalog(),
            calendar=WorkCalendar(region),
            completion_handlers={
                "account_withdrawal": complete_withdrawal,
                "family_mutual_aid_binding": complete_binding,
                "family_mutual_aid_unbinding": complete_unbinding,
            },
        )

    return make


@dataclass
class Api:
    client: httpx.AsyncClient
    signer: InternalTokenSigner

    def headers(self, principal: Principal = STAFF, key: str | None = None) -> dict[str, str]:
        headers = {"x-medins-principal": self.signer.sign(principal)}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers


@pytest.fixture
async def api(db: Db, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The registration app in process, on the test's database, with a principal signer of its own."""
    private, public = generate_ed25519_keypair()
    (tmp_path / "internal-public.pem").write_bytes(public)
    settings = Settings(
        database_url=db.engine.url.render_as_string(hide_password=False),
        amqp_url=amqp_url,
        region=REGION,
        internal_public_key_file=tmp_path / "internal-public.pem",
        relay_enabled=False,
        consumers_enabled=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registration") as client:
            yield Api(client, InternalTokenSigner(private))
