import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str = Field(description="统一社会信用代码")
    unit_id: uuid.UUID = Field(description="参保登记服务中的单位标识")
    unit_code: str = Field(description="单位编码")
    name: str = Field(description="单位名称")
    region: str = Field(description="参保地医保区划")
    registered_at: datetime = Field(description="参保登记时间")
    received_at: datetime = Field(description="本服务收到登记事件的时间")
