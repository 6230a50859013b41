"""参保信息查询: the 参保缴费证明（个人权益记录） of a person and the 参保信息 of a unit, as the register has them.

A person sees their identity (证件号码 masked), each scheme's enrolment (参保状态, 人员类型, 单位, 参保时间, 停保时间,
缴费基数), the periods it was in force, the retirement months (视同/实际/累计), the months back-paid, and the
history of changes. A unit sees its registration (样表1), its status, its insured persons by status, its
monthly contribution base, its arrears paid, its predecessors and successors, and its change history.
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.ids import mask_certno
from registration.backpay.domain import spans
from registration.backpay.models import BackpaidMonth
from registration.contributions.service import insured_periods
from registration.employees.models import Retirement
from registration.persons.certs import CERT_TYPE_ZH, CertType
from registration.persons.domain import EMPLOYEE_MEDICAL, PERSONNEL_ZH, STATUS_ZH, EnrolmentStatus, PersonnelType
from registration.persons.lifecycle import PersonNotFound
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.queries.units import unit_record
from registration.units.lifecycle import UnitNotFound
from registration.units.models import Employer

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
        # 缴费月数 (实际/视同/累计/连续) from the contribution records and back-paid months; a unit sees 职工医保 only
        "contributions": [
            months.model_dump(mode="json")
            for months in (
                await insured_periods(session, certno=person.certno, as_of=china_today(), insutype=None)
            ).insurances
            if employer_id is None or months.insutype == EMPLOYEE_MEDICAL
        ],
        "backpaid_months": {
            kind: {"months": len(ms), "period": spans(ms)}
            for kind in ("gap", "arrears")
            if (ms := [m for k, m in backpaid if k == kind])
        },
    }


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


__all__ = ["complete_person_query", "complete_unit_query", "find_person_record", "find_unit", "person_record"]
