from typing import Annotated

from fastapi import APIRouter, Query

from medins.identity import CurrentPrincipal, require_staff
from medins.service_app import SessionDep
from transfer.transfers import service
from transfer.transfers.schemas import TransferOut

router = APIRouter(prefix="/api/v1/transfer/transfers", tags=["transfers 转移接续"])


@router.get("", response_model=list[TransferOut], summary="转移接续办件列表")
async def list_transfers(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TransferOut]:
    require_staff(principal)
    transfers = await service.find_transfers(session, limit=limit, offset=offset)
    return [TransferOut.model_validate(t) for t in transfers]
