"""Use cases of insured persons: 职工参保登记 completes into enrolments (insutype 310).

The same item (职工参保登记, 样表2/3/4) also carries 减少, 恢复 and 在职转退休: a case whose form names an
``operation`` is completed by that operation's handler (``registration.completion``).
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.ids import mask_certno
from registration.persons.domain import (
    EMPLOYEE_MEDICAL,
    EnrolmentAction,
    EnrolmentStatus,
    PersonAlreadyDeceased,
    PersonAlreadyEnrolled,
)
from registration.persons.lifecycle import find_person, lock_enrolment, move
from registration.persons.models import Enrolment, InsuredPerson
from registration.persons.schemas import EmployeeRegistrationForm
from registration.units.models import Employer

__all__ = [
    "EMPLOYEE_MEDICAL",
    "EmployerNotActive",
    "PersonAlreadyEnrolled",
    "active_employer",
    "check_not_enrolled",
    "complete_employee_registration",
    "ensure_person",
    "psn_no",
]


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
    """Refuses persons already enrolled (正常参保) in ``insutype``, and deceased persons. A suspended or
    terminated person may be enrolled again (a new unit takes on a suspended employee: 新增)."""
    rows = (
        await uow.session.execute(
            select(InsuredPerson.certno, InsuredPerson.name, InsuredPerson.died_on, Enrolment.status)
            .outerjoin(Enrolment, (Enrolment.person_id == InsuredPerson.id) & (Enrolment.insutype == insutype))
            .where(InsuredPerson.certno.in_(certnos))
        )
    ).all()
    dead = sorted(f"{name}（{mask_certno(certno)}）" for certno, name, died_on, _ in rows if died_on is not None)
    if dead:
        raise PersonAlreadyDeceased(f"以下人员已登记死亡，不能参保登记：{'、'.join(dead)}")
    enrolled = sorted(
        f"{name}（{mask_certno(certno)}）" for certno, name, _, status in rows if status == EnrolmentStatus.enrolled
    )
    if enrolled:
        scheme = "职工基本医疗保险" if insutype == EMPLOYEE_MEDICAL else "城乡居民基本医疗保险"
        raise PersonAlreadyEnrolled(f"以下人员已参加{scheme}，不能重复登记：{'、'.join(enrolled)}")


def psn_no(region: str, sequence: int) -> str:
    """人员编号: the region and a 10-digit sequence (the seeds give no format)."""
    return f"{region}{sequence:010d}"


async def ensure_person(
    uow: UnitOfWork,
    *,
    cert_type: str,
    certno: str,
    name: str,
    birth_month: str | None,
    mobile: str | None,
    sex: str | None = None,
) -> InsuredPerson:
    """The person with this 证件号码, created (with a new 人员编号) on their first registration."""
    person = await find_person(uow, certno, for_update=True)
    if person is not None:
        if mobile and person.mobile != mobile:
            person.mobile = mobile
        return person
    sequence = (await uow.session.execute(text("SELECT nextval('insured_person_seq')"))).scalar_one()
    person = InsuredPerson(
        psn_no=psn_no(uow.region, sequence),
        cert_type=cert_type,
        certno=certno,
        name=name,
        birth_month=birth_month,
        mobile=mobile,
        sex=sex,
        region=uow.region,
        created_at=datetime.now(UTC),
    )
    try:
        # added inside the savepoint: begin_nested() flushes what is pending before it starts
        async with uow.session.begin_nested():
            uow.session.add(person)
            await uow.session.flush()  # the enrolment refers to it (no ORM relationship orders the inserts)
    except IntegrityError:
        # a concurrent case registered the same 证件号码 first: take that person
        existing = await find_person(uow, certno, for_update=True)
        assert existing is not None
        return existing
    return person


async def complete_employee_registration(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """Runs when the 职工参保登记 case completes: the persons and their 310 enrolments, and their events."""
    if (case["form"] or {}).get("operation"):
        from registration.completion import run_operation  # the other moves of this item (样表3 / 样表4)

        return await run_operation(uow, case)
    form = EmployeeRegistrationForm.model_validate(case["form"])
    employer = await active_employer(uow, form.unit_uscc) if form.unit_uscc else None
    await check_not_enrolled(uow, [e.certno for e in form.employees], EMPLOYEE_MEDICAL)
    enrolled = []
    for row in form.employees:
        person = await ensure_person(
            uow,
            cert_type=row.cert_type,
            certno=row.certno,
            name=row.name,
            birth_month=row.birth_month,
            mobile=row.mobile,
        )
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        await move(
            uow,
            locked,
            EnrolmentAction.enrol,
            insutype=EMPLOYEE_MEDICAL,
            effective_on=date.fromisoformat(row.start_month + "-01"),
            actor=case["submitted_by"],
            case_no=case["case_no"],
            employer=employer,
            flexible_worker=form.flexible_worker,
            declared_monthly_wage=row.declared_monthly_wage,
        )
        enrolled.append({"psn_no": person.psn_no, "name": person.name, "certno": person.certno})
    await uow.session.flush()
    return {"enrolled": enrolled, "insutype": EMPLOYEE_MEDICAL}
