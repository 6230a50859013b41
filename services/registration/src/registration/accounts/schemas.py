"""Requests and responses of the personal account routes."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medins.ids import CertNo
from medins.money import Money
from registration.accounts.domain import EntryReason, Relationship, WithdrawalReason
from registration.applications.schemas import Submission

_PHONE = r"^[0-9\-+ ]{7,20}$"


class AccountOut(BaseModel):
    psn_no: str = Field(description="人员编号")
    name: str
    certno_masked: str = Field(description="身份证号（脱敏）")
    balance: Money = Field(description="个人账户余额（元）")
    version: int = Field(description="账户版本（= 最近一笔流水的序号）")
    opened_at: datetime
    updated_at: datetime


class EntryOut(BaseModel):
    entry_no: int = Field(description="流水序号")
    direction: str = Field(description="credit 划入 | debit 支出")
    amount: Money
    reason: str
    reason_label: str
    reference: str = Field(description="业务流水号（办件编号、批次号、转移编号等）")
    note: str | None
    balance_after: Money = Field(description="本笔后余额")
    created_at: datetime


class LedgerOut(BaseModel):
    account: AccountOut
    entries: list[EntryOut]


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: CertNo = Field(description="身份证号")
    amount: Money = Field(description="划入金额（元）")
    reason: EntryReason = Field(
        EntryReason.contribution_allocation,
        description="contribution_allocation 按月划入 | transfer_in 转移接续转入 | adjustment_credit 更正调增",
    )
    reference: str = Field(min_length=1, max_length=100, description="业务流水号：同一账户同一流水号只划入一次")
    note: str | None = Field(None, max_length=500)


class CreditBatchIn(BaseModel):
    """批量划入, e.g. one month's allocations from contributions."""

    model_config = ConfigDict(extra="forbid")

    lines: list[CreditLineIn] = Field(min_length=1, max_length=1000)


class PostingOut(BaseModel):
    certno: str
    psn_no: str
    entry_no: int
    direction: str
    amount: Money
    reference: str
    balance_after: Money
    duplicate: bool = Field(description="该流水号此前已入账，本次未重复变动")


class CreditBatchOut(BaseModel):
    posted: int = Field(description="本次入账笔数")
    duplicates: int = Field(description="此前已入账、本次未重复变动的笔数")
    total_posted: Money = Field(description="本次实际划入总额（元）")
    postings: list[PostingOut]


class DebitIn(BaseModel):
    """A debit staff post directly: 扣回多划 or a correction (a withdrawal goes through its case)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: Money
    reason: EntryReason = Field(description="clawback 扣回多划个人账户金额 | adjustment_debit 更正调减")
    reference: str = Field(min_length=1, max_length=100)
    note: str | None = Field(None, max_length=500)


class BankAccount(BaseModel):
    """The payee's bank account (收款银行账户)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bank_name: str = Field(min_length=2, max_length=100, description="开户银行")
    account_name: str = Field(min_length=1, max_length=100, description="户名")
    account_no: str = Field(pattern=r"^[0-9]{8,32}$", description="账号")


class Heir(BaseModel):
    """继承人（代表人）: acts for all heirs; the money goes to their own account (样表13)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名")
    relationship: str = Field(min_length=1, max_length=20, description="与参保人关系（如 配偶、子女）")
    certno: CertNo = Field(description="身份证件号码")
    phone: str = Field(pattern=_PHONE, description="联系电话")
    address: str | None = Field(None, max_length=200, description="常住地址")
    employer: str | None = Field(None, max_length=200, description="工作单位")


class Agent(BaseModel):
    """被委托人 (代办人), optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    certno: CertNo
    phone: str = Field(pattern=_PHONE)


class WithdrawalForm(BaseModel):
    """《职工基本医疗保险个人账户一次性支取申请表》 (郴州 样表13)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: CertNo = Field(description="参保人身份证件号码")
    name: str = Field(min_length=1, max_length=100, description="参保人姓名")
    reason: WithdrawalReason = Field(description="支取原因")
    reason_note: str | None = Field(None, max_length=500, description="支取原因为「其他」时的具体原因")
    employer_name: str | None = Field(None, max_length=200, description="工作单位")
    death_date: date | None = Field(None, description="死亡日期（因死亡支取时）")
    heir: Heir | None = Field(None, description="继承人（代表人），因死亡支取时必填")
    agent: Agent | None = Field(None, description="被委托人（代办人）")
    bank: BankAccount = Field(description="收款银行账户：参保人本人的，因死亡支取时为继承人（代表人）的")
    amount: Money | None = Field(None, description="支取金额；不填即支取全部余额")
    phone: str | None = Field(None, pattern=_PHONE, description="联系电话")

    @model_validator(mode="after")
    def _death_date(self) -> "WithdrawalForm":
        if self.reason is WithdrawalReason.death and self.death_date is None:
            raise ValueError("因死亡支取须填写死亡日期")
        return self


class WithdrawalApplication(Submission):
    form: WithdrawalForm


class MutualAidBindingForm(BaseModel):
    """家庭共济账户绑定 (B.13: 授权人, 使用人, 亲属关系)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    authoriser_certno: CertNo = Field(description="授权人（主账户人）身份证号")
    authoriser_name: str = Field(min_length=1, max_length=100, description="授权人姓名")
    user_certno: CertNo = Field(description="使用人（家庭成员）身份证号")
    user_name: str = Field(min_length=1, max_length=100, description="使用人姓名")
    relationship: Relationship = Field(description="使用人是授权人的：spouse 配偶 | parent 父母 | child 子女")
    phone: str | None = Field(None, pattern=_PHONE, description="联系电话")


class MutualAidUnbindingForm(BaseModel):
    """家庭共济账户解绑."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    authoriser_certno: CertNo = Field(description="授权人（主账户人）身份证号")
    authoriser_name: str = Field(min_length=1, max_length=100, description="授权人姓名")
    user_certno: CertNo = Field(description="使用人（家庭成员）身份证号")
    phone: str | None = Field(None, pattern=_PHONE, description="联系电话")


class MutualAidBindingApplication(Submission):
    form: MutualAidBindingForm


class MutualAidUnbindingApplication(Submission):
    form: MutualAidUnbindingForm


class BindingOut(BaseModel):
    authoriser_name: str
    authoriser_certno_masked: str
    user_name: str
    user_certno_masked: str
    relationship: str
    relationship_label: str = Field(description="亲属关系")
    start_on: date = Field(description="授权开始时间")
    end_on: date | None = Field(description="授权结束时间（解绑日）")
    active: bool
