"""Reads of contribution batches and of a person's insured periods (the import is in ``importer``)."""

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medins.errors import NotFound
from medins.ids import mask_certno
from registration.backpay.models import BackpaidMonth
from registration.contributions.domain import (
    INSUTYPE_NAMES,
    BroughtInPeriod,
    InsuType,
    format_month,
    parse_month,
    summarize,
)
from registration.contributions.models import ContributionBatch, ContributionRecord, ContributionRejection
from registration.contributions.schemas import (
    ContributionBatchOut,
    ContributionBatchSummary,
    InsuranceMonthsOut,
    InsuredPeriodOut,
    InsuredPeriodsOut,
    RejectionOut,
)
from registration.employees.models import Retirement
from registration.persons.models import EnrolmentChange, InsuredPerson

#: the ``EnrolmentChange.kind`` of the periods a transfer brought in (written by ``transfers_handlers``)
TRANSFER_IN = "transfer_in"


class BatchNotFound(NotFound):
    code = "contribution_batch_not_found"
    title = "未找到该缴费明细批次"


class PersonNotFound(NotFound):
    code = "person_not_found"
    title = "未找到参保人员"


def _summary_fields(batch: ContributionBatch) -> dict[str, object]:
    return {
        "id": batch.id,
        "source": batch.source,
        "period": format_month(batch.period),
        "status": batch.status,
        "file_name": batch.file_name,
        "rows_total": batch.rows_total,
        "rows_recorded": batch.rows_recorded,
        "rows_unchanged": batch.rows_unchanged,
        "rows_rejected": batch.rows_rejected,
        "created_by": batch.created_by,
        "created_at": batch.created_at,
    }


