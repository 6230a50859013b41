"""The coverage read model on real PostgreSQL and RabbitMQ: registration's events, as its relay publishes them,
consumed by maternity's handlers through a real queue; the answers of ``GET /api/v1/maternity/coverage/{certno}``.

Registration plays itself: its real contribution import writes the ``contribution.recorded.v1`` parts and its
enrolment events go through its own outbox (the lifecycle's cases are tested in registration). The bus is
this test's own exchange and queue on the shared broker, so no running service sees the messages.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.cn import ric

from maternity.config import Settings
from maternity.handlers import COVERAGE_HANDLERS
from maternity.main import create_app
from medins.bus.consumer import EventConsumer
from medins.bus.envelope import Envelope
from medins.bus.relay import OutboxRelay
from medins.bus.topology import DEAD_LETTER_EXCHANGE, dead_letter_queue_name, declare_events_exchange
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from medins.tasks import stop_tasks
from registration.contributions import importer
from registration.events import ArrearsBackpaid, ArrearsEmployee, PersonEnrolled, PersonSuspended
from registration.persons.models import Enrolment
from registration.transfers_handlers import on_transfer_in_matched

pytestmark = pytest.mark.integration

REGION = "431000"
WAIT = 60.0
STAFF = Principal(PrincipalKind.staff, "s-intake", REGION, frozenset({"intake"}), "窗口经办员")
HEADER = "certno,psn_name,insutype,month,contribution_base,employer_amount,person_amount,employer_uscc,paid_on"
USCC = "91431000MA4L0XXK0G"
PERSONS = 1_500  # more than one part (1,000 persons) per month


def certno(serial: int) -> str:
    born = date.fromordinal(date(1985, 1, 1).toordinal() + serial // 1000)
    body = f"431002{born:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT):
            while True:
                if await condition():
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"timed out after {WAIT:.0f}s waiting until {what}")


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def read_model(engine: AsyncEngine) -> dict[str, int]:
    tables = ("coverage_person", "coverage_status_change", "coverage_month", "coverage_transfer_period")
    return {t: int(await scalar(engine, f"SELECT count(*) FROM {t}")) for t in tables}


@asynccontextmanager
async def running(coro: Awaitable[None]) -> AsyncIterator[None]:
    task = asyncio.ensure_future(coro)
    try:
        yield
    finally:
        assert await stop_tasks([task]) == [], "the loop did not stop"


async def republish(amqp_url: str, exchange_name: str, envelope: Envelope) -> None:
    """The same message again (same id), as the broker redelivers it after a lost ack."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await declare_events_exchange(channel, exchange_name)
        message = aio_pika.Message(body=envelope.model_dump_json().encode(), message_id=str(envelope.id))
        await exchange.publish(message, routing_key=envelope.type, mandatory=True, timeout=15)
    finally:
        await connection.close()


async def remove_topology(amqp_url: str, exchange_name: str, queue_name: str) -> None:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        await channel.queue_delete(queue_name)
        await channel.queue_delete(dead_letter_queue_name(queue_name))
        await channel.exchange_delete(exchange_name)
    finally:
        await connection.close()
    assert DEAD_LETTER_EXCHANGE  # shared by every queue: left in place


