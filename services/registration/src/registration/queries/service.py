"""参保信息查询: the 参保缴费证明（个人权益记录） of a person and the 参保信息 of a unit, as the register has them.

A person sees their identity (证件号码 masked), each scheme's enrolment (参保状态, 人员类型, 单位, 参保时间, 停保时间,
缴费基数), the periods it was in force, the retirement months (视同/实际/累计), the months back-paid, and the
history of changes. A unit sees its registration (样表1), its status, its insured persons by status, its
monthly contribution base, its arrears paid, its predecessors and successors, and its change history.
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from medins.db import UnitOfWork
from medins.ids import mask_certno
from registration.backpay.domain import spans
from registration.backpay.models import ArrearsBackpay, BackpaidMonth
from registration.employees.models import Retirement
from registration.persons.certs import CERT_TYPE_ZH, CertType
from registration.persons.domain import PERSONNEL_ZH, STATUS_ZH, EnrolmentStatus, PersonnelType
from registration.persons.lifecycle import PersonNotFound
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.units.domain import STATUS_ZH as UNIT_STATUS_ZH
from registration.units.domain import UnitStatus
from registration.units.lifecycle import UnitNotFound
from registration.units.models import Employer, UnitChange, UnitLink

SCHEME_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "510": "生育保险"}
PERIOD_KINDS = ("enrol", "suspend", "terminate", "resume")


def _periods(changes: list[EnrolmentChange], start_on: date) -> list[dict[str, Any]]:
    """参保期间: the spans in which the enrolment was 正常参保, from its status history."""
    periods: list[dict[str, Any]] = []
    moves = [c for c in changes if c.kind in PERIOD_KINDS] or []
    if not moves:
        return [{"from": str(start_on), "to": None}]
    for change in moves:
        if change.to_status == EnrolmentStatus.enrolled and (not periods or periods[-1]["to"] is not None):
            periods.append({"from": str(change.effective_on), "to": None})
        elif change.to_status != EnrolmentStatus.enrolled and periods and periods[-1]["to"] is None:
            periods[-1]["to"] = str(change.effective_on)
    return periods


async def person_record(
    session: AsyncSession, person: InsuredPerson, *, employer_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """The person's record; with ``employer_id``, only their enrolment at that unit (what a unit may see)."""
    query = (
        select(Enrolment, Employer.uscc, Employer.name)
        .outerjoin(Employer, Employer.id == Enrolment.employer_id)
        .where(Enrolment.person_id == person.id)
        .order_by(Enrolment.insutype)
    )
    if employer_id is not None:
        query = query.where(Enrolment.employer_id == employer_id)
    enrolments = []
    for enrolment, uscc, name in (await session.execute(query)).all():
        changes = list(
            (
                await session.scalars(
                    select(EnrolmentChange)
                    .where(EnrolmentChange.enrolment_id == enrolment.id)
                    .order_by(EnrolmentChange.id)
                )
            ).all()
        )
        status, kind = EnrolmentStatus(enrolment.status), PersonnelType(enrolment.personnel_type)
        enrolments.append(
            {
                "insutype": enrolment.insutype,
                "scheme": SCHEME_ZH.get(enrolment.insutype, enrolment.insutype),
                "status": str(status),
                "status_zh": STATUS_ZH[status],
                "personnel_type": str(kind),
                "personnel_type_zh": PERSONNEL_ZH[kind],
                "flexible_worker": enrolment.flexible_worker,
                "unit": {"uscc": uscc, "name": name} if uscc else None,
                "start_on": str(enrolment.start_on),
                "stopped_on": str(enrolment.stopped_on) if enrolment.stopped_on else None,
                "stop_reason": enrolment.stop_reason,
                "contribution_base": f"{enrolment.contribution_base:.2f}"
                if enrolment.contribution_base is not None
                else None,
                "details": enrolment.detail,
                "periods": _periods(changes, enrolment.start_on),
                "history": [
                    {
                        "kind": c.kind,
                        "effective_on": str(c.effective_on),
                        "from_status": c.from_status,
                        "to_status": c.to_status,
                        "reason": c.reason,
                        "case_no": c.case_no,
                    }
                    for c in changes
                ],
            }
        )
    retirement = await session.scalar(select(Retirement).where(Retirement.person_id == person.id))
    backpaid = (
        await session.execute(
            select(BackpaidMonth.kind, BackpaidMonth.month)
            .where(BackpaidMonth.person_id == person.id)
            .order_by(BackpaidMonth.month)
        )
    ).all()
    cert_type = CertType(person.cert_type) if person.cert_type in CertType._value2member_map_ else CertType.other
    return {
        "person": {
            "psn_no": person.psn_no,
            "name": person.name,
            "cert_type": person.cert_type,
            "cert_type_zh": CERT_TYPE_ZH[cert_type],
            "certno": mask_certno(person.certno),
            "sex": {"1": "男", "2": "女"}.get(person.sex or ""),
            "birth_month": person.birth_month,
            "region": person.region,
            "died_on": str(person.died_on) if person.died_on else None,
        },
        "enrolments": enrolments,
        "retirement": None
        if retirement is None or (employer_id is not None and not enrolments)
        else {
            "retirement_type": retirement.retirement_type,
            "deemed_months": retirement.deemed_months,
            "actual_months": retirement.actual_months,
            "cumulative_months": retirement.cumulative_months,
            "benefits_from": str(retirement.benefits_from),
        },
        "backpaid_months": {
            kind: {"months": len(ms), "period": spans(ms)}
            for kind in ("gap", "arrears")
            if (ms := [m for k, m in backpaid if k == kind])
        },
    }


