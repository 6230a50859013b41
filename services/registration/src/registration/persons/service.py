"""Use cases of insured persons: 职工参保登记 completes into enrolments (insutype 310)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import RowMapping

from medins.db import UnitOfWork
from medins.errors import ProblemError
from registration.events import PersonEnrolled
from registration.persons.models import Enrolment, InsuredPerson
from registration.persons.schemas import EmployeeRegistrationForm
from registration.units.models import Employer

EMPLOYEE_MEDICAL = "310"


class PersonAlreadyEnrolled(ProblemError):
    status = 409
    code = "person_already_enrolled"
    title = "该人员已参加此险种"


class EmployerNotActive(ProblemError):
    status = 422
    code = "employer_not_registered"
    title = "单位未参保登记或已暂停、注销"


async def active_employer(uow: UnitOfWork, uscc: str) -> Employer:
    employer = await uow.session.scalar(select(Employer).where(Employer.uscc == uscc))
    if employer is None or employer.status != "active":
        raise EmployerNotActive(f"统一社会信用代码 {uscc} 的单位未在本统筹区正常参保")
    return employer


async def check_not_enrolled(uow: UnitOfWork, certnos: list[str], insutype: str) -> None:
    enrolled = (
        (
            await uow.session.execute(
                select(InsuredPerson.certno)
                .join(Enrolment, Enrolment.person_id == InsuredPerson.id)
                .where(InsuredPerson.certno.in_(certnos), Enrolment.insutype == insutype)
            )
        )
        .scalars()
        .all()
    )
    if enrolled:
        raise PersonAlreadyEnrolled(f"以下人员已参加职工基本医疗保险，不能重复登记：{'、'.join(sorted(enrolled))}")


def psn_no(region: str, sequence: int) -> str:
    """人员编号: the region and a 10-digit sequence (the seeds give no format)."""
    return f"{region}{sequence:010d}"


async def complete_employee_registration(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """Runs when the 职工参保登记 case completes: the persons and their 310 enrolments, and their events."""
    form = EmployeeRegistrationForm.model_validate(case["form"])
    employer = await active_employer(uow, form.unit_uscc) if form.unit_uscc else None
    await check_not_enrolled(uow, [e.certno for e in form.employees], EMPLOYEE_MEDICAL)
    now = datetime.now(UTC)
    enrolled = []
    for row in form.employees:
        person = await uow.session.scalar(select(InsuredPerson).where(InsuredPerson.certno == row.certno))
        if person is None:
            sequence = (await uow.session.execute(text("SELECT nextval('insured_person_seq')"))).scalar_one()
            person = InsuredPerson(
                id=uuid.uuid4(),
                psn_no=psn_no(uow.region, sequence),
                cert_type=row.cert_type,
                certno=row.certno,
                name=row.name,
                birth_month=row.birth_month,
                mobile=row.mobile,
                region=uow.region,
                created_at=now,
            )
            uow.session.add(person)
            await uow.session.flush()  # the enrolment refers to it (no ORM relationship orders the inserts)
        start_on = date.fromisoformat(row.start_month + "-01")
        enrolment = Enrolment(
            id=uuid.uuid4(),
            person_id=person.id,
            insutype=EMPLOYEE_MEDICAL,
            status="enrolled",
            employer_id=employer.id if employer else None,
            flexible_worker=form.flexible_worker,
            declared_monthly_wage=row.declared_monthly_wage,
            start_month=row.start_month,
            start_on=start_on,
            case_no=case["case_no"],
            created_at=now,
        )
        uow.session.add(enrolment)
        uow.publish(
            PersonEnrolled(
                person_id=person.id,
                psn_no=person.psn_no,
                certno=person.certno,
                name=person.name,
                insutype=EMPLOYEE_MEDICAL,
                employer_uscc=employer.uscc if employer else None,
                flexible_worker=form.flexible_worker,
                start_on=start_on,
                region=uow.region,
            )
        )
        enrolled.append({"psn_no": person.psn_no, "name": person.name, "certno": person.certno})
    await uow.session.flush()
    return {"enrolled": enrolled, "insutype": EMPLOYEE_MEDICAL}
