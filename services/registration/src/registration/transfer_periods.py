"""The rows of 样表16 (《参保人员基本医疗保险信息表》) this region sends when a person transfers out.

- the periods earlier transfers brought in (转入), as their 信息表 gave them;
- this region's own months from the contribution records (缴费记录) and the back-paid months (补缴) of the
  scheme being transferred, merged into unbroken runs, up to the last insured month;
- the months of the enrolment before the first record (a person enrolled before the contribution files were
  imported here) from the enrolment dates, marked so in the remark. Months after the last record are not
  counted: a month nobody paid for is not a contribution month.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registration.backpay.models import BackpaidMonth
from registration.contributions.domain import add_months, format_month, merge_months, parse_month
from registration.contributions.models import ContributionRecord
from registration.events import TransferPeriod
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson

TRANSFER_IN = "transfer_in"
FLEXIBLE = "灵活就业"
FROM_ENROLMENT = "无缴费记录，按参保登记时间计算"


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def months_between(start: str, end: str) -> int:
    sy, sm = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    return max(0, (ey - sy) * 12 + em - sm + 1)


def last_insured_month(stopped_on: date | None, today: date) -> str:
    """停保 effective on the 1st: the month before was the last insured; later in a month: that month."""
    if stopped_on is None:
        return month_of(today)
    return month_of(stopped_on - timedelta(days=1)) if stopped_on.day == 1 else month_of(stopped_on)


def _remark(*parts: str | None) -> str | None:
    text = "；".join(p for p in parts if p)
    return text or None


async def periods_brought_in(session: AsyncSession, person: InsuredPerson) -> list[TransferPeriod]:
    rows = await session.scalars(
        select(EnrolmentChange)
        .where(EnrolmentChange.person_id == person.id, EnrolmentChange.kind == TRANSFER_IN)
        .order_by(EnrolmentChange.id)
    )
    return [TransferPeriod.model_validate(p) for row in rows for p in (row.after or {}).get("periods", [])]


async def paid_months(session: AsyncSession, person: InsuredPerson, insutype: str, last: date) -> set[date]:
    """The months of ``insutype`` paid here up to ``last``: contribution records and back-paid months."""
    recorded = await session.scalars(
        select(ContributionRecord.month).where(
            ContributionRecord.person_id == person.id,
            ContributionRecord.insutype == insutype,
            ContributionRecord.month <= last,
        )
    )
    months = set(recorded.all())
    backpaid = await session.scalars(
        select(BackpaidMonth.month).where(BackpaidMonth.person_id == person.id, BackpaidMonth.insutype == insutype)
    )
    for text in backpaid.all():
        month = parse_month(text)
        if month is not None and month <= last:
            months.add(month)
    return months


async def own_periods(
    session: AsyncSession, person: InsuredPerson, enrolment: Enrolment, region: str, today: date
) -> list[TransferPeriod]:
    """This region's rows of 样表16 for the enrolment being transferred (see the module's docstring)."""
    last = parse_month(last_insured_month(enrolment.stopped_on, today))
    start = parse_month(enrolment.start_month)
    assert last is not None and start is not None
    months = await paid_months(session, person, enrolment.insutype, last)
    flexible = FLEXIBLE if enrolment.flexible_worker else None
    rows = []
    before_records = add_months(min(months), -1) if months else last
    if start <= before_records:
        rows.append(
            TransferPeriod(
                start_month=format_month(start),
                end_month=format_month(before_records),
                insutype=enrolment.insutype,
                months=months_between(format_month(start), format_month(before_records)),
                admdvs=region,
                remark=_remark(flexible, FROM_ENROLMENT),
            )
        )
    for run in merge_months(months):
        rows.append(
            TransferPeriod(
                start_month=format_month(run.start),
                end_month=format_month(run.end),
                insutype=enrolment.insutype,
                months=run.months,
                admdvs=region,
                remark=flexible,
            )
        )
    return sorted(rows, key=lambda r: r.start_month)


async def periods_of(
    session: AsyncSession, person: InsuredPerson, enrolment: Enrolment, region: str
) -> list[TransferPeriod]:
    """样表16's rows: what earlier transfers brought in, then this region's own periods."""
    brought_in = await periods_brought_in(session, person)
    return [*brought_in, *await own_periods(session, person, enrolment, region, date.today())]
