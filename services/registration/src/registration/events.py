"""Integration events the registration service publishes (versioned, additive changes keep vN)."""

import uuid
from datetime import date, datetime

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
