"""Applications of a unit's moves: 暂停, 恢复, 注销 and 拆分合并分立 (样表1 登记类型), 信息变更 (样表7)."""

from fastapi import APIRouter, Request

from medins.cases.service import Applicant
from medins.identity import CurrentPrincipal, PrincipalKind
from medins.service_app import UowDep
from registration import receipts
from registration.applications.schemas import ApplicationOut
from registration.casework import Candidate, applicants, apply, kit_of
from registration.units.domain import CHANGEABLE_FIELDS, RestructureKind, is_key_change
from registration.units.forms import UnitChangeApplication, UnitRestructureApplication, UnitStatusApplication
from registration.units.lifecycle import complete_unit_change, complete_unit_restructure, complete_unit_status

router = APIRouter(prefix="/api/v1/registration", tags=["units 参保单位"])

#: staff at a window (受理), or the unit itself
UNIT_FILERS = applicants(PrincipalKind.employer)
UNIT_REGISTRATION = Candidate("unit_registration")


async def _status(
    body: UnitStatusApplication,
    request: Request,
    principal: CurrentPrincipal,
    uow: UowDep,
    *,
    operation: str,
    candidates: tuple[Candidate, ...],
    implied: set[str | None],
) -> ApplicationOut:
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=candidates,
        applicant=Applicant("employer", body.form.uscc, None),
        submission=body,
        form=body.form,
        operation=operation,
        handler=complete_unit_status,
        implied=implied,
    )


@router.post(
    "/unit-suspensions",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位暂停登记",
    openapi_extra=UNIT_FILERS,
)
async def apply_suspension(
    body: UnitStatusApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    return await _status(
        body, request, principal, uow, operation="unit_suspend", candidates=(UNIT_REGISTRATION,), implied=set()
    )


@router.post(
    "/unit-resumptions",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位保险暂停后恢复",
    openapi_extra=UNIT_FILERS,
)
async def apply_resumption(
    body: UnitStatusApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    return await _status(
        body, request, principal, uow, operation="unit_resume", candidates=(UNIT_REGISTRATION,), implied=set()
    )


@router.post(
    "/unit-cancellations",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位注销登记",
    openapi_extra=UNIT_FILERS,
)
async def apply_cancellation(
    body: UnitStatusApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    # 徐州 files 注销 as 单位参保信息变更登记 (注销登记) with its own materials; elsewhere it is 样表1's 注销登记
    candidates = (Candidate("unit_change_registration", "unit_deregistration"), UNIT_REGISTRATION)
    return await _status(
        body, request, principal, uow, operation="unit_cancel", candidates=candidates, implied={"unit_deregistration"}
    )


@router.post(
    "/unit-changes",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位参保信息变更登记（样表7）",
    openapi_extra=UNIT_FILERS,
)
async def apply_change(
    body: UnitChangeApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    fields = {f for f, v in body.form.changes.model_dump(exclude_none=True).items() if f in CHANGEABLE_FIELDS}
    legal_rep = {"legal_rep_name", "legal_rep_certno"} & fields
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("unit_change_registration"),),
        applicant=Applicant("employer", body.form.uscc, None),
        submission=body,
        form=body.form,
        operation="unit_change",
        handler=complete_unit_change,
        implied={
            "unit_change",
            "key_info_change" if is_key_change(fields) else None,
            "legal_rep_change" if legal_rep else None,
        },
        receipt=receipts.unit_change,
    )


@router.post(
    "/unit-restructurings",
    status_code=201,
    response_model=ApplicationOut,
    summary="单位拆分、合并、分立登记",
    openapi_extra=UNIT_FILERS,
)
async def apply_restructuring(
    body: UnitRestructureApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    merge = form.kind is RestructureKind.merge
    candidates = (
        (Candidate("unit_change_registration", "unit_merger"), UNIT_REGISTRATION) if merge else (UNIT_REGISTRATION,)
    )
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=candidates,
        applicant=Applicant("employer", form.filing_uscc, None),
        submission=body,
        form=form,
        operation="unit_restructure",
        handler=complete_unit_restructure,
        implied={"unit_merger" if merge else None},
    )