class Registration:
    """The registration service's database: registered persons, its outbox, its real contribution import."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = make_sessionmaker(engine)
        self.psn_nos: dict[str, str] = {}

    async def register(self, numbers: list[str]) -> None:
        rows = []
        for n in numbers:  # 人员编号 in order: random ones could collide among 1,500
            self.psn_nos[n] = f"{REGION}{len(self.psn_nos) + 1:010d}"
            rows.append({"id": uuid.uuid4(), "psn_no": self.psn_nos[n], "certno": n, "now": datetime.now(UTC)})
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO insured_person (id, psn_no, cert_type, certno, name, region, created_at) "
                    f"VALUES (:id, :psn_no, '01', :certno, '张三', '{REGION}', :now)"
                ),
                rows,
            )

    async def import_file(self, lines: list[str], period: date) -> None:
        data = ("\n".join([HEADER, *lines]) + "\n").encode()

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(data), 64 * 1024):
                yield data[i : i + 64 * 1024]

        async with UnitOfWork(self.sessionmaker, source="registration", region=REGION) as uow:
            await importer.import_batch(
                uow,
                chunks=chunks(),
                codec="utf-8",
                period=period,
                source="tax",
                file_name=f"{period:%Y%m}.csv",
                actor="staff:s-finance",
                today=date(2024, 4, 10),
            )

    async def publish(self, *events: Any) -> None:
        """Events of the lifecycle's cases, into registration's outbox as its cases write them."""
        async with UnitOfWork(self.sessionmaker, source="registration", region=REGION) as uow:
            for event in events:
                uow.publish(event)
            await uow.commit()

    def person(self, number: str) -> dict[str, Any]:
        return {
            "person_id": uuid.uuid4(),
            "psn_no": self.psn_nos[number],
            "certno": number,
            "name": "张三",
            "insutype": "310",
            "employer_uscc": USCC,
            "region": REGION,
        }

    async def enrol(self, number: str, start: date) -> None:
        """The person's 310 enrolment row, as a completed 参保登记 leaves it (the case itself is tested there)."""
        async with self.sessionmaker() as session, session.begin():
            person_id = await session.scalar(text("SELECT id FROM insured_person WHERE certno = :c"), {"c": number})
            session.add(
                Enrolment(
                    person_id=person_id,
                    insutype="310",
                    status="enrolled",
                    flexible_worker=False,
                    start_month=f"{start:%Y-%m}",
                    start_on=start,
                    case_no="TEST",
                    created_at=datetime.now(UTC),
                )
            )

    async def transfer_in(self, number: str, letter_no: str, periods: list[dict[str, Any]]) -> None:
        """Registration's own handler of ``transfer.inbound.matched.v1``: it merges the 信息表's rows and writes
        ``registration.transfer_in.merged.v1`` into its outbox."""
        data = {
            "transfer_id": str(uuid.uuid4()),
            "letter_no": letter_no,
            "certno": number,
            "name": "张三",
            "origin_region": "370700",
            "amount": "0.00",
            "periods": periods,
            "region": REGION,
        }
        envelope = Envelope(
            type="transfer.inbound.matched.v1", source="transfer", region=REGION, correlation_id="c", data=data
        )
        async with self.sessionmaker() as session, session.begin():
            await on_transfer_in_matched(session, envelope)

    async def envelopes(self, event_type: str) -> list[Envelope]:
        async with self.engine.connect() as conn:
            query = text("SELECT body FROM outbox WHERE type = :t ORDER BY created_at")
            bodies = (await conn.execute(query, {"t": event_type})).scalars()
            return [Envelope.model_validate(json.loads(b) if isinstance(b, str) else b) for b in bodies]


@pytest.fixture
async def engines(make_database) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    registration, maternity = make_engine(make_database("registration")), make_engine(make_database("maternity"))
    try:
        yield registration, maternity
    finally:
        await registration.dispose()
        await maternity.dispose()


