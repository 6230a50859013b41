"""Rules of contribution months (缴费月数) and insured periods (参保期间), no I/O.

A contribution record (缴费记录) says that a person paid for one month (费款所属期) under one insurance
type (险种 ``insutype``). Consecutive months make an insured period; the counts of 样表4 and of the
参保凭证 come from them: 实际缴费月数 (actual, months with a record), 视同缴费月数 (deemed, from
retirement data), the months brought in by a transfer (转移接续转入, the rows of the 转出地's 信息表) and
累计缴费月数 (cumulative = deemed + actual + brought in).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class InsuType(StrEnum):
    """险种类型 (national code table ``insutype``)."""

    employee_medical = "310"  # 职工基本医疗保险
    resident_medical = "390"  # 城乡居民基本医疗保险
    maternity = "510"  # 生育保险


INSUTYPE_NAMES = {
    InsuType.employee_medical: "职工基本医疗保险",
    InsuType.resident_medical: "城乡居民基本医疗保险",
    InsuType.maternity: "生育保险",
}

#: the earliest 费款所属期 accepted: the basic medical insurance schemes began in the 1990s
EARLIEST_MONTH = date(1990, 1, 1)

_MONTH = re.compile(r"^([12][0-9]{3})-?(0[1-9]|1[0-2])$")


def parse_month(text: str) -> date | None:
    """``YYYY-MM`` or ``YYYYMM`` (as the national platform writes 年月) → the first day of that month."""
    found = _MONTH.match(text)
    if found is None:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_index(month: date) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    return month.year * 12 + month.month - 1


def month_of_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    return month_of_index(month_index(month) + count)


@dataclass(frozen=True)
class InsuredPeriod:
    """参保期间: an unbroken run of contribution months, ``start`` to ``end`` inclusive."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return month_index(self.end) - month_index(self.start) + 1


def merge_months(months: Iterable[date]) -> list[InsuredPeriod]:
    """Consecutive contribution months merged into periods, oldest first (duplicates count once)."""
    indices = sorted({month_index(m) for m in months})
    periods: list[InsuredPeriod] = []
    if not indices:
        return periods
    start = previous = indices[0]
    for index in indices[1:]:
        if index != previous + 1:
            periods.append(InsuredPeriod(month_of_index(start), month_of_index(previous)))
            start = index
        previous = index
    periods.append(InsuredPeriod(month_of_index(start), month_of_index(previous)))
    return periods


@dataclass(frozen=True)
class BroughtInPeriod:
    """A row of a 信息表 (样表16) merged in by a transfer: insured elsewhere, ``months`` paid in it."""

    start: date
    end: date
    months: int

    @property
    def complete(self) -> bool:
        """Every month of the span paid (the subtotal equals the span): it may carry a continuous run."""
        return self.months == month_index(self.end) - month_index(self.start) + 1

    def month_list(self) -> list[date]:
        return [month_of_index(i) for i in range(month_index(self.start), month_index(self.end) + 1)]


@dataclass(frozen=True)
class ContributionSummary:
    """One person's months under one insurance type, as of a day."""

    periods: list[InsuredPeriod]
    actual_months: int  # 实际缴费月数
    deemed_months: int  # 视同缴费月数
    continuous_months: int  # 连续缴费月数 up to the day (0 after a gap, 断缴)
    last_month: date | None
    insured_in_month: bool  # a contribution for the month of the day
    transferred_months: int = 0  # 转移接续转入的月数 (brought in from other regions)

    @property
    def cumulative_months(self) -> int:
        """累计缴费月数 = 视同 + 实际 + 转入 (样表4 prints 视同, 实际 and 累计 side by side)."""
        return self.deemed_months + self.actual_months + self.transferred_months


def summarize(
    months: Iterable[date], *, as_of: date, deemed_months: int = 0, brought_in: Iterable[BroughtInPeriod] = ()
) -> ContributionSummary:
    """The counts as of ``as_of``: only months up to the month of ``as_of`` count.

    连续缴费月数 is the run that reaches the month of ``as_of`` or the month before it (the current month's
    file may not have come in yet); a run that ended earlier is broken (断缴) and counts 0. Periods brought in
    by a transfer count their subtotals; a month paid both there and here counts once, and a brought-in period
    without a gap (subtotal = span) joins a run here that follows it without a break (累计、连续 continue).
    """
    current = first_of_month(as_of)
    own = {m for m in months if m <= current}
    periods = merge_months(own)
    last = periods[-1] if periods else None
    elsewhere = [p for p in brought_in if p.start <= current]
    transferred = 0
    continuous_months = set(own)
    for period in elsewhere:
        if period.complete:
            extra = [m for m in period.month_list() if m <= current and m not in own]
            transferred += len(extra)
            continuous_months.update(extra)
        else:
            transferred += period.months
    runs = merge_months(continuous_months)
    continuous = 0
    if runs and month_index(current) - month_index(runs[-1].end) <= 1:
        continuous = runs[-1].months
    return ContributionSummary(
        periods=periods,
        actual_months=sum(p.months for p in periods),
        deemed_months=deemed_months,
        continuous_months=continuous,
        last_month=last.end if last else None,
        insured_in_month=last is not None and last.end == current,
        transferred_months=transferred,
    )
