import re
import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medins.ids import USCC
from medins.money import Money
from registration.persons import certs

YEAR_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


class EmployeeRow(BaseModel):
    """One row of 样表2 (新增登记)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名")
    cert_type: certs.CertType = Field(
        certs.CertType.resident_id,
        description="身份证件类型 (psn_cert_type): 01 居民身份证, 04/05 港澳居民来往内地通行证, "
        "06 台湾居民来往大陆通行证, 07 外国人永久居留身份证, 08 外国人护照, 24 港澳台居民居住证, 99 其他",
    )
    certno: str = Field(min_length=5, max_length=30, description="身份证件号码")
    declared_monthly_wage: Money | None = Field(None, description="申报月工资（元）")
    start_month: str = Field(description="本次参保时间 YYYY-MM")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$", description="手机号码")
    remarks: str | None = Field(None, max_length=200, description="备注")

    @model_validator(mode="after")
    def _certno_by_type(self) -> "EmployeeRow":
        self.certno = certs.validate_document(self.cert_type, self.certno)
        return self

    @field_validator("start_month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not YEAR_MONTH.match(value):
            raise ValueError("本次参保时间应为 YYYY-MM")
        return value

    @property
    def birth_month(self) -> str | None:
        return certs.birth_month(self.cert_type, self.certno)


class EmployeeRegistrationForm(BaseModel):
    """《职工基本医疗保险参保登记表》（新增登记, 样表2): a unit's employees, or one flexible worker."""

    model_config = ConfigDict(extra="forbid")

    unit_uscc: USCC | None = Field(None, description="单位统一社会信用代码（灵活就业人员不填）")
    flexible_worker: bool = Field(False, description="灵活就业人员")
    employees: list[EmployeeRow] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _unit_or_flexible(self) -> "EmployeeRegistrationForm":
        if self.flexible_worker and (self.unit_uscc is not None or len(self.employees) != 1):
            raise ValueError("灵活就业人员本人申请：不填单位，且只登记本人一人")
        if not self.flexible_worker and self.unit_uscc is None:
            raise ValueError("单位职工参保须填写单位统一社会信用代码")
        certnos = [e.certno for e in self.employees]
        if len(set(certnos)) != len(certnos):
            raise ValueError("同一表中身份证件号码重复")
        return self


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID
    psn_no: str
    name: str
    certno: str
    insutype: str
    status: str
    start_on: date
    declared_monthly_wage: Decimal | None
