"""The forms of 职工参保登记's other moves: 样表3 减少, 恢复, 样表4 在职转退休, 样表8 信息变更, 缴费基数调整,
样表11 死亡异动 and 样表12 管理责任单位变更. A unit files for its employees; a 灵活就业人员 for themself."""

import re
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medins.ids import USCC
from medins.money import Money
from registration.applications.schemas import Submission
from registration.persons import certs
from registration.persons.domain import PersonnelType, TerminationReason

YEAR_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


def year_month(value: str | None) -> str | None:
    if value is not None and not YEAR_MONTH.match(value):
        raise ValueError("年月应为 YYYY-MM")
    return value


def first_day(month: str) -> date:
    return date.fromisoformat(month + "-01")


class PersonRef(BaseModel):
    """姓名、身份证件类型、身份证号码 of one row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名")
    cert_type: certs.CertType = Field(certs.CertType.resident_id, description="身份证件类型 (psn_cert_type)")
    certno: str = Field(min_length=5, max_length=30, description="身份证件号码")

    @model_validator(mode="after")
    def _certno(self) -> "PersonRef":
        self.certno = certs.validate_document(self.cert_type, self.certno)
        return self


class UnitOrFlexible(BaseModel):
    """The header of 样表2/3/4/11: 单位名称 and 单位编码, or the 灵活就业人员 tick (who then files for themself)."""

    model_config = ConfigDict(extra="forbid")

    unit_uscc: USCC | None = Field(None, description="单位统一社会信用代码（灵活就业人员不填）")
    flexible_worker: bool = Field(False, description="灵活就业人员")

    @model_validator(mode="after")
    def _unit_or_flexible(self) -> "UnitOrFlexible":
        rows: list[PersonRef] = getattr(self, "rows", [])
        if self.flexible_worker and (self.unit_uscc is not None or len(rows) != 1):
            raise ValueError("灵活就业人员本人申请：不填单位，且只填本人一行")
        if not self.flexible_worker and self.unit_uscc is None:
            raise ValueError("单位申报须填写单位统一社会信用代码")
        certnos = [r.certno for r in rows]
        if len(set(certnos)) != len(certnos):
            raise ValueError("同一表中身份证件号码重复")
        return self


class ReductionRow(PersonRef):
    """样表3 （减少登记）: 人员类型, 异动类型 (暂停缴费 / 终止参保), 停保时间; death time in 备注 for a death."""

    personnel_type: PersonnelType = Field(
        PersonnelType.in_service, description="人员类型: in_service 在职 / retired 退休"
    )
    change_type: Literal["suspend", "terminate"] = Field(description="异动类型: suspend 暂停缴费 / terminate 终止参保")
    stop_month: str = Field(description="停保时间 YYYY-MM")
    reason: TerminationReason | None = Field(
        None, description="终止原因: death 死亡 / emigration 出国（境）定居 / transfer_out 转出统筹区 / other 其他"
    )
    died_on: date | None = Field(None, description="死亡时间（终止参保（死亡）必填）")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$", description="手机号码")
    remarks: str | None = Field(None, max_length=200, description="备注")

    _month = field_validator("stop_month")(year_month)

    @model_validator(mode="after")
    def _reason(self) -> "ReductionRow":
        if self.change_type == "terminate" and self.reason is None:
            raise ValueError("终止参保须填写终止原因")
        if self.change_type == "suspend" and self.reason is not None:
            raise ValueError("暂停缴费不填终止原因")
        if (self.reason is TerminationReason.death) != (self.died_on is not None):
            raise ValueError("终止参保（死亡）须填写死亡时间；其他情形不填死亡时间")
        return self


class ReductionForm(UnitOrFlexible):
    """《职工基本医疗保险参保登记表》（减少登记, 样表3）."""

    rows: list[ReductionRow] = Field(min_length=1, max_length=500)


class ResumptionRow(PersonRef):
    resume_month: str = Field(description="恢复参保时间 YYYY-MM")
    declared_monthly_wage: Money | None = Field(None, description="申报月工资（元）（不填则沿用原缴费基数）")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    remarks: str | None = Field(None, max_length=200)

    _month = field_validator("resume_month")(year_month)


class ResumptionForm(UnitOrFlexible):
    """恢复 (《职工基本医疗保险参保登记表》 含增加、中断、终止、恢复): a suspended person in force again."""

    rows: list[ResumptionRow] = Field(min_length=1, max_length=500)


class RetirementType(StrEnum):
    normal = "normal"  # 正常退休
    early = "early"  # 提前退休


class PersonnelIdentity(StrEnum):
    cadre = "cadre"  # 干部
    worker = "worker"  # 工人


class RetirementRow(PersonRef):
    """样表4 （在职转退休）."""

    sex: Literal["1", "2"] | None = Field(None, description="性别: 1 男 / 2 女")
    retirement_type: RetirementType = Field(description="退休类型: normal 正常退休 / early 提前退休")
    archive_birth_month: str | None = Field(None, description="档案首次记载出生年月 YYYY-MM")
    work_start_month: str | None = Field(None, description="参加工作时间 YYYY-MM")
    personnel_identity: PersonnelIdentity | None = Field(None, description="人员身份: cadre 干部 / worker 工人")
    deemed_months: int = Field(ge=0, le=900, description="视同缴费年限（月数）")
    actual_months: int = Field(ge=0, le=900, description="实际缴费年限（月数）")
    cumulative_months: int | None = Field(None, ge=0, le=1800, description="累计缴费年限（月数）（不填则为两者之和）")
    benefits_from_month: str = Field(description="退休待遇享受时间 YYYY-MM")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    remarks: str | None = Field(None, max_length=200)

    _months = field_validator("archive_birth_month", "work_start_month", "benefits_from_month")(year_month)


class RetirementForm(UnitOrFlexible):
    """《职工基本医疗保险参保登记表》（在职转退休, 样表4）."""

    rows: list[RetirementRow] = Field(min_length=1, max_length=500)


class PersonChanges(BaseModel):
    """变更项目 → 变更后 (样表8 / 样表9); 变更前 is read from the register."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=100, description="姓名（关键信息）")
    cert_type: certs.CertType | None = Field(None, description="身份证件类型（关键信息）")
    certno: str | None = Field(None, min_length=5, max_length=30, description="身份证件号码（关键信息）")
    sex: Literal["1", "2"] | None = Field(None, description="性别（关键信息）")
    birth_month: str | None = Field(None, description="出生年月 YYYY-MM（关键信息）")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$", description="手机号码")

    _month = field_validator("birth_month")(year_month)

    @model_validator(mode="after")
    def _valid(self) -> "PersonChanges":
        if all(value is None for value in self.__dict__.values()):
            raise ValueError("至少填写一项变更项目")
        if self.certno is not None:
            self.certno = certs.validate_document(self.cert_type or certs.CertType.resident_id, self.certno)
        elif self.cert_type is not None:
            raise ValueError("变更身份证件类型须同时填写新的身份证件号码")
        return self

    @property
    def key_information(self) -> bool:
        """关键信息: 姓名、性别、身份证号、出生日期 (样表8 □关键信息)."""
        return any(getattr(self, f) is not None for f in ("name", "cert_type", "certno", "sex", "birth_month"))


class ChangeRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: str = Field(min_length=5, max_length=30, description="现身份证件号码")
    changes: PersonChanges
    remarks: str | None = Field(None, max_length=200)


class EmployeeChangeForm(UnitOrFlexible):
    """《基本医疗保险职工参保信息变更登记表》（样表8）."""

    rows: list[ChangeRow] = Field(min_length=1, max_length=100)

    @property
    def key_information(self) -> bool:
        return any(r.changes.key_information for r in self.rows)


class BaseAdjustmentRow(PersonRef):
    contribution_base: Money = Field(description="调整后缴费基数（元/月）")
    effective_month: str = Field(description="调整起始年月 YYYY-MM")

    _month = field_validator("effective_month")(year_month)

    @field_validator("contribution_base")
    @classmethod
    def _positive(cls, value: object) -> object:
        if not value or value <= 0:  # type: ignore[operator]
            raise ValueError("缴费基数应大于0")
        return value


class BaseAdjustmentForm(BaseModel):
    """单位参保人员缴费基数调整 (徐州 2.6): the unit's roster of new bases."""

    model_config = ConfigDict(extra="forbid")

    unit_uscc: USCC = Field(description="单位统一社会信用代码")
    difference_refund: bool = Field(False, description="差额补退")
    rows: list[BaseAdjustmentRow] = Field(min_length=1, max_length=5000)


class RetireeDeathRow(PersonRef):
    """样表11 （死亡异动）."""

    died_on: date = Field(description="死亡时间")
    stop_month: str = Field(description="停保时间 YYYY-MM")
    overpaid_account_amount: Money | None = Field(None, description="扣回多划个人账户金额（元）")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    remarks: str | None = Field(None, max_length=200)

    _month = field_validator("stop_month")(year_month)


class RetireeDeathForm(UnitOrFlexible):
    """《退休人员基本医疗保险参保管理登记表》（死亡异动, 样表11）."""

    rows: list[RetireeDeathRow] = Field(min_length=1, max_length=100)


class UnitChangeReason(StrEnum):
    unit_cancelled = "unit_cancelled"  # 原单位注销
    merged = "merged"  # 合并
    other = "other"  # 其他原因


class RetireeUnitRow(PersonRef):
    """样表12: 变动原因 and the 当前医保管理责任单位 (read from the register)."""

    reason: UnitChangeReason = Field(description="变动原因: unit_cancelled 原单位注销 / merged 合并 / other 其他")
    reason_text: str | None = Field(None, max_length=200, description="其他原因说明")
    remarks: str | None = Field(None, max_length=200)


class RetireeUnitForm(BaseModel):
    """《退休人员基本医疗保险参保管理登记表》（管理责任单位变更, 样表12）: filed by the receiving unit."""

    model_config = ConfigDict(extra="forbid")

    unit_uscc: USCC = Field(description="申请转入的单位统一社会信用代码")
    rows: list[RetireeUnitRow] = Field(min_length=1, max_length=500)


class ReductionApplication(Submission):
    form: ReductionForm


class ResumptionApplication(Submission):
    form: ResumptionForm


class RetirementApplication(Submission):
    form: RetirementForm


class EmployeeChangeApplication(Submission):
    form: EmployeeChangeForm


class BaseAdjustmentApplication(Submission):
    form: BaseAdjustmentForm


class RetireeDeathApplication(Submission):
    form: RetireeDeathForm


class RetireeUnitApplication(Submission):
    form: RetireeUnitForm