async def unit_record(session: AsyncSession, employer: Employer) -> dict[str, Any]:
    """参保单位参保信息: the registration, the insured persons by status, contributions as far as recorded."""
    counts = (
        await session.execute(
            select(Enrolment.status, Enrolment.personnel_type, func.count(), func.sum(Enrolment.contribution_base))
            .where(Enrolment.employer_id == employer.id)
            .group_by(Enrolment.status, Enrolment.personnel_type)
        )
    ).all()
    by = {(s, k): (n, total) for s, k, n, total in counts}
    working = by.get((EnrolmentStatus.enrolled, PersonnelType.in_service), (0, None))
    arrears = (
        await session.scalars(
            select(ArrearsBackpay).where(ArrearsBackpay.employer_id == employer.id).order_by(ArrearsBackpay.created_at)
        )
    ).all()
    links = (
        await session.execute(
            select(UnitLink.kind, UnitLink.predecessor_id, UnitLink.successor_id, UnitLink.effective_on).where(
                or_(UnitLink.predecessor_id == employer.id, UnitLink.successor_id == employer.id)
            )
        )
    ).all()
    other_ids = {p for _, p, s, _ in links} | {s for _, p, s, _ in links}
    names: dict[uuid.UUID, str] = dict(
        (await session.execute(select(Employer.id, Employer.uscc).where(Employer.id.in_(other_ids)))).all()
    )
    changes = (
        await session.scalars(select(UnitChange).where(UnitChange.employer_id == employer.id).order_by(UnitChange.id))
    ).all()
    status = UnitStatus(employer.status)
    return {
        "unit": {
            "unit_code": employer.unit_code,
            "uscc": employer.uscc,
            "former_uscc": employer.former_uscc,
            "name": employer.name,
            "address": employer.address,
            "unit_type": employer.unit_type,
            "unit_nature": employer.unit_nature,
            "affiliation": employer.affiliation,
            "superior_department": employer.superior_department,
            "legal_rep_name": employer.legal_rep_name,
            "legal_rep_certno": mask_certno(employer.legal_rep_certno),
            "handler_name": employer.handler_name,
            "handler_mobile": employer.handler_mobile,
            "bank_name": employer.bank_name,
            "bank_account_no": mask_certno(employer.bank_account_no) if employer.bank_account_no else None,
            "insured_products": employer.insured_products,
            "public_sector": employer.public_sector,
            "status": str(status),
            "status_zh": UNIT_STATUS_ZH[status],
            "registered_on": str(employer.registered_at.date()),
            "suspended_on": str(employer.suspended_on) if employer.suspended_on else None,
            "cancelled_on": str(employer.cancelled_on) if employer.cancelled_on else None,
            "cancel_reason": employer.cancel_reason,
        },
        "insured": {
            "in_service": working[0],
            "suspended": sum(n for (s, _), (n, _) in by.items() if s == EnrolmentStatus.suspended),
            "retired": by.get((EnrolmentStatus.enrolled, PersonnelType.retired), (0, None))[0],
            "terminated": sum(n for (s, _), (n, _) in by.items() if s == EnrolmentStatus.terminated),
        },
        "contribution": {
            "status_zh": {"active": "正常缴费", "suspended": "暂停缴费", "cancelled": "已注销，停止缴费"}[str(status)],
            "monthly_contribution_base_total": f"{working[1]:.2f}" if working[1] is not None else "0.00",
            "arrears_backpaid": [
                {
                    "period": a.start_month if a.start_month == a.end_month else f"{a.start_month}至{a.end_month}",
                    "months": a.months,
                    "amount": f"{a.amount:.2f}",
                    "benefits_from": str(a.benefits_from),
                }
                for a in arrears
            ],
        },
        "restructurings": [
            {
                "kind": kind,
                "role": "predecessor" if pred == employer.id else "successor",
                "other_uscc": names.get(succ if pred == employer.id else pred),
                "effective_on": str(on),
            }
            for kind, pred, succ, on in links
        ],
        "changes": [
            {
                "kind": c.kind,
                "effective_on": str(c.effective_on),
                "before": c.before,
                "after": c.after,
                "case_no": c.case_no,
            }
            for c in changes
            if c.kind == "change"
        ]
        + [
            {"kind": c.kind, "effective_on": str(c.effective_on), "case_no": c.case_no}
            for c in changes
            if c.kind != "change"
        ],
    }