@pytest.fixture
async def maternity_api(engines, amqp_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """The maternity app in process on the test's database (its own relay and consumers off)."""
    private, public = generate_ed25519_keypair()
    (tmp_path / "internal-public.pem").write_bytes(public)
    settings = Settings(
        database_url=engines[1].url.render_as_string(hide_password=False),
        amqp_url=amqp_url,
        region=REGION,
        internal_public_key_file=tmp_path / "internal-public.pem",
        relay_enabled=False,
        consumers_enabled=False,
    )
    app = create_app(settings)
    signer = InternalTokenSigner(private)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://maternity") as client:

            async def ask(number: str, on: str, insutype: str = "510", principal: Principal = STAFF) -> httpx.Response:
                return await client.get(
                    f"/api/v1/maternity/coverage/{number}",
                    params={"on": on, "insutype": insutype},
                    headers={"x-medins-principal": signer.sign(principal)},
                )

            yield ask


@asynccontextmanager
async def fed_coverage(
    registration_db: AsyncEngine, maternity_db: AsyncEngine, amqp_url: str, expected: int
) -> AsyncIterator[tuple[EventConsumer, str]]:
    """Maternity's coverage consumer on a queue and exchange of the test's own, fed by registration's outbox relay
    until it has handled ``expected`` events; the consumer runs on for the block, the topology is removed after."""
    exchange, queue = f"mattest.{uuid.uuid4().hex[:10]}", f"mattest.coverage.{uuid.uuid4().hex[:10]}"
    consumer = EventConsumer(
        sessionmaker=make_sessionmaker(maternity_db),
        amqp_url=amqp_url,
        queue_name=queue,
        handlers=COVERAGE_HANDLERS,
        exchange=exchange,
    )
    try:
        async with running(consumer.run()):
            async with asyncio.timeout(WAIT):
                await consumer.ready.wait()  # its queue declared and bound
            async with running(OutboxRelay(registration_db, amqp_url, exchange=exchange).run()):
                await wait_until(lambda: _handled(consumer, expected), f"the consumer handled {expected} events")
            yield consumer, exchange
    finally:
        await remove_topology(amqp_url, exchange, queue)


async def test_registrations_events_feed_the_coverage_and_a_redelivered_message_changes_nothing(
    engines, maternity_api, amqp_url: str
):
    registration_db, maternity_db = engines
    registration = Registration(registration_db)
    numbers = [certno(i) for i in range(PERSONS)]
    alice, bob, carol, dave = numbers[0], numbers[1], numbers[2], numbers[PERSONS - 1]
    await registration.register(numbers)
    # bob's suspension is written (and so published) before his enrolment, and both after the months
    rows = [f"{n},张三,510,2024-{m:02d},6500.00,45.50,0,{USCC}," for m in (1, 2, 3) for n in numbers]
    rows += [f"{n},张三,310,2024-{m:02d},6500.00,520.00,130.00,{USCC}," for m in (1, 2) for n in numbers]
    await registration.import_file(rows, date(2024, 3, 1))
    suspension = PersonSuspended(**registration.person(bob), effective_on=date(2024, 3, 1), cause="reported")
    await registration.publish(suspension)
    enrolled = dict(flexible_worker=False, start_on=date(2024, 1, 1))
    await registration.publish(*(PersonEnrolled(**registration.person(n), **enrolled) for n in (alice, bob, dave)))
    parts = await registration.envelopes("registration.contribution.recorded.v1")
    # how the importer cuts the months into parts is its own business: at most 1,000 persons each, all of them
    recorded = [(e.data["insutype"], e.data["month"], p["certno"]) for e in parts for p in e.data["persons"]]
    assert len(recorded) == len(set(recorded)) == 5 * PERSONS
    assert max(len(e.data["persons"]) for e in parts) <= 1000 and len(parts) > 5
    expected = len(parts) + 1 + 3

    async with fed_coverage(registration_db, maternity_db, amqp_url, expected) as (consumer, exchange):
        insured = (await maternity_api(alice, "2024-03-15")).json()
        assert insured["insured"] is True and insured["enrolment_status"] == "enrolled"
        assert (insured["consecutive_months"], insured["cumulative_months"]) == (3, 3)
        assert insured["psn_no"] == registration.psn_nos[alice] and insured["last_contributed_month"] == "2024-03"
        assert insured["periods"] == [{"start": "2024-01", "end": "2024-03", "months": 3}]
        assert [h["insutype"] for h in insured["history"]] == ["310"]  # 510 follows the 310 enrolment

        # the last person of the file, in the second part of each month
        assert (await maternity_api(dave, "2024-02-29", insutype="310")).json()["insured"] is True

        suspended = (await maternity_api(bob, "2024-03-15")).json()
        assert suspended["insured"] is False and suspended["enrolment_status"] == "suspended"
        assert suspended["month_contributed"] is True and suspended["cumulative_months"] == 3
        assert (await maternity_api(bob, "2024-02-10")).json()["insured"] is True

        never_enrolled = (await maternity_api(carol, "2024-03-15")).json()
        assert never_enrolled["insured"] is False and never_enrolled["enrolment_status"] is None
        assert never_enrolled["cumulative_months"] == 3

        later = (await maternity_api(alice, "2024-04-10")).json()  # April's file not in yet
        assert (later["insured"], later["consecutive_months"], later["cumulative_months"]) == (False, 3, 3)
        broken = (await maternity_api(alice, "2024-05-10")).json()  # April not paid: 断缴
        assert (broken["insured"], broken["consecutive_months"], broken["cumulative_months"]) == (False, 0, 3)
        resident = (await maternity_api(alice, "2024-03-15", insutype="390")).json()
        assert (resident["insured"], resident["cumulative_months"], resident["history"]) == (False, 0, [])

        before = await read_model(maternity_db)
        assert before == {
            "coverage_person": PERSONS,
            "coverage_status_change": 4,
            "coverage_month": 5 * PERSONS,
            "coverage_transfer_period": 0,
        }
        [suspended_envelope] = await registration.envelopes("registration.person.suspended.v1")
        await republish(amqp_url, exchange, parts[0])
        await republish(amqp_url, exchange, suspended_envelope)
        await wait_until(lambda: _duplicates(consumer, 2), "the consumer acked the two redelivered messages")
        assert await read_model(maternity_db) == before
        assert (await maternity_api(bob, "2024-03-15")).json() == suspended

        # the same facts under a new event id (a part written again) get past the inbox and still add nothing
        await republish(amqp_url, exchange, parts[0].model_copy(update={"id": uuid.uuid4()}))
        await wait_until(lambda: _handled(consumer, expected + 1), "the consumer handled the repeated part")
        assert await read_model(maternity_db) == before


async def test_months_paid_late_count_but_a_day_in_them_gives_no_benefits(engines, maternity_api, amqp_url: str):
    """欠款补缴: 2024-02 and 2024-03 unpaid, then paid late by the employee; they count in 累计 and 连续 (the run goes
    on into April), but a birth on a day in them is not covered: benefits come back from the month after the payment.
    A unit's back-pay names no one and changes nothing here."""
    registration_db, maternity_db = engines
    registration = Registration(registration_db)
    erin, fred = certno(PERSONS + 11), certno(PERSONS + 12)  # fred: a flexible worker, no 生育保险
    await registration.register([erin, fred])
    rows = [f"{erin},张三,{t},2024-{m:02d},6500.00,45.50,10.00,{USCC}," for t in ("310", "510") for m in (1, 4)]
    rows += [f"{fred},张三,310,2024-{m:02d},6500.00,0,130.00,," for m in (1, 4)]
    await registration.import_file(rows, date(2024, 4, 1))
    who = registration.person(erin)
    late = ArrearsBackpaid(
        kind="employee",
        employer_uscc=USCC,
        person_id=who["person_id"],
        psn_no=who["psn_no"],
        certno=erin,
        months=["2024-02", "2024-03"],
        amount="1300.00",
        benefits_from=date(2024, 5, 1),
        region=REGION,
    )
    unit = ArrearsBackpaid(
        kind="unit",
        employer_uscc=USCC,
        person_id=None,
        psn_no=None,
        months=["2024-02"],
        amount="9999.00",
        benefits_from=date(2024, 5, 1),
        region=REGION,
    )
    on_his_own = registration.person(fred) | {"employer_uscc": None}
    fred_late = late.model_copy(
        update={
            "employer_uscc": None,
            "person_id": on_his_own["person_id"],
            "psn_no": on_his_own["psn_no"],
            "certno": fred,
        }
    )
    enrolled = PersonEnrolled(**who, flexible_worker=False, start_on=date(2024, 1, 1))
    await registration.publish(enrolled, late, unit, fred_late)
    expected = len(await registration.envelopes("registration.contribution.recorded.v1")) + 4

    async with fed_coverage(registration_db, maternity_db, amqp_url, expected):
        for insutype in ("510", "310"):  # 两险合并: the employee scheme's back-pay counts for maternity too
            in_arrears = (await maternity_api(erin, "2024-03-15", insutype=insutype)).json()
            assert in_arrears["insured"] is False and in_arrears["arrears_month"] is True, in_arrears
            assert in_arrears["month_contributed"] is True and in_arrears["enrolment_status"] == "enrolled"
            assert (in_arrears["consecutive_months"], in_arrears["cumulative_months"]) == (3, 3)
            after = (await maternity_api(erin, "2024-04-10", insutype=insutype)).json()
            assert (after["insured"], after["arrears_month"]) == (True, False)
            assert (after["consecutive_months"], after["cumulative_months"]) == (4, 4)
            assert after["periods"] == [{"start": "2024-01", "end": "2024-04", "months": 4}]
        assert (await maternity_api(erin, "2024-01-20")).json()["insured"] is True
        # a flexible worker's late months count under 310 only: he has no 生育保险
        his = (await maternity_api(fred, "2024-03-15", insutype="310")).json()
        assert (his["arrears_month"], his["cumulative_months"]) == (True, 3)
        assert (await maternity_api(fred, "2024-04-10", insutype="510")).json()["cumulative_months"] == 0
        counted = await read_model(maternity_db)
        assert counted["coverage_person"] == 2 and counted["coverage_month"] == 2 * 4 + 4


async def test_a_units_arrears_count_for_the_employees_it_names(engines, maternity_api, amqp_url: str):
    """单位欠费补缴 names each employee it paid for and their months: for each, the months count under 310 and 510
    (两险合并) in 累计 and 连续 but a day in them gives no benefits, as for an employee's own 欠款补缴."""
    registration_db, maternity_db = engines
    registration = Registration(registration_db)
    gina, hank = certno(PERSONS + 21), certno(PERSONS + 22)
    await registration.register([gina, hank])
    rows = [f"{c},张三,{t},2024-{m:02d},6500.00,45.50,10.00,{USCC}," for c in (gina, hank) for t in ("310", "510")
            for m in (1, 4)]  # fmt: skip
    await registration.import_file(rows, date(2024, 4, 1))
    her, his = registration.person(gina), registration.person(hank)
    unit = ArrearsBackpaid(
        kind="unit",
        employer_uscc=USCC,
        person_id=None,
        psn_no=None,
        months=["2024-02", "2024-03"],
        amount="2600.00",
        benefits_from=date(2024, 5, 1),
        region=REGION,
        employees=[
            ArrearsEmployee(psn_no=her["psn_no"], certno=gina, months=["2024-02", "2024-03"]),
            ArrearsEmployee(psn_no=his["psn_no"], certno=hank, months=["2024-03"]),  # he was paid for in February
        ],
    )
    enrolled = [PersonEnrolled(**who, flexible_worker=False, start_on=date(2024, 1, 1)) for who in (her, his)]
    await registration.publish(*enrolled, unit)
    expected = len(await registration.envelopes("registration.contribution.recorded.v1")) + 3

    async with fed_coverage(registration_db, maternity_db, amqp_url, expected):
        for insutype in ("510", "310"):
            hers = (await maternity_api(gina, "2024-03-15", insutype=insutype)).json()
            assert (hers["insured"], hers["arrears_month"], hers["cumulative_months"]) == (False, True, 3), hers
            assert (await maternity_api(gina, "2024-04-10", insutype=insutype)).json()["consecutive_months"] == 4
            his_march = (await maternity_api(hank, "2024-03-15", insutype=insutype)).json()
            assert (his_march["arrears_month"], his_march["cumulative_months"]) == (True, 2)
            assert (await maternity_api(hank, "2024-02-15", insutype=insutype)).json()["month_contributed"] is False


def row(start: str, end: str, months: int, insutype: str = "310") -> dict[str, Any]:
    """A row of the 转出地's 信息表 (样表16)."""
    return {
        "start_month": start,
        "end_month": end,
        "insutype": insutype,
        "months": months,
        "admdvs": "370700",
        "agency_name": "潍坊市医疗保障服务中心",
        "remark": None,
    }


async def test_months_brought_in_by_a_transfer_count_in_the_coverage_and_a_redelivery_changes_nothing(
    engines, maternity_api, amqp_url: str
):
    """registration.transfer_in.merged.v1 as registration's real handler writes it, through its relay and a real
    queue: the 信息表's rows count for 310 and 510 (两险合并), 累计 with every row, 连续 where a complete row runs
    on into the months paid here; the same event again, or the same facts under a new id, add nothing."""
    registration_db, maternity_db = engines
    registration = Registration(registration_db)
    mover, stayer = certno(10), certno(11)
    await registration.register([mover, stayer])
    await registration.enrol(mover, date(2024, 1, 1))
    rows = [
        f"{n},张三,{t},2024-{m:02d},6500.00,45.50,0,{USCC},"
        for t in ("310", "510")
        for m in (1, 2, 3)
        for n in (mover, stayer)
    ]
    await registration.import_file(rows, date(2024, 3, 1))
    await registration.publish(
        PersonEnrolled(**registration.person(mover), flexible_worker=False, start_on=date(2024, 1, 1))
    )
    # 潍坊: 2017-07 to 2020-06 with six months unpaid (30 of 36), then 2021-01 to 2023-12 without a gap (36)
    await registration.transfer_in(
        mover, "43100020240000007", [row("2017-07", "2020-06", 30), row("2021-01", "2023-12", 36)]
    )
    [merged] = await registration.envelopes("registration.transfer_in.merged.v1")
    assert merged.data["psn_no"] == registration.psn_nos[mover] and merged.data["insutype"] == "310"
    assert [(p["start_month"], p["months"]) for p in merged.data["periods"]] == [("2017-07", 30), ("2021-01", 36)]
    expected = len(await registration.envelopes("registration.contribution.recorded.v1")) + 2

    async with fed_coverage(registration_db, maternity_db, amqp_url, expected) as (consumer, exchange):
        for insutype in ("510", "310"):
            answer = (await maternity_api(mover, "2024-03-15", insutype=insutype)).json()
            assert answer["insured"] is True
            assert (answer["cumulative_months"], answer["consecutive_months"]) == (3 + 36 + 30, 3 + 36)
            assert answer["transferred_months"] == 66
            assert answer["periods"][-1] == {"start": "2021-01", "end": "2024-03", "months": 39}
            shown = [(p["start"], p["end"], p["months"], p["admdvs"]) for p in answer["transferred_periods"]]
            assert shown == [("2017-07", "2020-06", 30, "370700"), ("2021-01", "2023-12", 36, "370700")]
            assert {p["letter_no"] for p in answer["transferred_periods"]} == {"43100020240000007"}
        # a day in the other region's period: insured there, the months up to then
        there = (await maternity_api(mover, "2022-06-15")).json()
        assert (there["insured"], there["cumulative_months"], there["consecutive_months"]) == (True, 48, 18)
        assert (await maternity_api(mover, "2024-03-15", insutype="390")).json()["cumulative_months"] == 0
        # the person who did not move: the months paid here only
        stayed = (await maternity_api(stayer, "2024-03-15")).json()
        assert (stayed["cumulative_months"], stayed["transferred_months"], stayed["transferred_periods"]) == (
            3,
            0,
            [],
        )

        before = await read_model(maternity_db)
        assert before["coverage_transfer_period"] == 4  # two rows, each for 310 and 510
        answered = (await maternity_api(mover, "2024-03-15")).json()
        await republish(amqp_url, exchange, merged)  # redelivered: stopped by the inbox
        await wait_until(lambda: _duplicates(consumer, 1), "the consumer acked the redelivered message")
        await republish(amqp_url, exchange, merged.model_copy(update={"id": uuid.uuid4()}))  # the same facts
        # an older producer's event (no 人员编号, no periods) counts nothing
        older = {k: v for k, v in merged.data.items() if k not in ("psn_no", "insutype", "origin_region", "periods")}
        await republish(amqp_url, exchange, merged.model_copy(update={"id": uuid.uuid4(), "data": older}))
        await wait_until(lambda: _handled(consumer, expected + 2), "the consumer handled the two new messages")
        assert await read_model(maternity_db) == before
        assert (await maternity_api(mover, "2024-03-15")).json() == answered


async def _handled(consumer: EventConsumer, count: int) -> bool:
    return consumer.stats.handled >= count


async def _duplicates(consumer: EventConsumer, count: int) -> bool:
    return consumer.stats.duplicates >= count


async def test_unknown_persons_and_bad_numbers_get_problems_and_only_staff_and_services_may_ask(maternity_api):
    unknown = await maternity_api(certno(7), "2024-03-15")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["code"] == "person_not_found" and "参保人员" in unknown.json()["detail"]

    bad = await maternity_api(certno(7)[:-1] + ("0" if certno(7)[-1] != "0" else "1"), "2024-03-15")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "身份证号码不正确" in bad.text

    assert (await maternity_api(certno(7), "2024-13-01")).status_code == 422
    assert (await maternity_api(certno(7), "2024-03-15", insutype="320")).status_code == 422

    service = Principal(PrincipalKind.service, "settlement", REGION, frozenset(), "结算服务")
    assert (await maternity_api(certno(7), "2024-03-15", principal=service)).status_code == 404  # past the door
    person = Principal(PrincipalKind.person, certno(7), REGION, frozenset(), "张三")
    refused = await maternity_api(certno(7), "2024-03-15", principal=person)
    assert refused.status_code == 403 and refused.json()["code"] == "audience_not_allowed"
