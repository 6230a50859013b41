from typing import Annotated

from fastapi import APIRouter, Path, Query

from maternity.employers import service
from maternity.employers.schemas import EmployerOut
from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep

router = APIRouter(prefix="/api/v1/maternity/employers", tags=["employers 参保单位"])


@router.get("", response_model=list[EmployerOut], summary="参保单位列表")
async def list_employers(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EmployerOut]:
    require_staff(principal)
    employers = await service.find_employers(session, limit=limit, offset=offset)
    return [EmployerOut.model_validate(e) for e in employers]


@router.get("/{uscc}", response_model=EmployerOut, summary="参保单位信息查询（按统一社会信用代码）")
async def get_employer(
    uscc: Annotated[str, Path(min_length=1, max_length=18)], principal: CurrentPrincipal, session: SessionDep
) -> EmployerOut:
    require_staff(principal)
    return EmployerOut.model_validate(await service.get_employer(session, uscc))
