import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer

from medins.cases.schemas import CaseOut
from medins.ids import CertNo, mask_certno
from transfer.transfers.documents import HouseholdType, Insutype, Sex
from transfer.transfers.domain import TransferDirection, TransferStatus

Region = Annotated[str, Field(pattern=r"^\d{6}$", description="医保区划代码")]
Channel = Literal["window", "online", "mobile"]


class PersonIn(BaseModel):
    """参保人员: what the forms need about the person; 性别 comes from the 身份证号 when not given."""

    model_config = ConfigDict(extra="forbid")

    certno: CertNo = Field(description="身份证件号码")
    name: str | None = Field(None, min_length=1, max_length=50, description="姓名（参保人本人申请时可不填）")
    sex: Sex | None = Field(None, description="1 男 / 2 女")
    phone: str | None = Field(None, max_length=30, description="联系电话")
    household_type: HouseholdType = Field(
        description="户籍类型: resident 居民 / agricultural 农业 / non_agricultural 非农业 / "
        "hk_macao_taiwan 台港澳 / foreign 外籍"
    )
    household_place: str | None = Field(None, max_length=100, description="户籍所在地")
    current_insutype: Insutype = Field("310", description="现参加的基本医疗保险类型 310 职工 / 390 城乡居民 / other")
    current_insutype_note: str | None = Field(None, max_length=100, description="其他（请说明）")
    channel: Channel = Field("window", description="window 窗口 / online 网上 / mobile 掌上")
    materials: list[str] = Field(default_factory=list, description="已提交材料（id_document、insurance_certificate …）")


class InboundApplicationIn(PersonIn):
    """转移接续手续办理 at the 转入地 (样表15 fields of the person)."""

    origin_region: Region = Field(description="转出地医保区划")
    certificate_no: str | None = Field(None, pattern=r"^\d{14,}$", description="《参保凭证》凭证号")
    transfer_account: bool = Field(True, description="是否需要转移个人账户")


class OutboundApplicationIn(PersonIn):
    """医保关系转出 applied for at the 转出地: forwarded to the 转入地."""

    destination_region: Region = Field(description="转入地医保区划")


class CertificateApplicationIn(BaseModel):
    """出具《参保凭证》."""

    model_config = ConfigDict(extra="forbid")

    certno: CertNo
    household_place: str | None = Field(None, max_length=100, description="户籍所在地")
    household_type: HouseholdType | None = None
    channel: Channel = "window"
    materials: list[str] = Field(default_factory=list)


class TransferOut(BaseModel):
    """A transfer as staff see it in a list: the 身份证号 is masked."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    direction: TransferDirection = Field(description="inbound 转入 / outbound 转出")
    certno: str = Field(description="参保人员身份证号（脱敏）")
    name: str
    origin_region: str = Field(description="转出地医保区划")
    destination_region: str = Field(description="转入地医保区划")
    status: TransferStatus
    status_zh: str = ""
    case_no: str | None
    letter_no: str | None = Field(description="《联系函》编号")
    certificate_no: str | None
    amount: Decimal | None = Field(description="个人账户实际转出（转入）资金")
    rejection_code: str | None
    rejection_detail: str | None
    returned_amount: Decimal | None = Field(None, description="返还：转入地不予接续时退回（转出地返还个人账户）的资金")
    returned_at: datetime | None = Field(None, description="退回（转入地）或返还完成（转出地）的时间")
    created_at: datetime

    @field_serializer("certno")
    def _masked(self, certno: str) -> str:
        return mask_certno(certno)

    @field_serializer("amount", "returned_amount")
    def _money(self, amount: Decimal | None) -> str | None:
        return None if amount is None else f"{amount:.2f}"


class ClockOut(BaseModel):
    clock: str = Field(description="letter 联系函 / info_table 信息表 / completion 办结 / overall 总时限")
    started_on: date | None
    deadline: date
    completed_on: date | None
    exceeded: bool


class PartnerMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner: str
    kind: str
    number: str
    attempts: int
    delivered_at: datetime | None
    refused_at: datetime | None
    last_error: str | None


class TransferDetail(TransferOut):
    letter: dict[str, Any] | None = None
    info_table: dict[str, Any] | None = None
    remittance: dict[str, Any] | None = None
    mismatch: list[str] | None = None
    partner_problem: dict[str, Any] | None = None
    clocks: list[ClockOut] = Field(default_factory=list)
    overdue: bool = False
    messages: list[PartnerMessageOut] = Field(default_factory=list)


class SendBackIn(BaseModel):
    """不予接续 by staff at the 转入地: the 信息表 and the funds go back to the 转出地."""

    model_config = ConfigDict(extra="forbid")

    reason: Literal["fund_mismatch", "not_enrolled_at_destination", "no_employee_enrolment", "other"] = Field(
        description="fund_mismatch 基金匹配不符 / not_enrolled_at_destination 未在转入地参保 / "
        "no_employee_enrolment 未参加职工医保 / other 其他"
    )
    detail: str = Field(min_length=2, max_length=500, description="不予接续的具体原因（告知申请人和转出地）")


class TakeBackIn(BaseModel):
    """收回 by staff at the 转出地 after the 转入地 refused the 《信息表》 itself (it never arrived there)."""

    model_config = ConfigDict(extra="forbid")

    detail: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)] = Field(
        description="收回的说明（如：已与转入地核实，该《联系函》已作废），告知申请人"
    )


class ApplicationOut(BaseModel):
    transfer: TransferOut | None
    case: CaseOut


class CertificateOut(BaseModel):
    case: CaseOut
    certificate: dict[str, Any] | None


class OverdueOut(TransferOut):
    clocks: list[ClockOut]
    exceeded: list[str] = Field(description="超时的时钟（环节或总时限）")
