"""Integration events the registration service publishes (versioned, additive changes keep vN)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from medins.bus.envelope import IntegrationEvent
from medins.money import Money


class UnitRegistered(IntegrationEvent):
    """单位参保登记 completed: a new employer (参保单位) is registered."""

    event_type = "registration.unit.registered.v1"

    unit_id: uuid.UUID
    unit_code: str
    uscc: str
    name: str
    region: str
    insured_products: list[str]
    registered_at: datetime


class PersonEnrolled(IntegrationEvent):
    """参保登记 completed: a person is enrolled in a scheme (insutype 310 / 390 / 510) from a date."""

    event_type = "registration.person.enrolled.v1"

    person_id: uuid.UUID
    psn_no: str
    certno: str
    name: str
    insutype: str
    employer_uscc: str | None
    flexible_worker: bool
    start_on: date
    region: str


PUBLISHED = [UnitRegistered, PersonEnrolled]


# -- 个人账户 (personal account) ----------------------------------------------------------------------


class AccountCredited(IntegrationEvent):
    """个人账户划入: money credited to a personal account (monthly allocation, transfer-in, correction)."""

    event_type = "registration.account.credited.v1"

    account_id: uuid.UUID
    psn_no: str
    certno: str
    amount: Money
    balance_after: Money
    reason: str
    reference: str
    entry_no: int
    occurred_at: datetime
    region: str


class AccountDebited(IntegrationEvent):
    """个人账户支出: money debited from a personal account (一次性支取, transfer-out, clawback, correction)."""

    event_type = "registration.account.debited.v1"

    account_id: uuid.UUID
    psn_no: str
    certno: str
    amount: Money
    balance_after: Money
    reason: str
    reference: str
    entry_no: int
    occurred_at: datetime
    region: str


PUBLISHED += [AccountCredited, AccountDebited]


# -- 单位、职工、居民的参保异动 (lifecycle of units, employees and residents) ------------------------------


class UnitChanged(IntegrationEvent):
    """单位参保信息变更登记 completed: the fields that changed, each with its value before and after."""

    event_type = "registration.unit.changed.v1"

    unit_id: uuid.UUID
    unit_code: str
    uscc: str
    former_uscc: str | None
    name: str
    changes: dict[str, dict[str, object]]
    effective_on: date
    region: str


class UnitSuspended(IntegrationEvent):
    """单位暂停参保: the unit stops contributing; its in-service employees are suspended with it."""

    event_type = "registration.unit.suspended.v1"

    unit_id: uuid.UUID
    uscc: str
    name: str
    effective_on: date
    reason: str | None
    region: str


class UnitResumed(IntegrationEvent):
    """单位保险暂停后恢复: the unit contributes again; the employees its suspension stopped are resumed."""

    event_type = "registration.unit.resumed.v1"

    unit_id: uuid.UUID
    uscc: str
    name: str
    effective_on: date
    region: str


class UnitCancelled(IntegrationEvent):
    """单位注销登记 (or a unit dissolved by 合并 / 拆分): it can no longer enrol anyone."""

    event_type = "registration.unit.cancelled.v1"

    unit_id: uuid.UUID
    uscc: str
    name: str
    reason: str  # cancelled 注销 / merged 合并 / split 拆分
    successor_usccs: list[str]
    effective_on: date
    region: str


class UnitRestructured(IntegrationEvent):
    """拆分 / 合并 / 分立: predecessor and successor units, and the persons moved between them."""

    event_type = "registration.unit.restructured.v1"

    kind: str  # split / merge / division
    predecessor_usccs: list[str]
    successor_usccs: list[str]
    moved_persons: int
    effective_on: date
    region: str


class _PersonEvent(IntegrationEvent):
    person_id: uuid.UUID
    psn_no: str
    certno: str
    name: str
    insutype: str
    employer_uscc: str | None
    effective_on: date
    region: str


class PersonSuspended(_PersonEvent):
    """暂停参保（暂停缴费, 中断）: the enrolment is interrupted from ``effective_on``."""

    event_type = "registration.person.suspended.v1"

    cause: str  # reported 单位或本人申报 / unit_suspended 单位暂停参保


class PersonTerminated(_PersonEvent):
    """终止参保: the enrolment ends from ``effective_on`` (death, emigration, transfer out, other)."""

    event_type = "registration.person.terminated.v1"

    reason: str


class PersonResumed(_PersonEvent):
    """恢复参保: a suspended enrolment is in force again from ``effective_on`` (at ``employer_uscc``)."""

    event_type = "registration.person.resumed.v1"


class PersonRetired(_PersonEvent):
    """在职转退休: retirement benefits from ``effective_on``, with the contribution months of 样表4."""

    event_type = "registration.person.retired.v1"

    retirement_type: str
    deemed_months: int
    actual_months: int
    cumulative_months: int


class PersonDeceased(IntegrationEvent):
    """死亡异动 / 终止参保（死亡）: the person died; every enrolment of theirs is terminated."""

    event_type = "registration.person.deceased.v1"

    person_id: uuid.UUID
    psn_no: str
    certno: str
    name: str
    died_on: date
    #: 扣回多划个人账户金额 on 样表11: account credits made after death, to recover
    overpaid_account_amount: str | None
    region: str


class PersonChanged(IntegrationEvent):
    """参保信息变更登记 (职工 or 城乡居民): the person's fields that changed, before and after."""

    event_type = "registration.person.changed.v1"

    person_id: uuid.UUID
    psn_no: str
    certno: str
    former_certno: str | None
    name: str
    changes: dict[str, dict[str, object]]
    key_information: bool
    region: str


