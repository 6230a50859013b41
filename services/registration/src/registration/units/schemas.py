import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from medins.ids import USCC, CertNo
from registration.units.domain import InsuredProduct, UnitStatus


class PublicSectorInfo(BaseModel):
    """样表1 「机关事业单位及社会团体填报以下信息」."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    funding_source: str | None = Field(None, max_length=50, description="经费来源")
    competent_department: str | None = Field(None, max_length=200, description="主管部门")
    authorized_staff: int | None = Field(None, ge=0, description="最新核编人数（含纪检、军转）")
    retirees: int | None = Field(None, ge=0, description="退休人数")
    organ_staff: int | None = Field(None, ge=0, description="机关在编人数")
    civil_servants: int | None = Field(None, ge=0, description="公务员人数")
    logistics_staff: int | None = Field(None, ge=0, description="后勤服务人数")
    civil_servant_law_staff: int | None = Field(None, ge=0, description="参公在编人数")
    public_institution_staff: int | None = Field(None, ge=0, description="事业在编人数")


class RegisterUnit(BaseModel):
    """样表1 《单位参保信息登记表》, new registration (新参保登记)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: USCC = Field(description="现统一社会信用代码")
    former_uscc: USCC | None = Field(None, description="原统一社会信用代码")
    name: str = Field(min_length=2, max_length=200, description="单位名称")
    address: str = Field(min_length=2, max_length=300, description="通讯地址")
    superior_department: str | None = Field(None, max_length=200, description="上级主管部门")
    unit_nature: str | None = Field(None, max_length=50, description="单位性质")
    affiliation: str | None = Field(None, max_length=50, description="隶属关系")
    legal_rep_name: str = Field(min_length=1, max_length=50, description="法定代表人姓名")
    legal_rep_phone: str = Field(pattern=r"^[0-9\-+ ]{7,20}$", description="法定代表人联系电话")
    legal_rep_certno: CertNo = Field(description="法定代表人身份证件号码")
    bank_name: str | None = Field(None, max_length=100, description="开户银行")
    bank_account_name: str | None = Field(None, max_length=200, description="户名")
    bank_account_no: str | None = Field(None, pattern=r"^[0-9]{8,32}$", description="银行账号")
    handler_name: str = Field(min_length=1, max_length=50, description="经办人员姓名")
    handler_department: str | None = Field(None, max_length=100, description="经办人员所在部门")
    handler_mobile: str = Field(pattern=r"^1[3-9][0-9]{9}$", description="经办人员手机号码")
    handler_phone: str | None = Field(None, pattern=r"^[0-9\-+ ]{7,20}$", description="经办人员联系电话")
    insured_products: list[InsuredProduct] = Field(
        min_length=1, description="参保险种: employee_medical 职工基本医疗（生育）保险, supplementary, other"
    )
    unit_type: str | None = Field(None, max_length=50, description="单位类型")
    public_sector: PublicSectorInfo | None = Field(None, description="机关事业单位及社会团体填报")


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_code: str = Field(description="单位编码")
    uscc: str
    former_uscc: str | None
    name: str
    address: str
    superior_department: str | None
    unit_nature: str | None
    affiliation: str | None
    legal_rep_name: str
    legal_rep_phone: str
    legal_rep_certno: str
    bank_name: str | None
    bank_account_name: str | None
    bank_account_no: str | None
    handler_name: str
    handler_department: str | None
    handler_mobile: str
    handler_phone: str | None
    insured_products: list[InsuredProduct]
    status: UnitStatus
    region: str
    registered_at: datetime
    unit_type: str | None = None
    public_sector: dict[str, object] | None = None
    suspended_on: date | None = None
    cancelled_on: date | None = None
    cancel_reason: str | None = None
