"""Registration's side of the transfer saga on real PostgreSQL: checks, the debit, the end of the enrolment,
the credit and the periods brought in, each once."""

import itertools
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from stdnum.cn import ric

from medins.bus.envelope import Envelope
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from registration.accounts.domain import EntryReason
from registration.accounts.models import AccountEntry, PersonalAccount
from registration.accounts.service import credit
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.transfers_handlers import on_transfer_in_matched, on_transfer_out_requested

pytestmark = pytest.mark.integration
REGION = "370700"


_SERIALS = itertools.count(uuid.uuid4().int % 10_000)  # distinct within a run: random ones could collide


def new_certno() -> str:
    serial = next(_SERIALS) % 10_000
    body = f"370702198{serial // 1000}0101{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
async def db(make_database):
    engine = make_engine(make_database("registration"), pool_size=5)
    yield engine, make_sessionmaker(engine)
    await engine.dispose()


async def person(sessionmaker, name: str, *, status: str = "suspended", insutype: str = "310", balance: str = "0"):
    certno, now = new_certno(), datetime.now(UTC)
    async with UnitOfWork(sessionmaker, source="registration", region=REGION) as uow:
        person_id = uuid.uuid4()
        uow.session.add(
            InsuredPerson(
                id=person_id,
                psn_no=f"P{certno}",
                cert_type="01",
                certno=certno,
                name=name,
                region=REGION,
                created_at=now,
                sex="1",
            )
        )
        await uow.session.flush()
        uow.session.add(
            Enrolment(
                id=uuid.uuid4(),
                person_id=person_id,
                insutype=insutype,
                status="enrolled",
                flexible_worker=False,
                start_month="2019-07",
                start_on=date(2019, 7, 1),
                case_no="TEST",
                created_at=now,
            )
        )
        await uow.session.flush()
        if Decimal(balance) > 0:
            await credit(
                uow,
                certno=certno,
                amount=Decimal(balance),
                reason=EntryReason.contribution_allocation,
                reference=f"alloc-{certno}",
                actor="test",
            )
        await uow.session.execute(
            update(Enrolment)
            .where(Enrolment.person_id == person_id)
            .values(
                status=status,
                stopped_on=date(2026, 11, 1) if status != "enrolled" else None,
                stop_reason="suspended" if status == "suspended" else None,
            )
        )
        await uow.commit()
    return certno


async def deliver(sessionmaker, handler, event_type: str, data: dict) -> None:
    envelope = Envelope(type=event_type, source="transfer", region=REGION, correlation_id="c", data=data)
    async with sessionmaker() as session, session.begin():
        await handler(session, envelope)


async def answers(engine, event_type: str) -> list[dict]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT body FROM outbox WHERE type = :t ORDER BY created_at"), {"t": event_type})
        ).all()
    return [json.loads(r.body)["data"] for r in rows]


def requested(certno: str, name: str, letter_no: str = "43100020260000001", account: bool = True) -> dict:
    return {
        "transfer_id": str(uuid.uuid4()),
        "letter_no": letter_no,
        "certno": certno,
        "name": name,
        "destination_region": "431000",
        "transfer_account": account,
        "region": REGION,
    }


async def test_a_stopped_person_is_debited_in_full_ended_and_their_periods_listed(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "张转出", balance="1234.56")
    await deliver(
        sessionmaker, on_transfer_out_requested, "transfer.outbound.requested.v1", requested(certno, "张转出")
    )
    [prepared] = await answers(engine, "registration.transfer_out.prepared.v1")
    assert prepared["amount_debited"] == "1234.56" and prepared["sex"] == "1"
    assert prepared["periods"] == [
        {
            "start_month": "2019-07",
            "end_month": "2026-10",
            "insutype": "310",
            "months": 88,
            "admdvs": REGION,
            "agency_name": None,
            "remark": "无缴费记录，按参保登记时间计算",  # no contribution records: the enrolment dates
        }
    ]
    async with sessionmaker() as session:
        account = await session.scalar(select(PersonalAccount).where(PersonalAccount.certno == certno))
        entries = (await session.scalars(select(AccountEntry).where(AccountEntry.account_id == account.id))).all()
        enrolment = await session.scalar(select(Enrolment).join(InsuredPerson).where(InsuredPerson.certno == certno))
    assert account.balance == Decimal("0.00")
    assert [(e.direction, e.amount, e.reason, e.reference) for e in entries][-1] == (
        "debit",
        Decimal("1234.56"),
        "transfer_out",
        "43100020260000001",
    )
    assert enrolment.status == "terminated" and enrolment.stop_reason == "transfer_out"
    assert [e["reason"] for e in await answers(engine, "registration.person.terminated.v1")] == ["transfer_out"]
    # a second letter for the same person is refused: the relationship has left
    await deliver(
        sessionmaker,
        on_transfer_out_requested,
        "transfer.outbound.requested.v1",
        requested(certno, "张转出", letter_no="43100020260000002"),
    )
    [refused] = await answers(engine, "registration.transfer_out.refused.v1")
    assert refused["reason"] == "already_transferred"


