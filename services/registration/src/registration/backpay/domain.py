"""Rules of back-payment (补缴), no I/O: the months of a period, and what paying them changes for benefits.

- 法定断档补缴 (statutory gap): months the person was not enrolled although they should have been (a labour
  relation existed, or an arbitration, inspection or court said so). Once paid they count as insured and
  contributed months **retroactively**: the gap closes, the months add to 实际缴费月数, and care received in
  them is covered as if the person had been enrolled.
- 欠款补缴 (arrears): months the person *was* enrolled but the contributions were not paid. Paying them keeps
  the months as contributed months; benefits (待遇), which the arrears had stopped, run again from the first
  day of the month after the payment (the guides only say the applicant is told 「待遇享受时限」; the project
  takes the month after, and says so in docs/decisions.md).

So a month is either a gap or an arrear, never both: gap months must lie outside the person's enrolled
months, arrears months inside them.
"""

import uuid
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from medins.errors import ProblemError


class GapScenario(StrEnum):
    """法定断档补缴 scenarios (样表10 备注): each asks for its own supporting documents."""

    gap_during_employment = "gap_during_employment"  # 劳动关系存续期补缴
    gap_by_ruling = "gap_by_ruling"  # 经劳动仲裁或劳动监察或法院判决补缴
    gap_other = "gap_other"  # 其他情况


class ArrearsKind(StrEnum):
    unit = "unit"  # 单位欠费补缴
    employee = "employee"  # 职工欠费补缴


class BackpayPeriodInvalid(ProblemError):
    status = 422
    code = "backpay_period_invalid"
    title = "补缴期间不正确"


class MonthsAlreadyBackpaid(ProblemError):
    status = 409
    code = "months_already_backpaid"
    title = "部分月份已补缴"


class NotAGap(ProblemError):
    status = 422
    code = "not_a_gap"
    title = "补缴月份不属于断档期间"


class NotArrears(ProblemError):
    status = 422
    code = "not_arrears"
    title = "补缴月份不在参保期间，不属于欠费"


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def months_between(start: str, end: str, *, today: date) -> list[str]:
    """Every month from ``start`` to ``end`` (YYYY-MM, both included); the period must be over or running."""
    if start > end:
        raise BackpayPeriodInvalid(f"补缴开始年月 {start} 晚于结束年月 {end}")
    if end > month_of(today):
        raise BackpayPeriodInvalid(f"补缴结束年月 {end} 晚于本月，不能补缴将来的月份")
    year, month = int(start[:4]), int(start[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(months) > 600:
            raise BackpayPeriodInvalid("补缴期间不能超过50年")
    return months


def enrolled_months(transitions: Iterable[tuple[date, str | None]], months: Iterable[str]) -> set[str]:
    """The months (of ``months``) whose first day falls in a period when the status was 正常参保.

    ``transitions`` are (effective date, status from then on), in the order they happened."""
    ordered = sorted(transitions, key=lambda t: t[0])
    covered = set()
    for month in months:
        first = date.fromisoformat(month + "-01")
        status = None
        for on, to_status in ordered:
            if on <= first and to_status is not None:
                status = to_status
        if status == "enrolled":
            covered.add(month)
    return covered


def months_in_service_at(
    changes: Iterable[tuple[date, str, str | None, uuid.UUID | None]], unit_id: uuid.UUID, months: Iterable[str]
) -> list[str]:
    """The months (of ``months``) whose first day the person was enrolled (正常参保), in service (在职: not yet
    retired) and at the unit ``unit_id``: what a unit's 欠费补缴 pays for them.

    ``changes`` are the rows of their enrolment's history in the order they happened: (effective date, kind,
    status from then on, unit from then on). A retiree pays nothing, so a unit owes nothing for them."""
    ordered = sorted(changes, key=lambda change: change[0])  # stable: same-day changes keep their order
    owed = []
    for month in months:
        first = date.fromisoformat(month + "-01")
        status, unit, retired = None, None, False
        for on, kind, to_status, employer_id in ordered:
            if on > first:
                break
            if to_status is not None:
                status, unit = to_status, employer_id
            retired = retired or kind == "retire"
        if status == "enrolled" and unit == unit_id and not retired:
            owed.append(month)
    return owed


def benefits_from_after_arrears(paid_on: date) -> date:
    """欠款补缴: benefits run again from the first day of the month after the payment."""
    return date(paid_on.year + 1, 1, 1) if paid_on.month == 12 else date(paid_on.year, paid_on.month + 1, 1)


def spans(months: list[str]) -> str:
    """``2025-01至2025-03、2025-06`` for a message."""
    if not months:
        return ""
    ordered = sorted(months)
    parts, start, prev = [], ordered[0], ordered[0]
    for month in [*ordered[1:], ""]:
        y, m = int(prev[:4]), int(prev[5:7])
        following = f"{y + (m == 12):04d}-{1 if m == 12 else m + 1:02d}"
        if month != following:
            parts.append(start if start == prev else f"{start}至{prev}")
            start = month
        prev = month
    return "、".join(parts)