class PersonEmployerChanged(_PersonEvent):
    """参保管理责任单位变更 (retirees) or a move to a successor unit (合并、拆分、分立)."""

    event_type = "registration.person.employer_changed.v1"

    former_employer_uscc: str | None
    reason: str


class ContributionBaseAdjusted(_PersonEvent):
    """缴费基数调整: the person's monthly contribution base from ``effective_on``."""

    event_type = "registration.person.contribution_base_adjusted.v1"

    contribution_base: str
    former_contribution_base: str | None


class GapBackpaid(_PersonEvent):
    """法定断档补缴 approved: the months count as insured and contributed months, retroactively."""

    event_type = "registration.person.gap_backpaid.v1"

    months: list[str]
    monthly_wage: str
    scenario: str


class ArrearsEmployee(BaseModel):
    """An employee a unit's 欠费补缴 paid for, and which of the period's months were theirs."""

    model_config = ConfigDict(frozen=True)

    psn_no: str
    certno: str
    months: list[str]


class ArrearsBackpaid(IntegrationEvent):
    """欠款补缴 paid: a unit's or a person's arrears for ``months``; benefits from ``benefits_from``.

    A unit's (kind unit) names in ``employees`` whom it paid for and which months: those of the period when each
    was enrolled, in service and at the unit, with no contribution recorded. Added in v1: older events have none."""

    event_type = "registration.arrears.backpaid.v1"

    kind: str  # unit / employee
    employer_uscc: str | None
    person_id: uuid.UUID | None
    psn_no: str | None
    certno: str | None = None  # the employee's 身份证号 (kind employee); added in v1, absent from older events
    months: list[str]
    amount: str
    benefits_from: date
    region: str
    employees: list[ArrearsEmployee] = Field(default_factory=list)  # kind unit


PUBLISHED += [
    UnitChanged,
    UnitSuspended,
    UnitResumed,
    UnitCancelled,
    UnitRestructured,
    PersonSuspended,
    PersonTerminated,
    PersonResumed,
    PersonRetired,
    PersonDeceased,
    PersonChanged,
    PersonEmployerChanged,
    ContributionBaseAdjusted,
    GapBackpaid,
    ArrearsBackpaid,
]


# -- 缴费记录 (contribution months, imported in batches) -----------------------------------------------


class ContributionPerson(BaseModel):
    """A person who paid: 人员编号 and 身份证号."""

    model_config = ConfigDict(frozen=True)

    psn_no: str
    certno: str


class ContributionRecorded(IntegrationEvent):
    """缴费记录 imported: the persons who paid for ``month`` under ``insutype`` (one part of a batch).

    At most 1,000 persons a message. A read model of "who was insured when" adds (person, insutype, month)
    for each; the batch's ``registration.contribution.batch_imported.v1`` says how many parts it has."""

    event_type = "registration.contribution.recorded.v1"

    batch_id: uuid.UUID
    source: str
    period: str  # YYYY-MM: the batch's 费款所属期
    part: int  # 1 … the batch's ``parts``
    insutype: str
    month: str  # YYYY-MM: the month paid for (费款所属期; earlier than ``period`` for 补缴)
    persons: list[ContributionPerson]


