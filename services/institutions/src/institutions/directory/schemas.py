from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from institutions.directory.domain import DesignationStatus, InstitutionKind


class DesignatedInstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fixmedins_code: str = Field(description="定点医药机构编号")
    name: str = Field(description="机构名称")
    kind: InstitutionKind = Field(description="hospital 医疗机构 / pharmacy 零售药店")
    status: DesignationStatus
    designated_at: datetime | None = Field(description="协议签订（定点）时间")
