from typing import Annotated

from fastapi import APIRouter, Query

from institutions.directory import service
from institutions.directory.schemas import DesignatedInstitutionOut
from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep

router = APIRouter(prefix="/api/v1/institutions/institutions", tags=["institutions 定点医药机构"])


@router.get("", response_model=list[DesignatedInstitutionOut], summary="定点医药机构列表")
async def list_institutions(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DesignatedInstitutionOut]:
    require_staff(principal)
    institutions = await service.find_institutions(session, limit=limit, offset=offset)
    return [DesignatedInstitutionOut.model_validate(i) for i in institutions]
