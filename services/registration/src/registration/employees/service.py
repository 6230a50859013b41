"""What happens when an employee's case completes: 减少, 恢复, 在职转退休, 信息变更, 缴费基数调整.

Each handler also runs, rolled back, when the application is made (``casework.rehearse``): a row the
completion would refuse refuses the whole application at once, and nothing of it is written.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.ids import mask_certno
from registration.casework import form_of
from registration.employees.forms import (
    BaseAdjustmentForm,
    EmployeeChangeForm,
    ReductionForm,
    ResumptionForm,
    RetirementForm,
    UnitOrFlexible,
    first_day,
)
from registration.employees.models import Retirement
from registration.events import ContributionBaseAdjusted
from registration.persons.changes import apply_person_changes
from registration.persons.domain import (
    EMPLOYEE_MEDICAL,
    PERSONNEL_ZH,
    EnrolmentAction,
    EnrolmentNotActive,
    EnrolmentStatus,
    PersonnelType,
    PersonNotEnrolled,
    TerminationReason,
    cumulative_months,
)
from registration.persons.lifecycle import Locked, add_change, lock_enrolment, move, snapshot
from registration.persons.moves import record_death
from registration.persons.service import EmployerNotActive, active_employer
from registration.units.domain import UnitStatus
from registration.units.models import Employer


class NotUnitEmployee(ProblemError):
    status = 422
    code = "not_unit_employee"
    title = "该人员不是本单位（本人）的参保人员"


class RowMismatch(ProblemError):
    status = 422
    code = "row_mismatch"
    title = "填报信息与登记信息不符"


async def filing_unit(uow: UnitOfWork, form: UnitOrFlexible, *, active: bool = False) -> Employer | None:
    """The unit that files (None for a 灵活就业人员): registered here and not cancelled (active if asked)."""
    if form.flexible_worker or form.unit_uscc is None:
        return None
    if active:
        return await active_employer(uow, form.unit_uscc)
    employer = await uow.session.scalar(select(Employer).where(Employer.uscc == form.unit_uscc))
    if employer is None or employer.status == UnitStatus.cancelled:
        raise EmployerNotActive(f"统一社会信用代码 {form.unit_uscc} 的单位未在本统筹区参保登记或已注销")
    return employer


def check_belongs(locked: Locked, employer: Employer | None, name: str | None = None) -> None:
    """The row's person is enrolled in 310 at the filing unit (or, for a 灵活就业人员, on their own)."""
    enrolment = locked.enrolment
    if enrolment is None:
        raise PersonNotEnrolled(f"{locked.who}未参加职工基本医疗保险")
    if employer is None and not (enrolment.flexible_worker and enrolment.employer_id is None):
        raise NotUnitEmployee(f"{locked.who}不是以灵活就业人员身份参保")
    if employer is not None and enrolment.employer_id != employer.id:
        raise NotUnitEmployee(f"{locked.who}不是{employer.name}的参保人员")
    if name is not None and name != locked.person.name:
        raise RowMismatch(f"证件号码 {mask_certno(locked.person.certno)} 登记的姓名不是「{name}」")


def brief(locked: Locked) -> dict[str, Any]:
    return {"psn_no": locked.person.psn_no, "name": locked.person.name, "certno": mask_certno(locked.person.certno)}


async def complete_reduction(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """减少登记 (样表3): 暂停缴费 or 终止参保 from the 停保时间; a death also ends the person's other enrolments."""
    form = form_of(case, ReductionForm)
    employer = await filing_unit(uow, form)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer, row.name)
        if row.personnel_type != locked.held.personnel_type:
            raise RowMismatch(
                f"{locked.who}登记的人员类型为{PERSONNEL_ZH[PersonnelType(locked.held.personnel_type)]}，与所填不符"
            )
        action = EnrolmentAction.suspend if row.change_type == "suspend" else EnrolmentAction.terminate
        common = {"actor": case["submitted_by"], "case_no": case["case_no"]}
        await move(
            uow,
            locked,
            action,
            insutype=EMPLOYEE_MEDICAL,
            effective_on=first_day(row.stop_month),
            reason=str(row.reason) if row.reason else None,
            **common,
        )
        if row.reason is TerminationReason.death and row.died_on is not None:
            await record_death(uow, locked, row.died_on, **common)
        done.append(brief(locked) | {"change_type": row.change_type, "stop_month": row.stop_month})
    await uow.session.flush()
    return {"reduced": done, "insutype": EMPLOYEE_MEDICAL, "flexible_worker": form.flexible_worker}


