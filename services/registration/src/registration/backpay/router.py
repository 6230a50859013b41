"""Applications of 法定断档补缴 and 欠款补缴."""

from fastapi import APIRouter, Request

from medins.cases.service import Applicant
from medins.identity import CurrentPrincipal
from medins.service_app import UowDep
from registration import receipts
from registration.applications.schemas import ApplicationOut
from registration.backpay.domain import ArrearsKind
from registration.backpay.forms import ArrearsApplication, GapBackpayApplication
from registration.backpay.service import complete_arrears_backpay, complete_gap_backpay
from registration.casework import Candidate, apply, kit_of
from registration.employees.router import FILERS, filer

router = APIRouter(prefix="/api/v1/registration", tags=["backpay 补缴"])


@router.post(
    "/gap-backpays",
    status_code=201,
    response_model=ApplicationOut,
    summary="法定断档补缴（样表10）",
    openapi_extra=FILERS,
)
async def apply_gap_backpay(
    body: GapBackpayApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("gap_backpay"),),
        applicant=filer(form),
        submission=body,
        form=form,
        operation="gap_backpay",
        handler=complete_gap_backpay,
        implied={str(form.scenario)},
    )


@router.post(
    "/arrears-backpays",
    status_code=201,
    response_model=ApplicationOut,
    summary="基本医疗保险欠款补缴（单位欠费补缴、职工欠费补缴）",
    openapi_extra=FILERS,
)
async def apply_arrears_backpay(
    body: ArrearsApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    if form.kind is ArrearsKind.unit or (form.unit_uscc is not None and not form.personal_repayment):
        assert form.unit_uscc is not None
        applicant = Applicant("employer", form.unit_uscc, None)
    else:
        assert form.person is not None
        applicant = Applicant("person", form.person.certno, form.person.name)
    implied = (
        {"unit_arrears"}
        if form.kind is ArrearsKind.unit
        else {"employee_arrears", "employee_arrears_personal" if form.personal_repayment else None}
    )
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("arrears_backpay"),),
        applicant=applicant,
        submission=body,
        form=form,
        operation="arrears_backpay",
        handler=complete_arrears_backpay,
        implied=implied,
        receipt=receipts.arrears,
    )
