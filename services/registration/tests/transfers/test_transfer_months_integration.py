"""Registration's months in a transfer, on real PostgreSQL: the 信息表's periods from the contribution records,
the months brought in counted in 参保信息查询 (累计 continues), and the 返还 when the 转入地 refuses."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from medins.db import make_engine, make_sessionmaker
from registration.accounts.models import AccountEntry, PersonalAccount
from registration.backpay.models import BackpaidMonth
from registration.contributions.domain import add_months, first_of_month, format_month
from registration.contributions.models import ContributionRecord
from registration.contributions.service import insured_periods
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.queries.service import person_record
from registration.transfer_returns import on_transfer_out_returned
from registration.transfers_handlers import on_transfer_in_matched, on_transfer_out_requested

from .test_transfer_saga_integration import REGION, answers, deliver, person, requested

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(make_database):
    engine = make_engine(make_database("registration"), pool_size=5)
    yield engine, make_sessionmaker(engine)
    await engine.dispose()


async def record_months(sessionmaker, certno: str, months: list[date], insutype: str = "310") -> None:
    """缴费记录 as the tax bureau's files leave them (the import itself is tested in tests/contributions)."""
    async with sessionmaker() as session, session.begin():
        person_id = await session.scalar(select(InsuredPerson.id).where(InsuredPerson.certno == certno))
        batch = uuid.uuid4()
        for line, month in enumerate(months, start=2):
            session.add(
                ContributionRecord(
                    person_id=person_id,
                    insutype=insutype,
                    month=month,
                    employer_amount=Decimal("300.00"),
                    person_amount=Decimal("100.00"),
                    batch_id=batch,
                    line=line,
                )
            )


def span(start: str, end: str) -> list[date]:
    first, last = date.fromisoformat(f"{start}-01"), date.fromisoformat(f"{end}-01")
    months = [first]
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
    return months


async def test_the_info_table_counts_the_recorded_months_and_the_enrolment_only_before_the_first_record(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "孙记录", balance="20.00")  # enrolled 2019-07, 停保 2026-11-01
    # recorded from 2024-01; July and August 2024 unpaid, August back-paid later (法定断档补缴); nothing after 2026-08
    await record_months(sessionmaker, certno, span("2024-01", "2024-06") + span("2024-09", "2026-08"))
    async with sessionmaker() as session, session.begin():
        person_id = await session.scalar(select(InsuredPerson.id).where(InsuredPerson.certno == certno))
        gap = BackpaidMonth(person_id=person_id, insutype="310", month="2024-08", kind="gap", backpay_id=uuid.uuid4())
        session.add(gap)
    await deliver(
        sessionmaker, on_transfer_out_requested, "transfer.outbound.requested.v1", requested(certno, "孙记录")
    )
    [prepared] = await answers(engine, "registration.transfer_out.prepared.v1")
    rows = [(p["start_month"], p["end_month"], p["months"], p["remark"]) for p in prepared["periods"]]
    assert rows == [
        ("2019-07", "2023-12", 54, "无缴费记录，按参保登记时间计算"),
        ("2024-01", "2024-06", 6, None),
        ("2024-08", "2026-08", 25, None),
    ]
    # not the 88 months from 2019-07 to the 停保 that the enrolment dates alone would give
    assert sum(p["months"] for p in prepared["periods"]) == 85


