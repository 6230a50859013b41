"""Use cases of the coverage read model (参保状态与缴费月数).

Writes come only from the event handlers, inside the consumer's transaction (with the inbox row): nothing
here commits. Every write is idempotent and independent of the order events arrive in: months are a set
(a month counted twice is one row), status changes a history keyed by the event id, read by effective date.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maternity.coverage.domain import (
    BroughtIn,
    Coverage,
    EnrolmentStatus,
    MonthSource,
    StatusChange,
    coverage_on,
    enrolment_schemes,
    parse_month,
    transfer_schemes,
)
from maternity.coverage.models import CoveragePerson, CoverageStatusChange, CoverageTransferPeriod, CoveredMonth
from medins.errors import NotFound
from medins.ids import mask_certno

# one message's persons (up to 1,000) in two statements, whatever their number: the persons not seen yet, then
# their month; sorted, so that two parts inserting the same persons at once take their locks in one order
_NEW_PERSONS = text(
    """
    INSERT INTO coverage_person (psn_no, certno)
    SELECT psn_no, certno FROM unnest(CAST(:psn_nos AS text[]), CAST(:certnos AS text[])) AS t(psn_no, certno)
    ORDER BY psn_no
    ON CONFLICT (psn_no) DO NOTHING
    """
)
_CONTRIBUTED = text(
    """
    INSERT INTO coverage_month (person_id, insutype, month, source)
    SELECT p.id, :insutype, :month, 'C' FROM coverage_person p WHERE p.psn_no = ANY(CAST(:psn_nos AS text[]))
    ORDER BY p.id
    ON CONFLICT DO NOTHING
    """
)
# a back-paid or brought-in month wins over a contribution of the same month, whichever came first
_COUNTED_BY_ITSELF = text(
    """
    INSERT INTO coverage_month (person_id, insutype, month, source)
    SELECT :person_id, :insutype, m, :source FROM unnest(CAST(:months AS date[])) AS m
    ORDER BY m
    ON CONFLICT (person_id, insutype, month) DO UPDATE SET source = EXCLUDED.source
    WHERE coverage_month.source = 'C'
    """
)


class PersonNotCovered(NotFound):
    code = "person_not_found"
    title = "未找到参保人员"


async def _person_id(session: AsyncSession, *, psn_no: str, certno: str) -> int:
    """The person's row (created on the first event about them); the 证件号码 changes only by ``change_certno``."""
    stmt = insert(CoveragePerson).values(psn_no=psn_no, certno=certno)
    stmt = stmt.on_conflict_do_update(index_elements=[CoveragePerson.psn_no], set_={"psn_no": stmt.excluded.psn_no})
    return int((await session.execute(stmt.returning(CoveragePerson.id))).scalar_one())


async def record_contributions(
    session: AsyncSession, *, insutype: str, month: str, persons: list[tuple[str, str]]
) -> None:
    """缴费记录: ``persons`` (psn_no, certno) paid for ``month`` under ``insutype``."""
    if not persons:
        return
    psn_nos = [p for p, _ in persons]
    params = {"psn_nos": psn_nos, "certnos": [c for _, c in persons]}
    await session.execute(_NEW_PERSONS, params)
    await session.execute(_CONTRIBUTED, {"psn_nos": psn_nos, "insutype": insutype, "month": parse_month(month)})


async def record_status(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    event_time: datetime,
    psn_no: str,
    certno: str,
    insutype: str,
    status: EnrolmentStatus,
    effective_on: date,
    reason: str | None = None,
) -> None:
    """An enrolment event: one row of the person's status history (a redelivered event adds nothing)."""
    person_id = await _person_id(session, psn_no=psn_no, certno=certno)
    stmt = insert(CoverageStatusChange).values(
        event_id=event_id,
        person_id=person_id,
        insutype=insutype,
        status=str(status),
        effective_on=effective_on,
        reason=reason[:40] if reason else None,
        event_time=event_time,
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=[CoverageStatusChange.event_id]))


async def record_death(session: AsyncSession, *, psn_no: str, certno: str, died_on: date) -> None:
    person_id = await _person_id(session, psn_no=psn_no, certno=certno)
    person = await session.get(CoveragePerson, person_id)
    assert person is not None
    person.died_on = died_on


async def change_certno(session: AsyncSession, *, psn_no: str, certno: str, changed_at: datetime) -> None:
    """参保信息变更 of the 证件号码: the person is asked by the new number; a later change is not undone by an
    earlier one delivered after it."""
    stmt = insert(CoveragePerson).values(psn_no=psn_no, certno=certno, certno_changed_at=changed_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CoveragePerson.psn_no],
        set_={"certno": stmt.excluded.certno, "certno_changed_at": stmt.excluded.certno_changed_at},
        where=(CoveragePerson.certno_changed_at.is_(None)) | (CoveragePerson.certno_changed_at < changed_at),
    )
    await session.execute(stmt)


async def record_months(
    session: AsyncSession, *, person_id: int, insutype: str, months: list[date], source: MonthSource
) -> None:
    """Months with a source of their own (法定断档补缴, 欠款补缴): they win over a contribution of the month."""
    if months:
        await session.execute(
            _COUNTED_BY_ITSELF,
            {"person_id": person_id, "insutype": insutype, "months": sorted(set(months)), "source": str(source)},
        )


