"""The documents agencies exchange in a transfer, as signed JSON: 联系函, 信息表, 参保凭证, the remittance.

Each model is what one region signs and the other verifies (``medins.partners.sign_document``): every
field of its form (样表14–16) plus the references that tie the documents of one transfer together
(the 联系函 number on the 信息表 and on the remittance). Amounts are ``Decimal`` with two places.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from medins.ids import CertNo
from medins.money import Money
from transfer.agencies import Agency
from transfer.transfers.capitals import yuan_in_capitals
from transfer.transfers.domain import RejectionReason

Region = Annotated[str, Field(pattern=r"^\d{6}$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="年月 YYYY-MM")]


class HouseholdType(StrEnum):
    """户籍类型 (样表14, 样表15)."""

    resident = "resident"  # 居民
    agricultural = "agricultural"  # 农业
    non_agricultural = "non_agricultural"  # 非农业
    hk_macao_taiwan = "hk_macao_taiwan"  # 台港澳
    foreign = "foreign"  # 外籍


HOUSEHOLD_ZH = {
    HouseholdType.resident: "居民",
    HouseholdType.agricultural: "农业",
    HouseholdType.non_agricultural: "非农业",
    HouseholdType.hk_macao_taiwan: "台港澳",
    HouseholdType.foreign: "外籍",
}

#: 基本医疗保险类型: the national insutype codes, and 其他 for what the forms call 其他（请说明）
INSUTYPE_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "other": "其他"}
SEX_ZH = {"1": "男", "2": "女"}
Insutype = Literal["310", "390", "other"]
Sex = Literal["1", "2"]


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TransferLetter(_Document):
    """联系函 (样表15): the letter the transfer-in agency sends to the transfer-out agency."""

    kind: Literal["letter"] = "letter"
    letter_no: str = Field(pattern=r"^\d{17,}$", description="编号：区划 + 年份 + 7 位顺序号")
    issued_on: date
    destination_region: Region = Field(description="转入地医保区划（出具方）")
    origin_region: Region = Field(description="转出地医保区划（收函方）")
    origin_agency_name: str = Field(description="转出地医疗保障经办机构名称")
    name: str = Field(min_length=1, max_length=50)
    sex: Sex
    age: int = Field(ge=0, le=150)
    phone: str | None = Field(None, max_length=30)
    certno: CertNo
    household_type: HouseholdType
    transfer_account: bool = Field(description="是否需要转移个人账户")
    current_insutype: Insutype = Field(description="现参加的基本医疗保险类型")
    current_insutype_note: str | None = Field(None, max_length=100, description="其他（请说明）")
    destination_agency: Agency = Field(description="转入地医疗保障经办机构信息（含开户银行与账号）")
    handler: str = Field(description="经办人")
    accepted_on: date = Field(description="转入地受理日期（总时限起算日）")
    certificate_no: str | None = Field(None, description="《参保凭证》凭证号")
    case_no: str = Field(description="转入地办件编号")
    application_no: str | None = Field(None, description="在转出地申请、转来办理时，转出地的办件编号")


class InsuredPeriodRow(_Document):
    """One row of 样表16: a period insured in one pooling region under one insurance type."""

    start_month: Month = Field(description="自 年 月")
    end_month: Month = Field(description="至 年 月")
    insutype: Insutype = Field(description="基本医疗保险类型")
    months: int = Field(ge=0, description="参保缴费月数小计")
    agency_name: str = Field(description="统筹地区经办机构名称")
    admdvs: Region = Field(description="统筹地区经办机构行政区划代码")
    remark: str | None = Field(None, max_length=200, description="备注")


class InsuranceInfoTable(_Document):
    """信息表 (样表16): what the transfer-out agency sends back: the periods and the money moved."""

    kind: Literal["info_table"] = "info_table"
    letter_no: str = Field(description="所复《联系函》编号")
    issued_on: date
    origin_region: Region = Field(description="转出地医保区划（出具方）")
    destination_region: Region
    name: str
    certno: CertNo
    sex: Sex
    periods: list[InsuredPeriodRow]
    transferred_amount: Money = Field(description="基本医疗保险个人账户实际转出资金（小写）")
    remittance_no: str | None = Field(None, description="资金划转流水号（无余额划转时为空）")
    handler: str = Field(description="经办人")
    phone: str = Field(description="联系电话")
    agency_name: str = Field(description="医疗保障经办机构（章）")

    @property
    def amount_in_capitals(self) -> str:
        return yuan_in_capitals(self.transferred_amount)

    @property
    def total_months(self) -> int:
        return sum(p.months for p in self.periods)


class FundRemittance(_Document):
    """个人账户余额划转: the money the transfer-out agency sends, matched to the table (基金匹配)."""

    kind: Literal["remittance"] = "remittance"
    remittance_no: str = Field(pattern=r"^\d{17,}$")
    letter_no: str
    certno: CertNo
    name: str
    amount: Money
    remitted_on: date
    origin_region: Region
    destination_region: Region
    payer_account_name: str
    payer_bank_name: str
    payer_account_no: str
    payee_account_name: str
    payee_bank_name: str
    payee_account_no: str


class InsuranceCertificate(_Document):
    """参保凭证 (样表14): the record of insurance a stopped person takes to the new region."""

    kind: Literal["certificate"] = "certificate"
    certificate_no: str = Field(pattern=r"^\d{14,}$", description="凭证号：区划 + 年份 + 4 位顺序号")
    issued_on: date = Field(description="生成日期")
    name: str
    certno: CertNo
    household_place: str | None = Field(None, max_length=100, description="户籍所在地")
    household_type: HouseholdType | None = None
    insutype: Insutype = Field(description="基本医疗保险类型")
    origin_region: Region = Field(description="转出地")
    origin_name: str
    period_start: Month = Field(description="参保时间 起")
    period_end: Month = Field(description="参保时间 止")
    cumulative_months: int = Field(ge=0, description="其中累计实际缴费月数")
    balance: Money = Field(description="个人账户余额（小写）")
    agency: Agency = Field(description="转出地医疗保险经办机构信息")

    @property
    def balance_in_capitals(self) -> str:
        return yuan_in_capitals(self.balance)


class TransferApplication(_Document):
    """An application made at the transfer-out agency, forwarded so the transfer-in agency issues the letter."""

    kind: Literal["application"] = "application"
    application_no: str = Field(description="转出地办件编号")
    applied_on: date
    origin_region: Region
    destination_region: Region
    name: str
    certno: CertNo
    sex: Sex
    phone: str | None = None
    household_type: HouseholdType
    current_insutype: Insutype
    transfer_account: bool = True
    certificate: InsuranceCertificate | None = None


class TransferRejection(_Document):
    """不予办理: the reason a transfer cannot go on, sent back to the region that asked.

    ``subject`` ``info_table``: the 转入地 will not continue the person after the 转出地 debited the account; the
    《信息表》 and the funds go back (``returned_amount``, ``remittance_no``), and the 转出地 credits them back."""

    kind: Literal["rejection"] = "rejection"
    subject: Literal["letter", "application", "info_table"]
    number: str = Field(description="被拒绝的《联系函》编号（信息表退回时为其所复联系函编号）或申请的办件编号")
    from_region: Region
    to_region: Region
    certno: CertNo
    name: str
    reason: RejectionReason
    detail: str
    rejected_on: date
    returned_amount: Money | None = Field(None, description="退回的个人账户资金（信息表退回时）")
    remittance_no: str | None = Field(None, description="所退回的资金划转流水号")


PartnerDocument = TransferLetter | InsuranceInfoTable | FundRemittance | TransferApplication | TransferRejection
KINDS: dict[str, type[_Document]] = {
    "letter": TransferLetter,
    "info_table": InsuranceInfoTable,
    "remittance": FundRemittance,
    "application": TransferApplication,
    "rejection": TransferRejection,
}


def number_of(document: _Document) -> str:
    """What makes a document unique among those of its kind from one region (idempotency key)."""
    match document:
        case TransferLetter() | InsuranceInfoTable():
            return document.letter_no
        case FundRemittance():
            return document.remittance_no
        case TransferApplication():
            return document.application_no
        case TransferRejection():
            return f"{document.subject}:{document.number}"
    raise TypeError(type(document).__name__)


def addressee_of(document: _Document) -> str:
    """The region a document is addressed to."""
    match document:
        case TransferLetter():
            return document.origin_region
        case InsuranceInfoTable() | FundRemittance() | TransferApplication():
            return document.destination_region
        case TransferRejection():
            return document.to_region
    raise TypeError(type(document).__name__)


def issuer_of(document: _Document) -> str:
    match document:
        case TransferLetter():
            return document.destination_region
        case InsuranceInfoTable() | FundRemittance() | TransferApplication():
            return document.origin_region
        case TransferRejection():
            return document.from_region
    raise TypeError(type(document).__name__)


def age_on(certno: str, day: date) -> int:
    """年龄 from the birth date in the 身份证号."""
    born = date(int(certno[6:10]), int(certno[10:12]), int(certno[12:14]))
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def sex_of(certno: str) -> Sex:
    """性别 from the 身份证号's 17th digit (odd 男, even 女)."""
    return "1" if int(certno[16]) % 2 else "2"


def total(amounts: list[Decimal]) -> Decimal:
    return sum(amounts, Decimal("0.00"))
