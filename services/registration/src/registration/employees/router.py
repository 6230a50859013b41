"""Applications (申请) of employees' moves; each starts a case whose completion performs the move."""

from fastapi import APIRouter, Request

from medins.cases.service import Applicant
from medins.identity import CurrentPrincipal, PrincipalKind
from medins.service_app import UowDep
from registration import receipts
from registration.applications.schemas import ApplicationOut
from registration.casework import Candidate, applicants, apply, kit_of
from registration.employees.forms import (
    BaseAdjustmentApplication,
    EmployeeChangeApplication,
    ReductionApplication,
    ResumptionApplication,
    RetireeDeathApplication,
    RetireeUnitApplication,
    RetirementApplication,
    UnitOrFlexible,
)
from registration.employees.retirees import complete_retiree_death, complete_retiree_unit_change
from registration.employees.service import (
    complete_base_adjustment,
    complete_employee_change,
    complete_reduction,
    complete_resumption,
    complete_retirement,
)
from registration.persons import certs
from registration.persons.domain import TerminationReason

router = APIRouter(prefix="/api/v1/registration", tags=["employees 职工参保"])

#: staff at a window (受理), the unit for its employees, a 灵活就业人员 for themself
FILERS = applicants(PrincipalKind.employer, PrincipalKind.person)
EMPLOYEE_REGISTRATION = Candidate("employee_registration")


def filer(form: UnitOrFlexible) -> Applicant:
    if form.flexible_worker:
        row = form.rows[0]  # type: ignore[attr-defined]
        return Applicant("person", row.certno, row.name)
    assert form.unit_uscc is not None
    return Applicant("employer", form.unit_uscc, None)


def who_files(form: UnitOrFlexible) -> str:
    return "flexible_worker" if form.flexible_worker else "unit_employee"


def special_groups(form: UnitOrFlexible) -> set[str | None]:
    return {certs.special_group(r.cert_type) for r in form.rows}  # type: ignore[attr-defined]


@router.post(
    "/employee-reductions",
    status_code=201,
    response_model=ApplicationOut,
    summary="职工减少登记：暂停缴费、终止参保（样表3）",
    openapi_extra=FILERS,
)
async def apply_reduction(
    body: ReductionApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit, form = kit_of(request), body.form
    known = kit.item("employee_registration").situation_keys
    reasons = {r.reason for r in form.rows if r.change_type == "terminate"}
    implied: set[str | None] = set()
    if form.flexible_worker:
        implied |= {"flexible_worker", "flexible_worker_death" if TerminationReason.death in reasons else None}
    else:
        # 徐州 files 退保 (终止) as 单位职工退保登记 with materials of its own; elsewhere 单位职工 covers both
        if any(r.change_type == "suspend" for r in form.rows) or "unit_employee_withdrawal" not in known:
            implied.add("unit_employee")
        if reasons:
            implied.add("unit_employee_withdrawal")
        if TerminationReason.death in reasons:
            implied.add("unit_employee_withdrawal_death")
        if TerminationReason.emigration in reasons:
            implied |= {"unit_employee_withdrawal_emigration", "emigration"}
    return await apply(
        uow,
        kit,
        principal=principal,
        candidates=(EMPLOYEE_REGISTRATION,),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="employee_reduce",
        handler=complete_reduction,
        implied=implied,
        receipt=receipts.reduction,
    )


@router.post(
    "/employee-resumptions",
    status_code=201,
    response_model=ApplicationOut,
    summary="职工恢复参保（暂停缴费后恢复）",
    openapi_extra=FILERS,
)
async def apply_resumption(
    body: ResumptionApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(EMPLOYEE_REGISTRATION,),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="employee_resume",
        handler=complete_resumption,
        implied={who_files(form)},
        receipt=receipts.roster("恢复参保", "resumed"),
    )


@router.post(
    "/employee-retirements",
    status_code=201,
    response_model=ApplicationOut,
    summary="在职转退休（样表4；徐州：职工医保参保人员医疗保险退休审批）",
    openapi_extra=FILERS,
)
async def apply_retirement(
    body: RetirementApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("retirement_approval", listed_only=True), EMPLOYEE_REGISTRATION),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="employee_retire",
        handler=complete_retirement,
        implied={who_files(form), "retirement"},
        receipt=receipts.roster("在职转退休", "retired"),
    )


@router.post(
    "/employee-changes",
    status_code=201,
    response_model=ApplicationOut,
    summary="职工参保信息变更登记（样表8）",
    openapi_extra=FILERS,
)
async def apply_employee_change(
    body: EmployeeChangeApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("employee_change_registration"),),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="employee_change",
        handler=complete_employee_change,
        implied={"key_info_change" if form.key_information else None},
        receipt=receipts.employee_change,
    )


@router.post(
    "/contribution-base-adjustments",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位参保人员缴费基数调整",
    openapi_extra=applicants(PrincipalKind.employer),
)
async def apply_base_adjustment(
    body: BaseAdjustmentApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("contribution_base_adjustment"),),
        applicant=Applicant("employer", form.unit_uscc, None),
        submission=body,
        form=form,
        operation="base_adjust",
        handler=complete_base_adjustment,
        implied={"difference_refund" if form.difference_refund else None},
        receipt=receipts.roster("缴费基数调整", "adjusted"),
    )


@router.post(
    "/retiree-deaths",
    status_code=201,
    response_model=ApplicationOut,
    summary="退休人员医保管理：死亡异动（样表11）",
    openapi_extra=FILERS,
)
async def apply_retiree_death(
    body: RetireeDeathApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("retiree_management", "retiree_death", listed_only=True), EMPLOYEE_REGISTRATION),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="retiree_death",
        handler=complete_retiree_death,
        implied={
            "retiree_death",
            who_files(form),
            "flexible_worker_death" if form.flexible_worker else "unit_employee_withdrawal_death",
        },
    )


@router.post(
    "/retiree-unit-changes",
    status_code=201,
    response_model=ApplicationOut,
    summary="退休人员医保管理：管理责任单位变更（样表12，由转入单位申报）",
    openapi_extra=applicants(PrincipalKind.employer),
)
async def apply_retiree_unit_change(
    body: RetireeUnitApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("retiree_management"),),
        applicant=Applicant("employer", form.unit_uscc, None),
        submission=body,
        form=form,
        operation="retiree_unit_change",
        handler=complete_retiree_unit_change,
        implied={"responsible_unit_change"},
    )
