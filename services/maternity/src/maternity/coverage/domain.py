"""Rules of coverage (参保状态与缴费月数), no I/O.

"Insured on a date" means: the enrolment in force on that day and that month counted (contributed, back-paid
by 法定断档补缴, or brought in by 转移接续), and the person not dead by then. A month paid late by 欠款补缴 counts
in the months but not for a day in it: benefits come back only after the payment. A month brought in or back-paid
counts as insured by itself: it lies outside any enrolment here (another region's, or a gap the law lets
the person pay for afterwards).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class EnrolmentStatus(StrEnum):
    """参保状态 (``psn_insu_stas``) as the read model keeps it."""

    enrolled = "enrolled"  # 参保缴费
    suspended = "suspended"  # 暂停参保
    terminated = "terminated"  # 终止参保
    retired = "retired"  # 退休: insured, no longer contributing


#: the statuses in which the enrolment is in force
IN_FORCE = frozenset({EnrolmentStatus.enrolled, EnrolmentStatus.retired})


class MonthSource(StrEnum):
    """Why a month counts."""

    contribution = "C"  # 缴费记录 from the tax bureau's file
    gap_backpay = "G"  # 法定断档补缴
    # 欠款补缴: a month of the enrolment paid late; it counts in 累计 and 连续, but benefits run again only from the
    # month after the payment (徐州 2.x: 告知待遇享受时限), so a day in it is not insured for benefits
    arrears_backpay = "A"
    # 转移接续: a month of a period insured in another pooling region (the rows registration merged, kept in
    # coverage_transfer_period and counted when asked, see ``BroughtIn``)
    transfer_in = "T"


#: months that count as insured without an enrolment in force here on that day
INSURED_BY_ITSELF = frozenset({MonthSource.gap_backpay, MonthSource.transfer_in})

#: registration enrols 职工基本医疗（生育）保险 as one scheme (310): a 510 question reads the 310 enrolment too
ENROLMENT_SCHEMES: Mapping[str, tuple[str, ...]] = {"510": ("510", "310")}

_MONTH = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])$")


#: the types a period brought in by a transfer counts under: a 职工基本医疗保险 row (310) counts for 生育保险 (510)
#: too, since the two are one scheme (两险合并) and the 信息表 has no 生育 row of its own
TRANSFER_COUNTS_FOR: Mapping[str, tuple[str, ...]] = {"310": ("310", "510"), "390": ("390",)}


def transfer_schemes(row_insutype: str, merged_into: str | None) -> tuple[str, ...]:
    """The insurance types a 信息表 row counts under here: a row of 其他 type counts under the scheme it was
    merged into (as registration's 参保信息查询 counts it), 310 when that is not known."""
    kind = row_insutype if row_insutype in TRANSFER_COUNTS_FOR else (merged_into or "310")
    return TRANSFER_COUNTS_FOR.get(kind, (kind,))


def enrolment_schemes(insutype: str) -> tuple[str, ...]:
    """The insurance types whose enrolment events decide whether ``insutype`` is in force."""
    return ENROLMENT_SCHEMES.get(insutype, (insutype,))


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month."""
    found = _MONTH.match(text)
    if found is None:
        raise ValueError(f"not a month: {text!r}")
    return date(int(found.group(1)), int(found.group(2)), 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def month_of_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class StatusChange:
    insutype: str
    status: EnrolmentStatus
    effective_on: date
    event_time: datetime
    reason: str | None = None


def status_on(changes: Iterable[StatusChange], day: date) -> StatusChange | None:
    """The change in force on ``day``: the last effective on or before it (the later event on the same day)."""
    effective = [c for c in changes if c.effective_on <= day]
    return max(effective, key=lambda c: (c.effective_on, c.event_time), default=None)


@dataclass(frozen=True)
class Period:
    """参保期间: consecutive counted months, ``start`` to ``end`` inclusive."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return month_index(self.end) - month_index(self.start) + 1


def merge_months(months: Iterable[date]) -> list[Period]:
    """Counted months merged into periods, oldest first."""
    indices = sorted({month_index(m) for m in months})
    periods: list[Period] = []
    for index in indices:
        if periods and month_index(periods[-1].end) == index - 1:
            periods[-1] = Period(periods[-1].start, month_of_index(index))
        else:
            periods.append(Period(month_of_index(index), month_of_index(index)))
    return periods


@dataclass(frozen=True)
class BroughtIn:
    """A row of a 信息表 (样表16) merged in by a transfer: insured in ``admdvs`` from ``start`` to ``end``,
    ``months`` paid in it."""

    start: date
    end: date
    months: int
    admdvs: str | None = None
    letter_no: str | None = None

    @property
    def complete(self) -> bool:
        """Every month of the span paid (the subtotal equals the span): its months are known, and may run on
        into the months here; a row with gaps counts its subtotal only."""
        return self.months == month_index(self.end) - month_index(self.start) + 1

    def month_list(self) -> list[date]:
        return [month_of_index(i) for i in range(month_index(self.start), month_index(self.end) + 1)]


def with_brought_in(
    months: Mapping[date, MonthSource], brought_in: Iterable[BroughtIn], current: date
) -> tuple[dict[date, MonthSource], int]:
    """The counted months up to ``current`` with those of complete rows brought in (a month paid both there and
    here counts once, as paid here), and the subtotal of the rows with gaps that start by then
    (their months are not known: they count, but join no run) — registration's rule for 累计 and 连续."""
    counted = {m: s for m, s in months.items() if m <= current}
    gapped = 0
    for row in brought_in:
        if row.start > current or row.end < row.start or row.months <= 0:
            continue
        if row.complete:
            for month in row.month_list():
                if month <= current and month not in counted:
                    counted[month] = MonthSource.transfer_in
        else:
            gapped += row.months
    return counted, gapped


@dataclass(frozen=True)
class Coverage:
    """The answer for one person, one insurance type, one day."""

    insured: bool
    status: StatusChange | None  # the enrolment change in force on the day
    month_counted: bool  # the month of the day is contributed, back-paid or brought in
    consecutive_months: int  # 连续缴费月数: the run reaching the month of the day or the month before; 0 after a gap
    cumulative_months: int  # 累计缴费月数 up to the month of the day
    periods: list[Period]
    deceased: bool
    transferred_months: int = 0  # of the cumulative months, those brought in by 转移接续 (not also paid here)
    arrears_month: bool = False  # the month of the day was paid late (欠款补缴): no benefits for that day


def coverage_on(
    day: date,
    *,
    changes: Iterable[StatusChange],
    months: Mapping[date, MonthSource],
    died_on: date | None,
    brought_in: Iterable[BroughtIn] = (),
) -> Coverage:
    """Whether the person was insured on ``day``, with the counts of months up to that month.

    连续 counts the run that ends in the month of ``day`` or the month before it: the current month's file
    may not have come in yet (the same rule as registration's 参保期间 query). Months brought in by a transfer
    count in 累计, and in 连续 where a complete row runs on into the months here without a break."""
    current = day.replace(day=1)
    months, gapped = with_brought_in(months, brought_in, current)
    periods = merge_months(months)
    last = periods[-1] if periods else None
    consecutive = last.months if last is not None and month_index(current) - month_index(last.end) <= 1 else 0
    status = status_on(changes, day)
    deceased = died_on is not None and died_on <= day
    source = months.get(current)
    in_force = status is not None and status.status in IN_FORCE
    arrears = source is MonthSource.arrears_backpay
    insured = not deceased and source is not None and not arrears and (in_force or source in INSURED_BY_ITSELF)
    return Coverage(
        insured=insured,
        status=status,
        month_counted=source is not None,
        consecutive_months=consecutive,
        cumulative_months=sum(p.months for p in periods) + gapped,
        periods=periods,
        deceased=deceased,
        transferred_months=sum(1 for s in months.values() if s is MonthSource.transfer_in) + gapped,
        arrears_month=arrears,
    )
