"""Integration events the maternity service publishes and consumes (versioned, additive changes keep vN).

A consumed event is the maternity service's own copy of the fields it reads, not an import of the
producer's model: the producer may add fields (they are ignored here) without breaking this consumer.
"""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from medins.bus.envelope import IntegrationEvent


class UnitRegistered(IntegrationEvent):
    """单位参保登记 completed in registration: a new employer (参保单位) to keep in the read model."""

    event_type = "registration.unit.registered.v1"

    unit_id: uuid.UUID
    unit_code: str = Field(min_length=1, max_length=20)
    uscc: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=6, max_length=6)
    insured_products: list[str]
    registered_at: datetime


PUBLISHED: list[type[IntegrationEvent]] = []
CONSUMED: list[type[IntegrationEvent]] = [UnitRegistered]


# -- 参保状态与缴费月数 (coverage): the fields of registration's person and contribution events read here --------

_CERTNO = Field(min_length=5, max_length=30)
_PSN_NO = Field(min_length=1, max_length=40)
_INSUTYPE = Field(pattern=r"^[0-9]{3}$")
_MONTH = Field(pattern=r"^[12][0-9]{3}-(0[1-9]|1[0-2])$")


class PersonEnrolled(IntegrationEvent):
    """参保登记 completed in registration: the person is insured under ``insutype`` from ``start_on``."""

    event_type = "registration.person.enrolled.v1"

    psn_no: str = _PSN_NO
    certno: str = _CERTNO
    insutype: str = _INSUTYPE
    start_on: date


class PersonStatusEvent(IntegrationEvent):
    """The fields registration's enrolment events share: who, which scheme, from when."""

    psn_no: str = _PSN_NO
    certno: str = _CERTNO
    insutype: str = _INSUTYPE
    effective_on: date


class PersonSuspended(PersonStatusEvent):
    """暂停参保: the enrolment is interrupted from ``effective_on``."""

    event_type = "registration.person.suspended.v1"


class PersonTerminated(PersonStatusEvent):
    """终止参保: the enrolment ends from ``effective_on``."""

    event_type = "registration.person.terminated.v1"

    reason: str


class PersonResumed(PersonStatusEvent):
    """恢复参保: the enrolment is in force again from ``effective_on``."""

    event_type = "registration.person.resumed.v1"


class PersonRetired(PersonStatusEvent):
    """在职转退休: retired from ``effective_on`` (still insured under 310, no longer contributing)."""

    event_type = "registration.person.retired.v1"


class PersonDeceased(IntegrationEvent):
    """死亡: not insured from ``died_on`` on, under any type."""

    event_type = "registration.person.deceased.v1"

    psn_no: str = _PSN_NO
    certno: str = _CERTNO
    died_on: date


class PersonChanged(IntegrationEvent):
    """参保信息变更登记: read for a changed 证件号码 (``former_certno``), which the coverage is asked by."""

    event_type = "registration.person.changed.v1"

    psn_no: str = _PSN_NO
    certno: str = _CERTNO
    former_certno: str | None


class GapBackpaid(PersonStatusEvent):
    """法定断档补缴 approved: ``months`` count as insured and contributed months, retroactively."""

    event_type = "registration.person.gap_backpaid.v1"

    months: list[str]


class ArrearsEmployee(BaseModel):
    """An employee a unit's 欠费补缴 paid for, and which of its months were theirs."""

    model_config = ConfigDict(frozen=True)

    psn_no: str = _PSN_NO
    certno: str = _CERTNO
    months: list[str]


class ArrearsBackpaid(IntegrationEvent):
    """欠款补缴 paid: unpaid months of the 职工 scheme, paid late; benefits run again from ``benefits_from``, not
    for the months themselves. An employee's (kind ``employee``) names the person; a unit's (kind ``unit``) its
    ``employees`` and each one's months (older events of a unit name no one)."""

    event_type = "registration.arrears.backpaid.v1"

    kind: str
    employer_uscc: str | None = None  # the unit of an employee; none for a flexible worker
    psn_no: str | None = None
    certno: str | None = None
    months: list[str]
    benefits_from: date
    employees: list[ArrearsEmployee] = Field(default_factory=list)


class ContributionPerson(BaseModel):
    """A person who paid: 人员编号 and 身份证号."""

    model_config = ConfigDict(frozen=True)

    psn_no: str = _PSN_NO
    certno: str = _CERTNO


class ContributionRecorded(IntegrationEvent):
    """缴费记录 imported: the persons who paid for ``month`` under ``insutype`` (one part of a batch)."""

    event_type = "registration.contribution.recorded.v1"

    batch_id: uuid.UUID
    part: int
    insutype: str = _INSUTYPE
    month: str = _MONTH
    persons: list[ContributionPerson] = Field(max_length=10_000)


class TransferInPeriod(BaseModel):
    """A row of the 转出地's 信息表 (样表16) merged in: insured in ``admdvs`` under ``insutype``, ``months`` paid."""

    model_config = ConfigDict(frozen=True)

    start_month: str = _MONTH
    end_month: str = _MONTH
    insutype: str = Field(min_length=1, max_length=10)
    months: int = Field(ge=0, le=1200)
    admdvs: str | None = None


class TransferInMerged(IntegrationEvent):
    """转移接续转入 merged in registration: the 信息表's rows now count where the person is insured here.

    ``psn_no``, ``insutype`` (the scheme merged into), ``origin_region`` and ``periods`` came later to v1; an
    event without them (an older producer) counts nothing here."""

    event_type = "registration.transfer_in.merged.v1"

    letter_no: str = Field(min_length=1, max_length=40)
    certno: str = _CERTNO
    psn_no: str | None = Field(default=None, min_length=1, max_length=40)
    insutype: str | None = None
    origin_region: str | None = None
    periods: list[TransferInPeriod] = Field(default_factory=list, max_length=600)


CONSUMED += [
    PersonEnrolled,
    PersonSuspended,
    PersonTerminated,
    PersonResumed,
    PersonRetired,
    PersonDeceased,
    PersonChanged,
    GapBackpaid,
    ArrearsBackpaid,
    ContributionRecorded,
    TransferInMerged,
]
