"""退休人员医保管理 (郴州 1.8): 死亡异动 (样表11) and 医保管理责任单位变更 (样表12)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.errors import ProblemError
from registration.casework import form_of
from registration.employees.forms import RetireeDeathForm, RetireeUnitForm, UnitChangeReason, first_day
from registration.employees.service import RowMismatch, brief, check_belongs, filing_unit
from registration.persons.domain import (
    EMPLOYEE_MEDICAL,
    EnrolmentAction,
    EnrolmentNotActive,
    EnrolmentStatus,
    PersonnelType,
    PersonNotEnrolled,
    TerminationReason,
)
from registration.persons.lifecycle import lock_enrolment, move
from registration.persons.moves import change_employer, record_death
from registration.persons.service import active_employer
from registration.units.models import Employer


class NotRetired(ProblemError):
    status = 422
    code = "not_retired"
    title = "该人员不是退休人员"


REASON_ZH = {UnitChangeReason.unit_cancelled: "原单位注销", UnitChangeReason.merged: "合并"}


async def complete_retiree_death(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """死亡异动: the retiree's enrolment ends (终止参保, death) from the 停保时间; the amount of account credits
    made after death (扣回多划个人账户金额) goes to the account ledger in the event."""
    form = form_of(case, RetireeDeathForm)
    employer = await filing_unit(uow, form)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        check_belongs(locked, employer, row.name)
        if locked.held.personnel_type != PersonnelType.retired:
            raise NotRetired(f"{locked.who}不是退休人员，在职职工死亡请办理职工减少登记（终止参保）")
        if row.died_on > china_today():
            raise RowMismatch(f"{locked.who}的死亡时间不能晚于今天")
        common = {"actor": case["submitted_by"], "case_no": case["case_no"]}
        await move(
            uow,
            locked,
            EnrolmentAction.terminate,
            insutype=EMPLOYEE_MEDICAL,
            effective_on=first_day(row.stop_month),
            reason=str(TerminationReason.death),
            **common,
        )
        await record_death(uow, locked, row.died_on, overpaid_account_amount=row.overpaid_account_amount, **common)
        overpaid = f"{row.overpaid_account_amount:.2f}" if row.overpaid_account_amount is not None else None
        done.append(brief(locked) | {"died_on": str(row.died_on), "overpaid_account_amount": overpaid})
    await uow.session.flush()
    return {"deceased": done}


async def complete_retiree_unit_change(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """管理责任单位变更: filed by the receiving unit (「由申请转入的单位申报」); each retiree's unit becomes it."""
    form = form_of(case, RetireeUnitForm)
    receiving = await active_employer(uow, form.unit_uscc)
    done = []
    for row in form.rows:
        locked = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
        assert locked is not None
        enrolment = locked.enrolment
        if enrolment is None:
            raise PersonNotEnrolled(f"{locked.who}未参加职工基本医疗保险")
        if row.name != locked.person.name:
            raise RowMismatch(f"{locked.who}的姓名与所填「{row.name}」不符")
        if enrolment.personnel_type != PersonnelType.retired:
            raise NotRetired(f"{locked.who}不是退休人员，不能办理医保管理责任单位变更")
        if enrolment.status != EnrolmentStatus.enrolled:
            raise EnrolmentNotActive(f"{locked.who}已暂停或终止参保，不能变更管理责任单位")
        if enrolment.employer_id == receiving.id:
            raise RowMismatch(f"{locked.who}的医保管理责任单位已是{receiving.name}")
        former = None
        if enrolment.employer_id is not None:
            former = await uow.session.scalar(select(Employer.name).where(Employer.id == enrolment.employer_id))
        reason = REASON_ZH.get(row.reason) or (row.reason_text or "其他原因")
        await change_employer(
            uow,
            locked,
            receiving,
            reason=reason,
            effective_on=china_today(),
            actor=case["submitted_by"],
            case_no=case["case_no"],
        )
        done.append(brief(locked) | {"former_unit": former, "reason": reason})
    await uow.session.flush()
    return {"moved": done, "responsible_unit": receiving.name}