class ContributionBatchImported(IntegrationEvent):
    """缴费明细批次 imported: its counts, and how many ``recorded.v1`` parts carry its new months."""

    event_type = "registration.contribution.batch_imported.v1"

    batch_id: uuid.UUID
    source: str
    period: str
    rows_total: int
    rows_recorded: int
    rows_unchanged: int
    rows_rejected: int
    parts: int
    imported_at: datetime


PUBLISHED += [ContributionRecorded, ContributionBatchImported]


# -- 转移接续 (transfer between regions): registration's side of the transfer service's saga ------------------


class TransferPeriod(BaseModel):
    """One row of 样表16: a period insured in one pooling region under one insurance type."""

    model_config = ConfigDict(frozen=True)

    start_month: str  # YYYY-MM
    end_month: str
    insutype: str
    months: int
    admdvs: str
    agency_name: str | None = None
    remark: str | None = None


class TransferOutPrepared(IntegrationEvent):
    """转出: the person checked, the whole account balance debited and the enrolment ended (transfer_out);
    the periods of the 信息表 and the amount debited, for the transfer service to send."""

    event_type = "registration.transfer_out.prepared.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    sex: str | None
    insutype: str
    periods: list[TransferPeriod]
    amount_debited: Money
    region: str


class TransferOutRefused(IntegrationEvent):
    """转出 refused: ``reason`` is unknown_person / name_mismatch / not_suspended / already_transferred /
    no_employee_enrolment / other, ``detail`` says it in Chinese. Nothing was debited."""

    event_type = "registration.transfer_out.refused.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    reason: str
    detail: str
    region: str


class TransferInMerged(IntegrationEvent):
    """转入: the periods brought in are recorded and the amount credited (cumulative months continue).

    Added later, optional (v1 stays): the person's 人员编号 ``psn_no``, the scheme the rows were merged into
    (``insutype``, 310 or 390), the 转出地 ``origin_region`` and the merged ``periods`` (the 信息表's rows: type,
    start and end month, months paid, the region each was insured in), so that read models elsewhere (maternity's
    coverage) count the months brought in."""

    event_type = "registration.transfer_in.merged.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    amount_credited: Money
    cumulative_months: int
    region: str
    psn_no: str | None = None
    insutype: str | None = None
    origin_region: str | None = None
    periods: list[TransferPeriod] = Field(default_factory=list)


class TransferInRefused(IntegrationEvent):
    """转入 refused (the person is not, or no longer, enrolled here): nothing was credited."""

    event_type = "registration.transfer_in.refused.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    reason: str
    detail: str
    region: str


class TransferOutReverted(IntegrationEvent):
    """转出退回: the 转入地 refused the person after the debit; the amount is credited back (返还, reason
    ``transfer_return``) and the enrolment is as it was before the transfer (``status``, ``stopped_on``,
    ``stop_reason``); ``restored`` is false when the person has enrolled again since and nothing was changed."""

    event_type = "registration.transfer_out.reverted.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    psn_no: str
    name: str
    insutype: str
    amount_credited: Money
    restored: bool
    status: str
    stopped_on: date | None
    stop_reason: str | None
    region: str


PUBLISHED += [TransferOutPrepared, TransferOutRefused, TransferInMerged, TransferInRefused, TransferOutReverted]


class TransferOutRequested(IntegrationEvent):
    """(consumed) the transfer service received a 联系函 for a person of this region."""

    event_type = "transfer.outbound.requested.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    transfer_account: bool
    region: str
    destination_region: str | None = None


class TransferInMatched(IntegrationEvent):
    """(consumed) the transfer service matched the 信息表 and the funds of a person coming here."""

    event_type = "transfer.inbound.matched.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    origin_region: str
    amount: Money
    periods: list[TransferPeriod]
    region: str


class TransferOutReturned(IntegrationEvent):
    """(consumed) the 转入地 refused the 信息表 and sent the money back: 返还 ``amount`` (what was debited)."""

    event_type = "transfer.outbound.returned.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    amount: Money
    reason: str
    detail: str
    region: str


#: the events of other services registration consumes (its own copies of the fields it reads); append with +=
CONSUMED: list[type[IntegrationEvent]] = [TransferOutRequested, TransferInMatched, TransferOutReturned]
