import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep
from registration.units import service
from registration.units.schemas import UnitOut

router = APIRouter(prefix="/api/v1/registration/units", tags=["units 参保单位"])


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