async def complete_resumption(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """恢复: only a person suspended at this unit (or a suspended 灵活就业人员 themself) is resumed."""
    form = form_of(case, ResumptionForm)
    employer = await filing_unit(uow, form, active=True)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer, row.name)
        enrolment = await move(
            uow,
            locked,
            EnrolmentAction.resume,
            insutype=EMPLOYEE_MEDICAL,
            effective_on=first_day(row.resume_month),
            actor=case["submitted_by"],
            case_no=case["case_no"],
            employer=employer,
        )
        if row.declared_monthly_wage is not None:
            enrolment.declared_monthly_wage = row.declared_monthly_wage
            enrolment.contribution_base = row.declared_monthly_wage
        done.append(brief(locked) | {"resume_month": row.resume_month})
    await uow.session.flush()
    return {"resumed": done, "insutype": EMPLOYEE_MEDICAL, "flexible_worker": form.flexible_worker}


async def complete_retirement(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """在职转退休 (样表4): the retirement data, and the person's personnel type becomes 退休."""
    form = form_of(case, RetirementForm)
    employer = await filing_unit(uow, form)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer, row.name)
        total = cumulative_months(row.deemed_months, row.actual_months, row.cumulative_months, who=locked.who)
        data = {
            "retirement_type": str(row.retirement_type),
            "deemed_months": row.deemed_months,
            "actual_months": row.actual_months,
            "cumulative_months": total,
        }
        benefits_from = first_day(row.benefits_from_month)
        enrolment = await move(
            uow,
            locked,
            EnrolmentAction.retire,
            insutype=EMPLOYEE_MEDICAL,
            effective_on=benefits_from,
            actor=case["submitted_by"],
            case_no=case["case_no"],
            retirement=data,
        )
        if row.sex is not None:
            locked.person.sex = row.sex
        uow.session.add(
            Retirement(
                person_id=locked.person.id,
                enrolment_id=enrolment.id,
                personnel_identity=str(row.personnel_identity) if row.personnel_identity else None,
                archive_birth_month=row.archive_birth_month,
                work_start_month=row.work_start_month,
                benefits_from=benefits_from,
                case_no=case["case_no"],
                retired_at=datetime.now(UTC),
                **data,
            )
        )
        done.append(brief(locked) | data | {"benefits_from": str(benefits_from)})
    await uow.session.flush()
    return {"retired": done, "insutype": EMPLOYEE_MEDICAL, "flexible_worker": form.flexible_worker}


async def complete_employee_change(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """职工参保信息变更登记 (样表8): each row's 变更项目 with 变更前 / 变更后."""
    form = form_of(case, EmployeeChangeForm)
    employer = await filing_unit(uow, form)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer)
        requested = row.changes.model_dump(mode="json", exclude_none=True)
        changes = await apply_person_changes(
            uow, locked, requested, actor=case["submitted_by"], case_no=case["case_no"], remarks=row.remarks
        )
        done.append(brief(locked) | {"changes": changes})
    return {"changed": done, "key_information": form.key_information}


async def complete_base_adjustment(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """缴费基数调整: the new monthly base of each in-service employee from the month given."""
    form = form_of(case, BaseAdjustmentForm)
    employer = await active_employer(uow, form.unit_uscc)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer, row.name)
        enrolment = locked.held
        if enrolment.status != EnrolmentStatus.enrolled or enrolment.personnel_type != PersonnelType.in_service:
            raise EnrolmentNotActive(f"{locked.who}不是正常参保的在职职工，不能调整缴费基数")
        before = snapshot(enrolment)
        former = enrolment.contribution_base
        enrolment.contribution_base = row.contribution_base
        on = first_day(row.effective_month)
        add_change(
            uow,
            person=locked.person,
            enrolment=enrolment,
            kind="base_adjusted",
            effective_on=on,
            actor=case["submitted_by"],
            case_no=case["case_no"],
            before=before,
            after=snapshot(enrolment),
            from_status=enrolment.status,
            reason="difference_refund" if form.difference_refund else None,
        )
        uow.publish(
            ContributionBaseAdjusted(
                person_id=locked.person.id,
                psn_no=locked.person.psn_no,
                certno=locked.person.certno,
                name=locked.person.name,
                insutype=EMPLOYEE_MEDICAL,
                employer_uscc=employer.uscc,
                effective_on=on,
                contribution_base=f"{row.contribution_base:.2f}",
                former_contribution_base=f"{former:.2f}" if former is not None else None,
                region=uow.region,
            )
        )
        done.append(brief(locked) | {"contribution_base": f"{row.contribution_base:.2f}", "from": row.effective_month})
    await uow.session.flush()
    return {"adjusted": done}