async def _record_paid_later(
    session: AsyncSession,
    *,
    psn_no: str,
    certno: str,
    insutypes: tuple[str, ...],
    months: list[str],
    source: MonthSource,
) -> None:
    person_id = await _person_id(session, psn_no=psn_no, certno=certno)
    for insutype in insutypes:
        await record_months(
            session, person_id=person_id, insutype=insutype, months=[parse_month(m) for m in months], source=source
        )


async def record_backpaid_months(
    session: AsyncSession, *, psn_no: str, certno: str, insutype: str, months: list[str]
) -> None:
    """法定断档补缴: the months count by themselves."""
    await _record_paid_later(
        session, psn_no=psn_no, certno=certno, insutypes=(insutype,), months=months, source=MonthSource.gap_backpay
    )


async def record_arrears_months(
    session: AsyncSession, *, psn_no: str, certno: str, months: list[str], unit_employee: bool
) -> None:
    """欠款补缴: the months count (累计, 连续) but give no benefits for a day in them; a contribution of the same
    month, before or after, does not change that (the back-paid source wins, as for 法定断档补缴). A unit's
    employee's count for 生育保险 too (两险合并: the unit pays both as one); a flexible worker's only for 310."""
    await _record_paid_later(
        session,
        psn_no=psn_no,
        certno=certno,
        insutypes=("310", "510") if unit_employee else ("310",),
        months=months,
        source=MonthSource.arrears_backpay,
    )


@dataclass(frozen=True)
class TransferRow:
    """A row of a 信息表 merged in: ``insutype`` as the table gives it, months as ``YYYY-MM``."""

    start_month: str
    end_month: str
    insutype: str
    months: int
    admdvs: str | None


async def record_transfer_in(
    session: AsyncSession,
    *,
    psn_no: str,
    certno: str,
    letter_no: str,
    merged_into: str | None,
    origin_region: str | None,
    rows: list[TransferRow],
) -> None:
    """转移接续转入: the rows of the 信息表 registration merged, once per type they count under (a redelivered
    event, or the same letter again, adds nothing: keyed by person, type, letter and row)."""
    person_id = await _person_id(session, psn_no=psn_no, certno=certno)
    values = []
    for row_no, row in enumerate(rows):
        start, end = parse_month(row.start_month), parse_month(row.end_month)
        if end < start:
            continue  # not a period (registration does not count it either)
        for insutype in transfer_schemes(row.insutype, merged_into):
            values.append(
                {
                    "person_id": person_id,
                    "insutype": insutype,
                    "letter_no": letter_no,
                    "row_no": row_no,
                    "start_month": start,
                    "end_month": end,
                    "months": max(0, row.months),
                    "admdvs": row.admdvs or origin_region,
                }
            )
    if values:
        await session.execute(insert(CoverageTransferPeriod).values(values).on_conflict_do_nothing())


@dataclass(frozen=True)
class CoverageAnswer:
    persons: list[CoveragePerson]
    insutype: str
    on: date
    coverage: Coverage
    history: list[StatusChange]
    brought_in: list[BroughtIn]


async def coverage_of(session: AsyncSession, *, certno: str, insutype: str, on: date) -> CoverageAnswer:
    """Whether the person (by 证件号码) was insured under ``insutype`` on ``on``; 404 if no event named them."""
    query = select(CoveragePerson).where(CoveragePerson.certno == certno).order_by(CoveragePerson.id)
    persons = list((await session.scalars(query)).all())
    if not persons:
        raise PersonNotCovered(f"本服务尚未收到证件号码为 {mask_certno(certno)} 的参保人员的参保或缴费信息")
    ids = [p.id for p in persons]
    rows = await session.scalars(
        select(CoverageStatusChange)
        .where(CoverageStatusChange.person_id.in_(ids), CoverageStatusChange.insutype.in_(enrolment_schemes(insutype)))
        .order_by(CoverageStatusChange.effective_on, CoverageStatusChange.event_time)
    )
    history = [
        StatusChange(r.insutype, EnrolmentStatus(r.status), r.effective_on, r.event_time, r.reason) for r in rows
    ]
    counted = await session.execute(
        select(CoveredMonth.month, CoveredMonth.source).where(
            CoveredMonth.person_id.in_(ids), CoveredMonth.insutype == insutype, CoveredMonth.month <= on
        )
    )
    months = {month: MonthSource(source) for month, source in counted}
    transferred = await session.scalars(
        select(CoverageTransferPeriod)
        .where(
            CoverageTransferPeriod.person_id.in_(ids),
            CoverageTransferPeriod.insutype == insutype,
            CoverageTransferPeriod.start_month <= on,
        )
        .order_by(CoverageTransferPeriod.start_month, CoverageTransferPeriod.letter_no, CoverageTransferPeriod.row_no)
    )
    brought_in = [BroughtIn(r.start_month, r.end_month, r.months, r.admdvs, r.letter_no) for r in transferred]
    died = [p.died_on for p in persons if p.died_on is not None]
    coverage = coverage_on(on, changes=history, months=months, died_on=min(died, default=None), brought_in=brought_in)
    return CoverageAnswer(
        persons=persons, insutype=insutype, on=on, coverage=coverage, history=history, brought_in=brought_in
    )
