"""Integration events the transfer service publishes, and its copies of the events it consumes.

The saga with registration (no service reads another's database):

- 转出地: a 联系函 arrives → ``transfer.outbound.requested.v1`` → registration checks the person (known, name,
  停保 done, not transferred already), debits the whole account balance (reference = the letter number) and
  ends the enrolment, then answers ``registration.transfer_out.prepared.v1`` (the periods of 样表16 and the
  amount debited) or ``registration.transfer_out.refused.v1`` (a reason code);
- 转入地: the 信息表 and the funds match → ``transfer.inbound.matched.v1`` → registration merges the periods
  and credits the amount (reference = the letter number), then answers ``registration.transfer_in.merged.v1``
  or ``registration.transfer_in.refused.v1``.

Registration's person and account events feed a read model (enrolment status, account balance) for the
参保凭证 and for checking enrolment at the 转入地.
"""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from medins.bus.envelope import IntegrationEvent
from medins.money import Money


class TransferredPeriod(BaseModel):
    """One row of 样表16: a period insured in one region under one insurance type."""

    model_config = ConfigDict(frozen=True)

    start_month: str  # YYYY-MM
    end_month: str
    insutype: str
    months: int
    admdvs: str
    agency_name: str | None = None
    remark: str | None = None


class TransferOutRequested(IntegrationEvent):
    """转出: a 联系函 arrived; registration is asked to check the person, debit the account, list the periods."""

    event_type = "transfer.outbound.requested.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    destination_region: str
    transfer_account: bool
    region: str


class TransferInMatched(IntegrationEvent):
    """转入: the 信息表 and the funds matched (基金匹配); registration merges the periods and credits the amount."""

    event_type = "transfer.inbound.matched.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    origin_region: str
    amount: Money
    periods: list[TransferredPeriod]
    region: str


class TransferInCompleted(IntegrationEvent):
    """转入 办结: the person's periods continue here and the balance was credited."""

    event_type = "transfer.inbound.completed.v1"

    transfer_id: uuid.UUID
    case_no: str
    letter_no: str
    certno: str
    origin_region: str
    amount: Money
    completed_at: datetime
    region: str


class TransferOutCompleted(IntegrationEvent):
    """转出 办结: the 信息表 and the funds reached the 转入地."""

    event_type = "transfer.outbound.completed.v1"

    transfer_id: uuid.UUID
    case_no: str
    letter_no: str
    certno: str
    destination_region: str
    amount: Money
    completed_at: datetime
    region: str


class TransferRejected(IntegrationEvent):
    """不予办理: a transfer stopped with a reason the applicant was told (one-time notice)."""

    event_type = "transfer.transfer.rejected.v1"

    transfer_id: uuid.UUID
    direction: str
    case_no: str | None
    certno: str
    reason: str
    detail: str
    region: str


class TransferOutReturned(IntegrationEvent):
    """返还: the 转入地 refused the 信息表 and the funds after the debit here (its signed 不予接续 came back);
    registration is asked to credit ``amount`` (what it debited) back and restore the enrolment."""

    event_type = "transfer.outbound.returned.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    amount: Money
    reason: str
    detail: str
    region: str


PUBLISHED: list[type[IntegrationEvent]] = [
    TransferOutRequested,
    TransferInMatched,
    TransferInCompleted,
    TransferOutCompleted,
    TransferRejected,
    TransferOutReturned,
]


# -- consumed: the fields this service reads of registration's events (copies, not imports) ---------------


class PersonEnrolled(IntegrationEvent):
    event_type = "registration.person.enrolled.v1"

    psn_no: str
    certno: str
    name: str
    insutype: str
    start_on: date
    region: str


class _PersonStatusChange(IntegrationEvent):
    psn_no: str
    certno: str
    name: str
    insutype: str
    effective_on: date
    region: str


class PersonSuspended(_PersonStatusChange):
    event_type = "registration.person.suspended.v1"


class PersonTerminated(_PersonStatusChange):
    event_type = "registration.person.terminated.v1"

    reason: str


class PersonResumed(_PersonStatusChange):
    event_type = "registration.person.resumed.v1"


class AccountCredited(IntegrationEvent):
    event_type = "registration.account.credited.v1"

    certno: str
    balance_after: Money
    entry_no: int
    occurred_at: datetime


class AccountDebited(IntegrationEvent):
    event_type = "registration.account.debited.v1"

    certno: str
    balance_after: Money
    entry_no: int
    occurred_at: datetime


class TransferOutPrepared(IntegrationEvent):
    event_type = "registration.transfer_out.prepared.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    name: str
    sex: str | None
    insutype: str
    periods: list[TransferredPeriod]
    amount_debited: Money
    region: str


class TransferOutRefused(IntegrationEvent):
    event_type = "registration.transfer_out.refused.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    reason: str
    detail: str
    region: str


class TransferInMerged(IntegrationEvent):
    event_type = "registration.transfer_in.merged.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    amount_credited: Money
    cumulative_months: int
    region: str


class TransferInRefused(IntegrationEvent):
    event_type = "registration.transfer_in.refused.v1"

    transfer_id: uuid.UUID
    letter_no: str
    certno: str
    reason: str
    detail: str
    region: str


class TransferOutReverted(IntegrationEvent):
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


class ContributionPerson(BaseModel):
    psn_no: str
    certno: str


class ContributionRecorded(IntegrationEvent):
    """缴费记录 imported: who paid for ``month`` under ``insutype`` (the read model of months for 样表14)."""

    event_type = "registration.contribution.recorded.v1"

    insutype: str
    month: str
    persons: list[ContributionPerson]


class GapBackpaid(IntegrationEvent):
    """法定断档补缴: ``months`` count as contributed months."""

    event_type = "registration.person.gap_backpaid.v1"

    certno: str
    insutype: str
    months: list[str]


CONSUMED: list[type[IntegrationEvent]] = [
    PersonEnrolled,
    PersonSuspended,
    PersonTerminated,
    PersonResumed,
    AccountCredited,
    AccountDebited,
    TransferOutPrepared,
    TransferOutRefused,
    TransferInMerged,
    TransferInRefused,
    TransferOutReverted,
    ContributionRecorded,
    GapBackpaid,
]