async def test_months_brought_in_count_in_the_persons_query_so_cumulative_months_continue(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "周接续", status="enrolled")
    this_month = first_of_month(date.today())
    here = [add_months(this_month, -1), this_month]  # paid here since the person came
    await record_months(sessionmaker, certno, here)
    origin_end = add_months(this_month, -2)
    origin_start = add_months(origin_end, -113)  # 114 months at the 转出地, the last one just before coming here
    matched = {
        "transfer_id": str(uuid.uuid4()),
        "letter_no": "37070020260000021",
        "certno": certno,
        "name": "周接续",
        "origin_region": "431000",
        "amount": "300.00",
        "region": REGION,
        "periods": [
            {
                "start_month": format_month(origin_start),
                "end_month": format_month(origin_end),
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
    assert merged["cumulative_months"] == 114 + 2  # months at the origin + months here
    # for read models elsewhere (maternity's coverage): who, the scheme merged into, and the rows merged
    assert (merged["psn_no"], merged["insutype"], merged["origin_region"]) == (f"P{certno}", "310", "431000")
    assert merged["periods"] == matched["periods"]

    async with sessionmaker() as session:
        counts = await insured_periods(session, certno=certno, as_of=date.today(), insutype=None)
        found = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
        record = await person_record(session, found)
    (employee,) = counts.insurances
    assert (employee.actual_months, employee.transferred_months, employee.cumulative_months) == (2, 114, 116)
    assert employee.continuous_months == 116  # no break between the two regions
    origin, local = employee.periods
    assert (origin.source, origin.source_zh, origin.admdvs, origin.months) == ("transfer_in", "转入", "431000", 114)
    assert origin.agency_name == "郴州市医疗保障事务中心" and origin.letter_no == "37070020260000021"
    assert (local.source, local.admdvs, local.months) == ("local", REGION, 2)
    # 参保信息查询 shows the same counts and the transfer in the enrolment's history
    [shown] = record["contributions"]
    assert shown["cumulative_months"] == 116 and shown["periods"][0]["source_zh"] == "转入"
    assert "transfer_in" in [h["kind"] for h in record["enrolments"][0]["history"]]


def returned(transfer_id: str, certno: str, amount: str, letter_no: str = "43100020260000001") -> dict:
    return {
        "transfer_id": transfer_id,
        "letter_no": letter_no,
        "certno": certno,
        "amount": amount,
        "reason": "not_enrolled_at_destination",
        "detail": "参保人员未在转入地正常参保，不能接续",
        "region": REGION,
    }


async def test_a_refusal_after_the_debit_credits_the_balance_back_once_and_restores_the_suspension(db):
    engine, sessionmaker = db
    certno = await person(sessionmaker, "钱返还", balance="512.30")
    asked = requested(certno, "钱返还")
    await deliver(sessionmaker, on_transfer_out_requested, "transfer.outbound.requested.v1", asked)
    for _ in range(2):  # the same return published twice (a retried saga step): credited once
        await deliver(
            sessionmaker,
            on_transfer_out_returned,
            "transfer.outbound.returned.v1",
            returned(asked["transfer_id"], certno, "512.30"),
        )
    async with sessionmaker() as session:
        account = await session.scalar(select(PersonalAccount).where(PersonalAccount.certno == certno))
        entries = (
            await session.scalars(
                select(AccountEntry).where(AccountEntry.account_id == account.id).order_by(AccountEntry.entry_no)
            )
        ).all()
        enrolment = await session.scalar(select(Enrolment).join(InsuredPerson).where(InsuredPerson.certno == certno))
        kinds = (
            await session.scalars(
                select(EnrolmentChange.kind)
                .where(EnrolmentChange.enrolment_id == enrolment.id)
                .order_by(EnrolmentChange.id)
            )
        ).all()
    assert account.balance == Decimal("512.30")
    assert [(e.direction, e.amount, e.reason, e.reference) for e in entries][1:] == [
        ("debit", Decimal("512.30"), "transfer_out", "43100020260000001"),
        ("credit", Decimal("512.30"), "transfer_return", "43100020260000001-R"),
    ]
    # as before the transfer: 停保 from 2026-11-01, not 终止参保
    assert (enrolment.status, enrolment.stop_reason, enrolment.stopped_on) == (
        "suspended",
        "suspended",
        date(2026, 11, 1),
    )
    assert kinds[-3:] == ["transfer_out", "terminate", "transfer_out_returned"]
    reverted = await answers(engine, "registration.transfer_out.reverted.v1")
    assert [(r["restored"], r["status"], r["amount_credited"]) for r in reverted] == [
        (True, "suspended", "512.30"),
        (True, "suspended", "512.30"),
    ]
    # the person may apply again: a new letter is answered, not refused as already transferred
    await deliver(
        sessionmaker,
        on_transfer_out_requested,
        "transfer.outbound.requested.v1",
        requested(certno, "钱返还", letter_no="43100020260000002"),
    )
    prepared = await answers(engine, "registration.transfer_out.prepared.v1")
    assert [p["amount_debited"] for p in prepared] == ["512.30", "512.30"]
    assert await answers(engine, "registration.transfer_out.refused.v1") == []
