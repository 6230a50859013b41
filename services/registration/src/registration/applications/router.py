from fastapi import APIRouter, Request

from medins.authz import audience
from medins.cases.service import Applicant, CaseKit
from medins.cases.views import case_out
from medins.identity import CurrentPrincipal, PrincipalKind, StaffRole, require_staff
from medins.service_app import UowDep
from registration.applications.schemas import (
    ApplicationOut,
    EmployeeRegistrationApplication,
    UnitRegistrationApplication,
)
from registration.persons.certs import special_group
from registration.persons.service import active_employer, check_not_enrolled
from registration.units.service import check_uscc_free

router = APIRouter(prefix="/api/v1/registration", tags=["applications 申请"])


@router.post("/unit-registrations", status_code=201, response_model=ApplicationOut, summary="单位参保登记（申请）")
async def apply_unit_registration(
    body: UnitRegistrationApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit: CaseKit = request.app.state.case_kit
    require_staff(principal, StaffRole.intake, region=kit.region)
    async with uow:
        await check_uscc_free(uow, body.form.uscc)
        row = await kit.submit(
            uow,
            item_key="unit_registration",
            applicant=Applicant("employer", body.form.uscc, body.form.name),
            actor=principal,
            channel=body.channel,
            form=body.form.model_dump(mode="json"),
            materials=body.materials,
            situations=body.situations,
        )
        out = ApplicationOut(case=await case_out(kit, uow.session, row))
        await uow.commit()
    return out


@router.post(
    "/employee-registrations",
    status_code=201,
    response_model=ApplicationOut,
    summary="职工参保登记（申请）：单位为职工申报，灵活就业人员本人申请",
    openapi_extra=audience(
        PrincipalKind.staff, PrincipalKind.employer, PrincipalKind.person, staff_roles=(StaffRole.intake,)
    ),
)
async def apply_employee_registration(
    body: EmployeeRegistrationApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit: CaseKit = request.app.state.case_kit
    form = body.form
    if principal.kind is PrincipalKind.staff:
        require_staff(principal, StaffRole.intake, region=kit.region)
    # 港澳台人员 and 外国人 hand in their own documents (the situation follows from the 证件类型)
    known = kit.item("employee_registration").situation_keys
    groups = {g for e in form.employees if (g := special_group(e.cert_type)) in known and g is not None}
    if form.flexible_worker:
        worker = form.employees[0]
        applicant = Applicant("person", worker.certno, worker.name)
        situations = sorted({*body.situations, *groups, "flexible_worker"})
    else:
        assert form.unit_uscc is not None
        applicant = Applicant("employer", form.unit_uscc, None)
        situations = sorted({*body.situations, *groups, "unit_employee"})
    if principal.kind is not PrincipalKind.staff and (str(principal.kind), principal.id) != (
        applicant.kind,
        applicant.id,
    ):
        require_staff(principal)
    async with uow:
        if form.unit_uscc:
            employer = await active_employer(uow, form.unit_uscc)
            applicant = Applicant("employer", employer.uscc, employer.name)
        await check_not_enrolled(uow, [e.certno for e in form.employees], "310")
        row = await kit.submit(
            uow,
            item_key="employee_registration",
            applicant=applicant,
            actor=principal,
            channel=body.channel,
            form=form.model_dump(mode="json"),
            materials=body.materials,
            situations=situations,
        )
        out = ApplicationOut(case=await case_out(kit, uow.session, row))
        await uow.commit()
    return out
