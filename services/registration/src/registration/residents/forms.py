"""样表5 《城乡居民基本医疗保险参保登记表》, the rows of 样表6 (汇总表), and 样表9 (变更登记)."""

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medins.money import Money
from registration.applications.schemas import Submission
from registration.employees.forms import PersonChanges, PersonRef, year_month
from registration.persons import certs
from registration.persons.domain import TerminationReason


class ResidentIdentity(StrEnum):
    """申请人身份 (样表5) / 参保身份 (样表6)."""

    child = "child"  # 中小学及幼儿园儿童
    university_student = "university_student"  # 大学生
    rural = "rural"  # 农村居民
    urban_non_employed = "urban_non_employed"  # 城镇非从业居民
    other = "other"  # 其他


class SubsidyCategory(StrEnum):
    """财政补助对象 (样表5) / 补助类别 (样表6)."""

    minimum_living = "minimum_living"  # 低保
    extreme_poverty = "extreme_poverty"  # 特困供养人员
    severe_disability = "severe_disability"  # 重度残疾人
    orphan = "orphan"  # 孤儿
    low_income = "low_income"  # 低收入对象
    other = "other"  # 其他


IDENTITY_ZH = {
    ResidentIdentity.child: "中小学及幼儿园儿童",
    ResidentIdentity.university_student: "大学生",
    ResidentIdentity.rural: "农村居民",
    ResidentIdentity.urban_non_employed: "城镇非从业居民",
    ResidentIdentity.other: "其他",
}
SUBSIDY_ZH = {
    SubsidyCategory.minimum_living: "低保",
    SubsidyCategory.extreme_poverty: "特困供养人员",
    SubsidyCategory.severe_disability: "重度残疾人",
    SubsidyCategory.orphan: "孤儿",
    SubsidyCategory.low_income: "低收入对象",
    SubsidyCategory.other: "其他",
}
PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"


def sex_of(cert_type: str, certno: str) -> str | None:
    """性别 from a 身份证号 (or 居住证号): the 17th digit, odd for 男 (1), even for 女 (2)."""
    if cert_type in (certs.CertType.resident_id, certs.CertType.hmt_residence_permit) and len(certno) == 18:
        return "1" if int(certno[16]) % 2 else "2"
    return None


class ResidentDetails(BaseModel):
    """What the resident scheme keeps beside the person (样表5 / 样表6)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    identity: ResidentIdentity = Field(description="申请人身份 / 参保身份")
    identity_other: str | None = Field(None, max_length=50, description="其他身份说明")
    subsidy_category: SubsidyCategory | None = Field(None, description="财政补助对象")
    household_address: str | None = Field(None, max_length=200, description="户籍所在地（居住证登记地）")
    mailing_address: str | None = Field(None, max_length=200, description="通讯地址")


class ResidentForm(PersonRef, ResidentDetails):
    """《城乡居民基本医疗保险参保登记表》（样表5）."""

    sex: Literal["1", "2"] | None = Field(None, description="性别: 1 男 / 2 女（不填按身份证号码）")
    phone: str | None = Field(None, pattern=PHONE, description="联系电话")
    start_month: str | None = Field(None, description="本次参保开始时间 YYYY-MM（默认办结当月）")
    guardian_name: str | None = Field(None, max_length=100, description="监护人姓名（未成年人）")

    _month = field_validator("start_month")(year_month)

    @model_validator(mode="after")
    def _sex(self) -> "ResidentForm":
        derived = sex_of(self.cert_type, self.certno)
        if self.sex is not None and derived is not None and self.sex != derived:
            raise ValueError("性别与身份证号码不符")
        self.sex = self.sex or derived  # type: ignore[assignment]
        return self


class ResidentRow(ResidentForm):
    """One row of 样表6 《城乡居民基本医疗保险参保登记汇总表》 (the school's or community's table)."""

    line: int = Field(ge=1, description="文件中的行号")
    annual_contribution: Money | None = Field(None, description="本年缴费（元）")
    paid_on: date | None = Field(None, description="实际缴费时间")
    remarks: str | None = Field(None, max_length=200, description="备注")


class ResidentApplication(Submission):
    form: ResidentForm


class ResidentChangeForm(BaseModel):
    """《基本医疗保险城乡居民参保信息变更登记表》（样表9）; 徐州 adds 暂停参保 and 终止参保 to it (2.17)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名")
    certno: str = Field(min_length=5, max_length=30, description="现身份证件号码")
    change_type: Literal["info", "suspend", "terminate", "resume"] = Field(
        "info", description="info 信息变更 / suspend 暂停参保 / terminate 终止参保 / resume 恢复参保"
    )
    changes: PersonChanges | None = Field(None, description="变更项目（信息变更）")
    details: ResidentDetails | None = Field(None, description="参保身份、补助类别、地址的变更（信息变更）")
    month: str | None = Field(None, description="暂停、终止或恢复的年月 YYYY-MM")
    reason: TerminationReason | None = Field(None, description="终止原因")
    died_on: date | None = Field(None, description="死亡时间（终止参保（死亡））")
    remarks: str | None = Field(None, max_length=200, description="备注")

    _month = field_validator("month")(year_month)

    @model_validator(mode="after")
    def _by_type(self) -> "ResidentChangeForm":
        if self.change_type == "info":
            if self.changes is None and self.details is None:
                raise ValueError("信息变更须填写变更项目")
        elif self.month is None:
            raise ValueError("暂停、终止或恢复参保须填写年月")
        if (self.change_type == "terminate") != (self.reason is not None):
            raise ValueError("终止参保须且只有终止参保须填写终止原因")
        if (self.reason is TerminationReason.death) != (self.died_on is not None):
            raise ValueError("终止参保（死亡）须填写死亡时间；其他情形不填")
        return self

    @property
    def situations(self) -> set[str | None]:
        """The situations of 徐州 2.17 (and 关键信息 elsewhere) this change is in."""
        if self.change_type == "suspend":
            return {"suspension"}
        if self.change_type == "terminate":
            return {"termination"}
        if self.change_type == "resume":
            return set()
        fields = set(self.changes.model_dump(exclude_none=True)) if self.changes else set()
        return {
            "key_info_change" if fields & {"certno", "cert_type", "sex", "birth_month", "name"} else None,
            "name_change" if "name" in fields else None,
            "basic_info_change" if (fields & {"mobile"}) or self.details is not None else None,
        }


class ResidentChangeApplication(Submission):
    form: ResidentChangeForm
