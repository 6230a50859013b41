import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from medins.ids import mask_certno
from transfer.transfers.domain import TransferDirection, TransferStatus


class TransferOut(BaseModel):
    """A transfer as staff see it in a list: the 身份证号 is masked."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    direction: TransferDirection = Field(description="inbound 转入 / outbound 转出")
    certno: str = Field(description="参保人员身份证号（脱敏）")
    origin_region: str = Field(description="转出地医保区划")
    destination_region: str = Field(description="转入地医保区划")
    status: TransferStatus
    created_at: datetime

    @field_serializer("certno")
    def _masked(self, certno: str) -> str:
        return mask_certno(certno)
