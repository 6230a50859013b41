import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from claims.offsite_care.domain import FilingStatus, OffsiteCareKind
from medins.ids import mask_certno


class OffsiteCareFilingOut(BaseModel):
    """A filing as staff see it in a list: the 身份证号 is masked."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    certno: str = Field(description="参保人员身份证号（脱敏）")
    kind: OffsiteCareKind = Field(description="备案类别")
    status: FilingStatus
    created_at: datetime

    @field_serializer("certno")
    def _masked(self, certno: str) -> str:
        return mask_certno(certno)
