import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from medins.money import Money
from settlement.declarations.domain import PERIOD_PATTERN, DeclarationStatus


class MonthlyDeclarationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    fixmedins_code: str = Field(description="定点医药机构编号")
    period: str = Field(pattern=PERIOD_PATTERN, description="申报期 (YYYY-MM)")
    medfee_sumamt: Money = Field(description="医疗费总额（元，两位小数）")
    status: DeclarationStatus
    created_at: datetime
