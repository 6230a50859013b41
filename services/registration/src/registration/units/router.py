import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from medins.identity import CurrentPrincipal, StaffRole, require_staff
from medins.service_app import SessionDep, UowDep
from registration.units import service
from registration.units.schemas import RegisterUnit, UnitOut

router = APIRouter(prefix="/api/v1/registration/units", tags=["units 参保单位"])


@router.post("", status_code=201, response_model=UnitOut, summary="单位参保登记 (new unit registration)")
async def register_unit(body: RegisterUnit, principal: CurrentPrincipal, uow: UowDep) -> UnitOut:
    require_staff(principal, StaffRole.intake, StaffRole.admin, region=uow.region)
    employer = await service.register_unit(uow, command=body, actor=principal)
    return UnitOut.model_validate(employer)


@router.get("/{unit_id}", response_model=UnitOut, summary="参保单位信息查询")
async def get_unit(unit_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> UnitOut:
    require_staff(principal)
    return UnitOut.model_validate(await service.get_unit(session, unit_id))


@router.get("", response_model=list[UnitOut], summary="参保单位列表")
async def list_units(
    principal: CurrentPrincipal,
    session: SessionDep,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[UnitOut]:
    require_staff(principal)
    units = await service.find_units(session, uscc=uscc, limit=limit, offset=offset)
    return [UnitOut.model_validate(u) for u in units]