@pytest.mark.parametrize(
    ("status", "letter_name", "known", "reason"),
    [
        ("enrolled", "李在保", True, "not_suspended"),
        ("suspended", "李别名", True, "name_mismatch"),
        ("suspended", "李在保", False, "unknown_person"),
    ],
)
async def test_a_letter_the_person_does_not_fit_is_refused_and_nothing_moves(db, status, letter_name, known, reason):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "李在保", status=status, balance="50.00")
    asked = certno if known else new_certno()
    await deliver(
        sessionmaker, on_transfer_out_requested, "transfer.outbound.requested.v1", requested(asked, letter_name)
    )
    [refused] = await answers(engine, "registration.transfer_out.refused.v1")
    assert refused["reason"] == reason and refused["detail"]
    assert await answers(engine, "registration.transfer_out.prepared.v1") == []
    async with sessionmaker() as session:
        balance = await session.scalar(select(PersonalAccount.balance).where(PersonalAccount.certno == certno))
    assert balance == Decimal("50.00")


async def test_a_person_coming_in_is_credited_once_and_their_months_continue(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "王转入", status="enrolled")
    matched = {
        "transfer_id": str(uuid.uuid4()),
        "letter_no": "37070020260000009",
        "certno": certno,
        "name": "王转入",
        "origin_region": "431000",
        "amount": "800.08",
        "region": REGION,
        "periods": [
            {
                "start_month": "2010-01",
                "end_month": "2019-06",
                "insutype": "310",
                "months": 114,
                "admdvs": "431000",
                "agency_name": "郴州市医疗保障事务中心",
                "remark": None,
            }
        ],
    }
    await deliver(sessionmaker, on_transfer_in_matched, "transfer.inbound.matched.v1", matched)
    [merged] = await answers(engine, "registration.transfer_in.merged.v1")
    # no contribution recorded here yet: the cumulative months are the 114 brought in
    assert merged["amount_credited"] == "800.08" and merged["cumulative_months"] == 114
    async with sessionmaker() as session:
        balance = await session.scalar(select(PersonalAccount.balance).where(PersonalAccount.certno == certno))
        changes = (await session.scalars(select(EnrolmentChange).where(EnrolmentChange.kind == "transfer_in"))).all()
    assert balance == Decimal("800.08") and len(changes) == 1
    # a later transfer out lists what came in before this region's own period
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Enrolment)
            .where(Enrolment.id == changes[0].enrolment_id)
            .values(status="suspended", stopped_on=date(2026, 11, 1))
        )
    await deliver(
        sessionmaker,
        on_transfer_out_requested,
        "transfer.outbound.requested.v1",
        requested(certno, "王转入", letter_no="44000020260000001"),
    )
    [prepared] = await answers(engine, "registration.transfer_out.prepared.v1")
    assert [p["admdvs"] for p in prepared["periods"]] == ["431000", REGION]
    assert prepared["amount_debited"] == "800.08"


async def test_money_for_a_person_not_enrolled_here_is_refused_not_credited(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "赵停保", status="suspended")
    matched = {
        "transfer_id": str(uuid.uuid4()),
        "letter_no": "37070020260000010",
        "certno": certno,
        "name": "赵停保",
        "origin_region": "431000",
        "amount": "10.00",
        "region": REGION,
        "periods": [],
    }
    await deliver(sessionmaker, on_transfer_in_matched, "transfer.inbound.matched.v1", matched)
    [refused] = await answers(engine, "registration.transfer_in.refused.v1")
    assert refused["reason"] == "not_enrolled_at_destination"
    assert await answers(engine, "registration.account.credited.v1") == []
