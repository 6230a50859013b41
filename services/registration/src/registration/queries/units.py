"""参保单位参保信息查询: a unit's registration, its insured persons, its contributions as far as recorded."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from medins.ids import mask_certno
from registration.backpay.models import ArrearsBackpay
from registration.contributions.models import ContributionRecord
from registration.persons.domain import PERSONNEL_ZH, STATUS_ZH, EnrolmentStatus, PersonnelType
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.domain import STATUS_ZH as UNIT_STATUS_ZH
from registration.units.domain import UnitStatus
from registration.units.models import Employer, UnitChange, UnitLink


async def recorded_contributions(session: AsyncSession, uscc: str) -> dict[str, Any]:
    """缴费记录 the tax bureau's files give for the unit: its latest month, how many paid in it and how much."""
    latest: date | None = await session.scalar(
        select(func.max(ContributionRecord.month)).where(ContributionRecord.employer_uscc == uscc)
    )
    if latest is None:
        return {"last_month": None, "persons": 0, "employer_amount": "0.00", "person_amount": "0.00"}
    persons, employer_amount, person_amount = (
        await session.execute(
            select(
                func.count(), func.sum(ContributionRecord.employer_amount), func.sum(ContributionRecord.person_amount)
            ).where(ContributionRecord.employer_uscc == uscc, ContributionRecord.month == latest)
        )
    ).one()
    return {
        "last_month": f"{latest:%Y-%m}",
        "persons": persons,
        "employer_amount": f"{employer_amount:.2f}",
        "person_amount": f"{person_amount:.2f}",
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
            "recorded": await recorded_contributions(session, employer.uscc),
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
