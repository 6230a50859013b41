from typing import Annotated

from fastapi import APIRouter, Query

from claims.offsite_care import service
from claims.offsite_care.schemas import OffsiteCareFilingOut
from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep

router = APIRouter(prefix="/api/v1/claims/offsite-care-filings", tags=["offsite care filings 异地就医备案"])


@router.get("", response_model=list[OffsiteCareFilingOut], summary="异地就医备案列表")
async def list_offsite_care_filings(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OffsiteCareFilingOut]:
    require_staff(principal)
    filings = await service.find_filings(session, limit=limit, offset=offset)
    return [OffsiteCareFilingOut.model_validate(f) for f in filings]
