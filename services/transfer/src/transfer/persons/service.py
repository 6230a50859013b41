"""The read model of persons: kept from registration's events, read to check enrolment and issue 参保凭证."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from medins.errors import NotFound, ProblemError
from transfer.persons.models import AccountView, ContributionMonthView, EnrolmentView

EMPLOYEE, RESIDENT = "310", "390"


class PersonNotKnown(NotFound):
    code = "person_not_found"
    title = "本统筹区没有该参保人员"


class NotEnrolledHere(ProblemError):
    status = 422
    code = "not_enrolled_here"
    title = "尚未在本统筹区参保缴费"


class NotSuspended(ProblemError):
    status = 422
    code = "not_suspended"
    title = "尚未办理停保手续"


class AlreadyTransferred(ProblemError):
    status = 422
    code = "already_transferred"
    title = "医疗保险关系已转出"


async def record_enrolment(
    session: AsyncSession,
    *,
    certno: str,
    insutype: str,
    psn_no: str,
    name: str,
    status: str,
    as_of: datetime,
    start_on: date | None = None,
    stopped_on: date | None = None,
    stop_reason: str | None = None,
) -> None:
    """Upsert one enrolment's status; an event older than the one that set the current status changes nothing."""
    values = {"psn_no": psn_no, "name": name, "status": status, "as_of": as_of, "stopped_on": stopped_on}
    values["stop_reason"] = stop_reason
    if start_on is not None:
        values["start_on"] = start_on
    statement = insert(EnrolmentView).values(certno=certno, insutype=insutype, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["certno", "insutype"], set_=values, where=EnrolmentView.as_of <= as_of
    )
    await session.execute(statement)


async def record_balance(session: AsyncSession, *, certno: str, balance: Decimal, entry_no: int, at: datetime) -> None:
    """The balance after ledger entry ``entry_no``; an earlier entry arriving late changes nothing."""
    values = {"balance": balance, "entry_no": entry_no, "updated_at": at}
    statement = insert(AccountView).values(certno=certno, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["certno"], set_=values, where=AccountView.entry_no < entry_no
    )
    await session.execute(statement)


async def enrolments_of(session: AsyncSession, certno: str) -> list[EnrolmentView]:
    query = select(EnrolmentView).where(EnrolmentView.certno == certno).order_by(EnrolmentView.insutype)
    return list((await session.scalars(query)).all())


async def require_enrolled_here(session: AsyncSession, certno: str) -> EnrolmentView:
    """转入地: the person has enrolled and contributes here (参保缴费手续已办理)."""
    enrolled = [e for e in await enrolments_of(session, certno) if e.status == "enrolled"]
    if not enrolled:
        raise NotEnrolledHere("参保人员须先在本统筹区办理参保缴费手续，才能申请医疗保险关系转入")
    return enrolled[0]


async def stopped_enrolment(session: AsyncSession, certno: str) -> EnrolmentView:
    """转出地: the enrolment the person stopped (停保) to leave; 职工医保 before 城乡居民医保."""
    enrolments = await enrolments_of(session, certno)
    if not enrolments:
        raise PersonNotKnown("本统筹区没有该身份证号的参保人员")
    enrolment = next((e for e in enrolments if e.insutype == EMPLOYEE), enrolments[0])
    if enrolment.status == "terminated" and enrolment.stop_reason == "transfer_out":
        raise AlreadyTransferred("该参保人员的医疗保险关系已转出本统筹区")
    if enrolment.status == "enrolled":
        raise NotSuspended("参保人员须先在本统筹区办理停保手续，才能出具《参保凭证》或转出")
    return enrolment


async def balance_of(session: AsyncSession, certno: str) -> Decimal:
    account = await session.get(AccountView, certno)
    return account.balance if account is not None else Decimal("0.00")


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def last_insured_month(stopped_on: date | None, today: date) -> str:
    """停保 from a date: the last insured month is the month before the one it took effect in, unless it took
    effect after the first of the month (that month was begun)."""
    if stopped_on is None:
        return month_of(today)
    if stopped_on.day == 1:
        return month_of(stopped_on - timedelta(days=1))
    return month_of(stopped_on)


def months_between(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` (YYYY-MM), both counted; 0 when end is before start."""
    (sy, sm), (ey, em) = (map(int, start.split("-")), map(int, end.split("-")))
    return max(0, (ey - sy) * 12 + em - sm + 1)


async def record_months(session: AsyncSession, *, rows: list[tuple[str, str, str]]) -> None:
    """(certno, insutype, YYYY-MM) paid; a month recorded twice is one month."""
    if rows:
        values = [{"certno": c, "insutype": i, "month": m} for c, i, m in rows]
        await session.execute(insert(ContributionMonthView).values(values).on_conflict_do_nothing())


async def paid_months(session: AsyncSession, certno: str, insutype: str) -> set[str]:
    query = select(ContributionMonthView.month).where(
        ContributionMonthView.certno == certno, ContributionMonthView.insutype == insutype
    )
    return set((await session.scalars(query)).all())


def previous_month(month: str) -> str:
    year, mon = map(int, month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def contribution_months(start: str, end: str, paid: set[str]) -> int:
    """其中累计实际缴费月数 here, ``start`` to ``end``: the months paid (records, 补缴) and, before the first
    record, the months of the enrolment (a person enrolled before the contribution files were imported)."""
    counted = {m for m in paid if m <= end}
    before_records = previous_month(min(counted)) if counted else end
    return len(counted) + months_between(start, before_records)
