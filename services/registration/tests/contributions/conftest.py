"""Fixtures of the contribution tests: a migrated registration database with persons, and the import."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from stdnum.cn import ric

from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from registration.backpay.models import BackpaidMonth
from registration.config import Settings
from registration.contributions import importer
from registration.employees.models import Retirement
from registration.main import create_app
from registration.persons.models import Enrolment, InsuredPerson

REGION = "431000"
FINANCE = Principal(PrincipalKind.staff, "s-finance", REGION, frozenset({"finance"}), "财务")
HEADER = "certno,psn_name,insutype,month,contribution_base,employer_amount,person_amount,employer_uscc,paid_on"
USCC = "91431000MA4L0XXK0G"


def certno(serial: int, born: date = date(1980, 5, 1)) -> str:
    """A valid 身份证号 (北湖区 431002); serial 0–999 on the birthday, born + serial // 1000 days."""
    body = f"431002{born:%Y%m%d}{serial % 1000:03d}"
    if serial >= 1000:
        born = date.fromordinal(born.toordinal() + serial // 1000)
        body = f"431002{born:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def row(
    number: str, month: str = "2024-03", insutype: str = "310", employer: str = "400.00", person: str = "100.00"
) -> str:
    base = "" if insutype == "390" else "5000.00"
    return f"{number},张三,{insutype},{month},{base},{employer},{person},{USCC},"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def chunked(data: bytes, size: int = 37) -> AsyncIterator[bytes]:
    """The body as a server receives it: in pieces that cut lines and characters anywhere."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


@dataclass
class Db:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, source="registration", region=REGION)

    async def persons(self, *numbers: str) -> None:
        """Registered persons (参保登记 is another area's; only the rows an import needs)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO insured_person (id, psn_no, cert_type, certno, name, region, created_at) "
                    "VALUES (:id, :psn_no, '01', :certno, '张三', :region, :now)"
                ),
                [
                    {
                        "id": uuid.uuid4(),
                        "psn_no": f"{REGION}{n}",  # unique as the 身份证号 is (a random one collided: 2 % of 20,000)
                        "certno": n,
                        "region": REGION,
                        "now": datetime.now(UTC),
                    }
                    for n in numbers
                ],
            )

    async def backpay_and_retire(self, number: str, *, month: str, deemed_months: int) -> None:
        """What the lifecycle's cases leave behind: a back-paid month, and a retirement with its 样表4 months."""
        async with self.sessionmaker() as session, session.begin():
            person = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == number))
            assert person is not None
            enrolment = Enrolment(
                id=uuid.uuid4(),
                person_id=person.id,
                insutype="310",
                status="enrolled",
                flexible_worker=False,
                start_month="2023-01",
                start_on=date(2023, 1, 1),
                case_no="TEST",
                created_at=datetime.now(UTC),
            )
            session.add(enrolment)
            await session.flush()
            session.add(
                BackpaidMonth(person_id=person.id, insutype="310", month=month, kind="gap", backpay_id=uuid.uuid4())
            )
            session.add(
                Retirement(
                    person_id=person.id,
                    enrolment_id=enrolment.id,
                    retirement_type="normal",
                    deemed_months=deemed_months,
                    actual_months=0,
                    cumulative_months=deemed_months,
                    benefits_from=date(2024, 3, 1),
                    case_no="TEST",
                    retired_at=datetime.now(UTC),
                )
            )

    async def import_file(self, data: bytes, *, period: date = date(2024, 3, 1), codec: str = "utf-8-sig") -> uuid.UUID:
        async with self.uow() as uow:
            return await importer.import_batch(
                uow,
                chunks=chunked(data),
                codec=codec,
                period=period,
                source="tax",
                file_name="test.csv",
                actor=FINANCE.label,
                today=date(2024, 4, 10),
            )

    async def scalar(self, sql: str, **params: object) -> object:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar_one()

    async def counts(self) -> dict[str, int]:
        tables = ["contribution_batch", "contribution_record", "contribution_rejection", "outbox"]
        return {t: int(await self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}  # type: ignore[call-overload]

    async def events(self) -> list[dict]:
        async with self.engine.connect() as conn:
            bodies = (await conn.execute(text("SELECT body FROM outbox ORDER BY created_at, id"))).scalars().all()
        return [json.loads(b) for b in bodies]


@pytest.fixture
async def db(make_database) -> AsyncIterator[Db]:
    engine = make_engine(make_database("registration"))
    try:
        yield Db(engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()


@dataclass
class Api:
    client: httpx.AsyncClient
    signer: InternalTokenSigner

    def headers(self, principal: Principal = FINANCE, **more: str) -> dict[str, str]:
        return {"x-medins-principal": self.signer.sign(principal), **more}


@pytest.fixture
async def api(db: Db, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The registration app in process on the test's database (no relay, no consumers)."""
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
        async with httpx.AsyncClient(transport=transport, base_url="http://registration", timeout=60) as client:
            yield Api(client, InternalTokenSigner(private))
