"""What happens when a back-payment case completes: the months recorded once each, and their events."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.errors import NotFound
from registration.backpay.domain import (
    ArrearsKind,
    MonthsAlreadyBackpaid,
    NotAGap,
    NotArrears,
    benefits_from_after_arrears,
    enrolled_months,
    month_of,
    months_between,
    months_in_service_at,
    spans,
)
from registration.backpay.forms import ArrearsForm, GapBackpayForm
from registration.backpay.models import ArrearsBackpay, BackpaidMonth, GapBackpay
from registration.casework import form_of
from registration.contributions.models import ContributionRecord
from registration.employees.service import brief, filing_unit
from registration.events import ArrearsBackpaid, ArrearsEmployee, GapBackpaid
from registration.persons.domain import EMPLOYEE_MEDICAL, EnrolmentStatus, PersonNotEnrolled
from registration.persons.lifecycle import Locked, lock_enrolment
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.persons.service import ensure_person
from registration.units.domain import UnitStatus
from registration.units.models import Employer

STATUS_AT_APPLICATION = {
    EnrolmentStatus.enrolled: "有效",
    EnrolmentStatus.suspended: "无效",
    EnrolmentStatus.terminated: "无效",
}


async def transitions(uow: UnitOfWork, enrolment: Enrolment | None) -> list[tuple[date, str | None]]:
    """The status timeline of an enrolment: its history rows, or its start where it has none."""
    if enrolment is None:
        return []
    rows = (
        await uow.session.execute(
            select(EnrolmentChange.effective_on, EnrolmentChange.to_status)
            .where(
                EnrolmentChange.enrolment_id == enrolment.id,
                EnrolmentChange.from_status.is_distinct_from(EnrolmentChange.to_status),
            )
            .order_by(EnrolmentChange.id)
        )
    ).all()
    timeline = [(on, status) for on, status in rows]
    return timeline or [(enrolment.start_on, EnrolmentStatus.enrolled)]


async def already_backpaid(uow: UnitOfWork, person_id: uuid.UUID, months: list[str]) -> list[str]:
    return list(
        (
            await uow.session.scalars(
                select(BackpaidMonth.month).where(
                    BackpaidMonth.person_id == person_id,
                    BackpaidMonth.insutype == EMPLOYEE_MEDICAL,
                    BackpaidMonth.month.in_(months),
                )
            )
        ).all()
    )


async def record_months(
    uow: UnitOfWork, locked: Locked, months: list[str], *, kind: str, backpay_id: uuid.UUID, wage: Any
) -> None:
    """One row per month; a month back-paid before (or by a concurrent case) refuses the whole case."""
    taken = await already_backpaid(uow, locked.person.id, months)
    if taken:
        raise MonthsAlreadyBackpaid(f"{locked.who}的以下月份已补缴：{spans(taken)}")
    try:
        async with uow.session.begin_nested():  # it flushes what is pending first; the inserts are inside
            uow.session.add_all(
                BackpaidMonth(
                    person_id=locked.person.id,
                    insutype=EMPLOYEE_MEDICAL,
                    month=month,
                    kind=kind,
                    backpay_id=backpay_id,
                    monthly_wage=wage,
                )
                for month in months
            )
            await uow.session.flush()
    except IntegrityError as exc:
        raise MonthsAlreadyBackpaid(f"{locked.who}的补缴月份已由其他办件补缴") from exc


async def complete_gap_backpay(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """法定断档补缴 (样表10): the gap months, which must lie outside the person's enrolled months, count
    from now on as insured and contributed months (retroactively)."""
    form = form_of(case, GapBackpayForm)
    employer = await filing_unit(uow, form)
    today = china_today()
    done = []
    for row in form.rows:
        months = months_between(row.start_month, row.end_month, today=today)
        await ensure_person(
            uow,
            cert_type=row.cert_type,
            certno=row.certno,
            name=row.name,
            birth_month=None,
            mobile=row.mobile,
            sex=row.sex,
        )
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        enrolment = locked.enrolment
        covered = enrolled_months(await transitions(uow, enrolment), months)
        if covered:
            raise NotAGap(f"{locked.who}在{spans(sorted(covered))}处于正常参保期间，不属于断档；欠缴的请办理欠款补缴")
        status = STATUS_AT_APPLICATION[EnrolmentStatus(enrolment.status)] if enrolment else "未参保"
        backpay = GapBackpay(
            id=uuid.uuid4(),
            person_id=locked.person.id,
            employer_id=employer.id if employer else None,
            insutype=EMPLOYEE_MEDICAL,
            scenario=str(form.scenario),
            personnel_type=str(row.personnel_type),
            status_at_application=status,
            monthly_wage=row.monthly_wage,
            start_month=row.start_month,
            end_month=row.end_month,
            months=len(months),
            case_no=case["case_no"],
            created_at=datetime.now(UTC),
        )
        uow.session.add(backpay)
        await uow.session.flush()
        await record_months(uow, locked, months, kind="gap", backpay_id=backpay.id, wage=row.monthly_wage)
        uow.publish(
            GapBackpaid(
                person_id=locked.person.id,
                psn_no=locked.person.psn_no,
                certno=locked.person.certno,
                name=locked.person.name,
                insutype=EMPLOYEE_MEDICAL,
                employer_uscc=employer.uscc if employer else None,
                effective_on=today,
                months=months,
                monthly_wage=f"{row.monthly_wage:.2f}",
                scenario=str(form.scenario),
                region=uow.region,
            )
        )
        done.append(
            brief(locked)
            | {
                "status_at_application": status,
                "period": spans(months),
                "months": len(months),
                "effect": "补缴月份计入实际缴费月数，断档期间视同连续参保（待遇追溯享受）",
            }
        )
    return {"backpaid": done, "insutype": EMPLOYEE_MEDICAL}


class UnitNotRegistered(NotFound):
    code = "unit_not_found"
    title = "未找到该参保单位"


async def unit_employees_owed(uow: UnitOfWork, employer: Employer, months: list[str]) -> list[tuple[Locked, list[str]]]:
    """单位欠费补缴: the unit's employees and the months of the period it pays for them: each month whose first day
    they were enrolled, in service and at the unit (by their enrolment's history), with no contribution recorded
    and not back-paid before. Everyone who was ever at the unit is locked first (persons, then enrolments, in the
    order of their 身份证号), so that no move of theirs races the case."""
    session = uow.session
    ever_at_unit = select(EnrolmentChange.person_id).where(
        EnrolmentChange.employer_id == employer.id, EnrolmentChange.insutype == EMPLOYEE_MEDICAL
    )
    persons = (
        await session.scalars(
            select(InsuredPerson)
            .where(InsuredPerson.id.in_(ever_at_unit))
            .order_by(InsuredPerson.certno)
            .with_for_update()
        )
    ).all()
    if not persons:
        return []
    ids = [person.id for person in persons]
    enrolments = {
        enrolment.person_id: enrolment
        for enrolment in await session.scalars(
            select(Enrolment)
            .where(Enrolment.person_id.in_(ids), Enrolment.insutype == EMPLOYEE_MEDICAL)
            .order_by(Enrolment.person_id)
            .with_for_update()
        )
    }
    history: dict[uuid.UUID, list[Any]] = {}
    for enrolment_id, *change in await session.execute(
        select(
            EnrolmentChange.enrolment_id,
            EnrolmentChange.effective_on,
            EnrolmentChange.kind,
            EnrolmentChange.to_status,
            EnrolmentChange.employer_id,
        )
        .where(EnrolmentChange.enrolment_id.in_([e.id for e in enrolments.values()]))
        .order_by(EnrolmentChange.id)
    ):
        history.setdefault(enrolment_id, []).append(tuple(change))
    settled = {
        (person_id, f"{month:%Y-%m}")
        for person_id, month in await session.execute(
            select(ContributionRecord.person_id, ContributionRecord.month).where(
                ContributionRecord.person_id.in_(ids),
                ContributionRecord.insutype == EMPLOYEE_MEDICAL,
                ContributionRecord.month.in_([date(int(m[:4]), int(m[5:7]), 1) for m in months]),
            )
        )
    } | {
        (person_id, month)
        for person_id, month in await session.execute(
            select(BackpaidMonth.person_id, BackpaidMonth.month).where(
                BackpaidMonth.person_id.in_(ids),
                BackpaidMonth.insutype == EMPLOYEE_MEDICAL,
                BackpaidMonth.month.in_(months),
            )
        )
    }
    owed, was_there = [], False
    for person in persons:
        enrolment = enrolments.get(person.id)
        if enrolment is None:
            continue
        at_unit = months_in_service_at(history.get(enrolment.id, []), employer.id, months)
        was_there = was_there or bool(at_unit)
        unpaid = [month for month in at_unit if (person.id, month) not in settled]
        if unpaid:
            owed.append((Locked(person, enrolment), unpaid))
    if was_there and not owed:
        raise NotArrears(f"{employer.name}的职工在{spans(months)}均已有缴费记录或已补缴，不属于欠费")
    return owed


async def complete_arrears_backpay(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """欠款补缴: arrears of months inside the enrolment; benefits run again from the month after payment."""
    form = form_of(case, ArrearsForm)
    today = china_today()
    months = months_between(form.start_month, form.end_month, today=today)
    benefits_from = benefits_from_after_arrears(today)
    employer = None
    if form.unit_uscc is not None:
        employer = await uow.session.scalar(select(Employer).where(Employer.uscc == form.unit_uscc))
        if employer is None or employer.status == UnitStatus.cancelled:
            raise UnitNotRegistered(f"统一社会信用代码 {form.unit_uscc} 的单位未在本统筹区参保登记或已注销")
        registered = month_of(employer.registered_at.date())
        if form.kind is ArrearsKind.unit and form.start_month < registered:
            raise NotArrears(f"{employer.name}于{registered}参保登记，此前的月份不属于欠费")
    backpay = ArrearsBackpay(
        id=uuid.uuid4(),
        kind=str(form.kind),
        employer_id=employer.id if employer else None,
        start_month=form.start_month,
        end_month=form.end_month,
        months=len(months),
        amount=form.amount,
        personal_repayment=form.personal_repayment,
        benefits_from=benefits_from,
        case_no=case["case_no"],
        created_at=datetime.now(UTC),
    )
    locked = None
    owed: list[tuple[Locked, list[str]]] = []
    if form.kind is ArrearsKind.unit:
        assert employer is not None  # the form requires the unit's USCC
        owed = await unit_employees_owed(uow, employer, months)
    if form.kind is ArrearsKind.employee:
        assert form.person is not None
        locked = await lock_enrolment(uow, form.person.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        if locked.enrolment is None:
            raise PersonNotEnrolled(f"{locked.who}未参加职工基本医疗保险，不属于欠费；请办理法定断档补缴")
        outside = sorted(set(months) - enrolled_months(await transitions(uow, locked.enrolment), months))
        if outside:
            raise NotArrears(f"{locked.who}在{spans(outside)}未正常参保，不属于欠费；请办理法定断档补缴")
        paid = await uow.session.scalars(
            select(ContributionRecord.month).where(
                ContributionRecord.person_id == locked.person.id,
                ContributionRecord.insutype == EMPLOYEE_MEDICAL,
                ContributionRecord.month.in_([date(int(m[:4]), int(m[5:7]), 1) for m in months]),
            )
        )
        already = sorted(f"{m:%Y-%m}" for m in paid)
        if already:
            raise NotArrears(f"{locked.who}在{spans(already)}已有缴费记录，不属于欠费，不能补缴")
        backpay.person_id = locked.person.id
    uow.session.add(backpay)
    await uow.session.flush()
    if locked is not None:
        await record_months(uow, locked, months, kind="arrears", backpay_id=backpay.id, wage=None)
    for employee, unpaid in owed:
        await record_months(uow, employee, unpaid, kind="arrears", backpay_id=backpay.id, wage=None)
    uow.publish(
        ArrearsBackpaid(
            kind=str(form.kind),
            employer_uscc=employer.uscc if employer else None,
            person_id=locked.person.id if locked else None,
            psn_no=locked.person.psn_no if locked else None,
            certno=locked.person.certno if locked else None,
            months=months,
            amount=f"{form.amount:.2f}",
            benefits_from=benefits_from,
            region=uow.region,
            employees=[
                ArrearsEmployee(psn_no=e.person.psn_no, certno=e.person.certno, months=unpaid) for e, unpaid in owed
            ],
        )
    )
    named: dict[str, Any] = {"person": brief(locked)} if locked else {}
    if form.kind is ArrearsKind.unit:
        named["employees"] = [brief(e) | {"period": spans(unpaid), "months": len(unpaid)} for e, unpaid in owed]
    return {
        "kind": str(form.kind),
        "period": spans(months),
        "months": len(months),
        "amount": f"{form.amount:.2f}",
        "benefits_from": str(benefits_from),
        "effect": f"欠费补缴后自{benefits_from:%Y年%m月%d日}起恢复享受医保待遇",
    } | named