async def unit_employees(
    session: AsyncSession, employer: Employer, *, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    query = (
        select(InsuredPerson, Enrolment)
        .join(Enrolment, Enrolment.person_id == InsuredPerson.id)
        .where(Enrolment.employer_id == employer.id)
        .order_by(InsuredPerson.psn_no)
        .limit(limit)
        .offset(offset)
    )
    if status:
        query = query.where(Enrolment.status == status)
    return [
        {
            "psn_no": person.psn_no,
            "name": person.name,
            "certno": mask_certno(person.certno),
            "insutype": enrolment.insutype,
            "status": enrolment.status,
            "status_zh": STATUS_ZH[EnrolmentStatus(enrolment.status)],
            "personnel_type": enrolment.personnel_type,
            "personnel_type_zh": PERSONNEL_ZH[PersonnelType(enrolment.personnel_type)],
            "start_on": str(enrolment.start_on),
            "stopped_on": str(enrolment.stopped_on) if enrolment.stopped_on else None,
            "contribution_base": f"{enrolment.contribution_base:.2f}"
            if enrolment.contribution_base is not None
            else None,
        }
        for person, enrolment in (await session.execute(query)).all()
    ]


async def find_person_record(session: AsyncSession, certno: str) -> InsuredPerson:
    person = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
    if person is None:
        raise PersonNotFound(f"本统筹区没有证件号码为 {mask_certno(certno)} 的参保人员")
    return person


async def find_unit(session: AsyncSession, uscc: str) -> Employer:
    employer = await session.scalar(select(Employer).where(Employer.uscc == uscc))
    if employer is None:
        raise UnitNotFound(f"统一社会信用代码 {uscc} 的单位未在本统筹区参保登记")
    return employer


async def complete_person_query(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """参保人员参保信息查询 at a window: the 参保缴费证明 as the case's result."""
    person = await find_person_record(uow.session, case["form"]["certno"])
    return await person_record(uow.session, person)


async def complete_unit_query(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """参保单位参保信息查询 at a window: the unit's 参保信息 as the case's result."""
    employer = await find_unit(uow.session, case["form"]["uscc"])
    return await unit_record(uow.session, employer)