async def get_batch(
    session: AsyncSession, batch_id: uuid.UUID, *, after_line: int = 0, limit: int = 100
) -> ContributionBatchOut:
    """The batch and one page of its refused rows, in line order (keyset: the rows after ``after_line``)."""
    batch = await session.get(ContributionBatch, batch_id)
    if batch is None:
        raise BatchNotFound(f"缴费明细批次 {batch_id} 不存在")
    rows = (
        await session.scalars(
            select(ContributionRejection)
            .where(ContributionRejection.batch_id == batch_id, ContributionRejection.line > after_line)
            .order_by(ContributionRejection.line)
            .limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    return ContributionBatchOut.model_validate(
        _summary_fields(batch)
        | {
            "rejections": [
                RejectionOut(line=r.line, code=r.code, field=r.field, reason=r.reason, value=r.value) for r in page
            ],
            "next_after_line": page[-1].line if len(rows) > limit else None,
        }
    )


async def list_batches(
    session: AsyncSession, *, period: date | None, limit: int, offset: int
) -> list[ContributionBatchSummary]:
    query = select(ContributionBatch).order_by(ContributionBatch.created_at.desc()).limit(limit).offset(offset)
    if period is not None:
        query = query.where(ContributionBatch.period == period)
    batches = (await session.scalars(query)).all()
    return [ContributionBatchSummary.model_validate(_summary_fields(b)) for b in batches]


async def insured_periods(
    session: AsyncSession, *, certno: str, as_of: date, insutype: InsuType | None
) -> InsuredPeriodsOut:
    """参保期间 and 缴费月数 of a person, per insurance type, as of a day."""
    person = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
    if person is None:
        raise PersonNotFound("本统筹区没有该身份证号的参保人员")
    months: dict[str, set[date]] = defaultdict(set)
    if insutype is not None:
        months[insutype.value] = set()
    recorded = select(ContributionRecord.insutype, ContributionRecord.month).where(
        ContributionRecord.person_id == person.id
    )
    # 法定断档补缴 / 欠款补缴 approved by the lifecycle's cases count as contributed months too
    backpaid = select(BackpaidMonth.insutype, BackpaidMonth.month).where(BackpaidMonth.person_id == person.id)
    if insutype is not None:
        recorded = recorded.where(ContributionRecord.insutype == insutype.value)
        backpaid = backpaid.where(BackpaidMonth.insutype == insutype.value)
    for kind, month in await session.execute(recorded):
        months[kind].add(month)
    backpaid_months: dict[str, set[date]] = defaultdict(set)
    for kind, text in await session.execute(backpaid):
        if (month := parse_month(text)) is not None:
            backpaid_months[kind].add(month)
            months[kind].add(month)
    # 视同缴费月数 of 样表4, recorded when the person retired (职工基本医疗保险 only)
    deemed = await session.scalar(select(Retirement.deemed_months).where(Retirement.person_id == person.id))
    brought_in = await transferred_in(session, person, as_of=as_of)
    for kind in brought_in:
        if insutype is None or kind == insutype.value:
            months.setdefault(kind, set())
    insurances = []
    for kind in sorted(months):
        deemed_months = (deemed or 0) if kind == InsuType.employee_medical else 0
        rows = brought_in.get(kind, [])
        summary = summarize(
            months[kind], as_of=as_of, deemed_months=deemed_months, brought_in=[period for period, _ in rows]
        )
        insurances.append(
            InsuranceMonthsOut(
                insutype=kind,
                insutype_name=INSUTYPE_NAMES[InsuType(kind)],
                periods=[out for _, out in rows]
                + [
                    InsuredPeriodOut(
                        start=format_month(p.start), end=format_month(p.end), months=p.months, admdvs=person.region
                    )
                    for p in summary.periods
                ],
                actual_months=summary.actual_months,
                backpaid_months=sum(1 for m in backpaid_months[kind] if m <= as_of),
                deemed_months=summary.deemed_months,
                transferred_months=summary.transferred_months,
                cumulative_months=summary.cumulative_months,
                continuous_months=summary.continuous_months,
                last_month=format_month(summary.last_month) if summary.last_month else None,
                insured_in_month=summary.insured_in_month,
            )
        )
    return InsuredPeriodsOut(
        psn_no=person.psn_no,
        name=person.name,
        certno_masked=mask_certno(person.certno),
        as_of=as_of,
        insurances=insurances,
    )


async def transferred_in(
    session: AsyncSession, person: InsuredPerson, *, as_of: date
) -> dict[str, list[tuple[BroughtInPeriod, InsuredPeriodOut]]]:
    """The 信息表 rows merged in by transfers (转入) up to ``as_of``, per insurance type, oldest first.

    A row of 其他 type (neither 310 nor 390) counts under the scheme it was merged into here."""
    changes = await session.scalars(
        select(EnrolmentChange)
        .where(
            EnrolmentChange.person_id == person.id,
            EnrolmentChange.kind == TRANSFER_IN,
            EnrolmentChange.effective_on <= as_of,
        )
        .order_by(EnrolmentChange.id)
    )
    found: dict[str, list[tuple[BroughtInPeriod, InsuredPeriodOut]]] = defaultdict(list)
    for change in changes:
        after = change.after or {}
        for row in after.get("periods", []):
            start, end = parse_month(str(row.get("start_month", ""))), parse_month(str(row.get("end_month", "")))
            if start is None or end is None or end < start:
                continue
            kind = row.get("insutype")
            if kind not in (InsuType.employee_medical, InsuType.resident_medical):
                kind = change.insutype or InsuType.employee_medical
            months = max(0, int(row.get("months") or 0))
            out = InsuredPeriodOut(
                start=format_month(start),
                end=format_month(end),
                months=months,
                source="transfer_in",
                source_zh="转入",
                admdvs=row.get("admdvs") or after.get("origin_region"),
                agency_name=row.get("agency_name"),
                letter_no=change.case_no,
                remark=row.get("remark"),
            )
            found[str(kind)].append((BroughtInPeriod(start, end, months), out))
    for rows in found.values():
        rows.sort(key=lambda r: r[0].start)
    return found
