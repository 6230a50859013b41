from typing import Annotated

from fastapi import APIRouter, Query

from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep
from settlement.declarations import service
from settlement.declarations.schemas import MonthlyDeclarationOut

router = APIRouter(prefix="/api/v1/settlement/declarations", tags=["declarations 月度费用申报"])


@router.get("", response_model=list[MonthlyDeclarationOut], summary="月度费用申报列表")
async def list_declarations(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[MonthlyDeclarationOut]:
    require_staff(principal)
    declarations = await service.find_declarations(session, limit=limit, offset=offset)
    return [MonthlyDeclarationOut.model_validate(d) for d in declarations]
