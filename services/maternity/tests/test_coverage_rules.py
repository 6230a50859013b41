"""Rules of the coverage read model (no I/O): the status on a date, insured months, consecutive and cumulative."""

from datetime import UTC, date, datetime

from maternity.coverage.domain import (
    BroughtIn,
    EnrolmentStatus,
    MonthSource,
    StatusChange,
    coverage_on,
    enrolment_schemes,
    status_on,
    transfer_schemes,
)

C, G, A = MonthSource.contribution, MonthSource.gap_backpay, MonthSource.arrears_backpay


def change(status: EnrolmentStatus, on: date, at: int = 0) -> StatusChange:
    return StatusChange("310", status, on, datetime(2024, 1, 1, 0, 0, at, tzinfo=UTC))


def months(*spec: tuple[int, int], source: MonthSource = C) -> dict[date, MonthSource]:
    return {date(y, m, 1): source for y, m in spec}


ENROLLED = change(EnrolmentStatus.enrolled, date(2024, 1, 1))


def test_the_status_on_a_day_is_the_last_change_effective_by_then_whatever_order_the_events_came_in():
    suspended = change(EnrolmentStatus.suspended, date(2024, 3, 1))
    resumed = change(EnrolmentStatus.enrolled, date(2024, 5, 1))
    for history in ([ENROLLED, suspended, resumed], [resumed, suspended, ENROLLED]):
        assert status_on(history, date(2024, 2, 29)) == ENROLLED
        assert status_on(history, date(2024, 3, 1)) == suspended
        assert status_on(history, date(2024, 6, 1)) == resumed
        assert status_on(history, date(2023, 12, 31)) is None


def test_of_two_changes_effective_the_same_day_the_later_event_holds():
    suspended_later = change(EnrolmentStatus.suspended, date(2024, 1, 1), at=5)
    assert status_on([suspended_later, ENROLLED], date(2024, 1, 1)) == suspended_later


def test_insured_needs_the_enrolment_in_force_and_the_month_contributed():
    paid = months((2024, 1), (2024, 2), (2024, 3))
    assert coverage_on(date(2024, 3, 15), changes=[ENROLLED], months=paid, died_on=None).insured
    assert not coverage_on(date(2024, 3, 15), changes=[], months=paid, died_on=None).insured
    suspended = change(EnrolmentStatus.suspended, date(2024, 3, 1))
    assert not coverage_on(date(2024, 3, 15), changes=[ENROLLED, suspended], months=paid, died_on=None).insured
    assert not coverage_on(date(2024, 4, 1), changes=[ENROLLED], months=paid, died_on=None).insured


def test_a_gap_backpaid_month_is_insured_without_an_enrolment_on_that_day():
    gap = months((2023, 11), (2023, 12), source=G) | months((2024, 1))
    answer = coverage_on(date(2023, 12, 10), changes=[ENROLLED], months=gap, died_on=None)
    assert answer.insured and answer.status is None
    assert coverage_on(date(2024, 1, 10), changes=[ENROLLED], months=gap, died_on=None).consecutive_months == 3


def test_a_month_paid_late_counts_but_a_day_in_it_is_not_insured_for_benefits():
    paid = months((2024, 1), (2024, 4)) | months((2024, 2), (2024, 3), source=A)
    in_arrears = coverage_on(date(2024, 2, 10), changes=[ENROLLED], months=paid, died_on=None)
    assert not in_arrears.insured and in_arrears.arrears_month and in_arrears.month_counted
    assert (in_arrears.consecutive_months, in_arrears.cumulative_months) == (2, 2)
    after = coverage_on(date(2024, 4, 10), changes=[ENROLLED], months=paid, died_on=None)
    assert after.insured and not after.arrears_month and after.consecutive_months == 4


def test_nobody_is_insured_from_the_day_they_died():
    paid = months((2024, 1), (2024, 2), (2024, 3))
    assert coverage_on(date(2024, 3, 9), changes=[ENROLLED], months=paid, died_on=date(2024, 3, 10)).insured
    dead = coverage_on(date(2024, 3, 10), changes=[ENROLLED], months=paid, died_on=date(2024, 3, 10))
    assert not dead.insured and dead.deceased


def test_consecutive_months_reach_the_month_or_the_month_before_and_a_gap_breaks_them():
    paid = months((2023, 1), (2023, 2), (2023, 4), (2023, 5), (2023, 6))
    assert coverage_on(date(2023, 6, 30), changes=[], months=paid, died_on=None).consecutive_months == 3
    assert coverage_on(date(2023, 7, 1), changes=[], months=paid, died_on=None).consecutive_months == 3
    assert coverage_on(date(2023, 8, 1), changes=[], months=paid, died_on=None).consecutive_months == 0
    early = coverage_on(date(2023, 2, 1), changes=[], months=paid, died_on=None)
    assert (early.consecutive_months, early.cumulative_months) == (2, 2)  # later months do not count yet
    assert coverage_on(date(2023, 8, 1), changes=[], months=paid, died_on=None).cumulative_months == 5


def test_maternity_follows_the_employee_enrolment():
    assert enrolment_schemes("510") == ("510", "310")
    assert enrolment_schemes("390") == ("390",)


def test_months_brought_in_count_and_a_complete_row_runs_on_into_the_months_here():
    here = months((2024, 1), (2024, 2), (2024, 3))
    origin = BroughtIn(date(2022, 1, 1), date(2023, 12, 1), 24, "370700", "43100020240000001")
    answer = coverage_on(date(2024, 3, 15), changes=[ENROLLED], months=here, died_on=None, brought_in=[origin])
    assert (answer.cumulative_months, answer.consecutive_months, answer.transferred_months) == (27, 27, 24)
    assert [(p.start, p.months) for p in answer.periods] == [(date(2022, 1, 1), 27)]
    # a month of the other region's period counts as insured by itself (no enrolment here then)
    then = coverage_on(date(2023, 6, 10), changes=[ENROLLED], months=here, died_on=None, brought_in=[origin])
    assert (then.insured, then.cumulative_months, then.consecutive_months) == (True, 18, 18)


def test_a_row_with_gaps_counts_its_subtotal_but_no_run_and_a_month_paid_twice_counts_once():
    here = months((2024, 1), (2024, 2), (2024, 3))
    gapped = BroughtIn(date(2020, 1, 1), date(2022, 12, 1), 30, "370700")  # 36 months' span, 30 paid
    overlapping = BroughtIn(date(2023, 11, 1), date(2024, 1, 1), 3, "320300")  # January paid in both regions
    answer = coverage_on(
        date(2024, 3, 15), changes=[ENROLLED], months=here, died_on=None, brought_in=[gapped, overlapping]
    )
    assert (answer.cumulative_months, answer.consecutive_months, answer.transferred_months) == (35, 5, 32)
    before = coverage_on(date(2019, 12, 1), changes=[], months=here, died_on=None, brought_in=[gapped, overlapping])
    assert (before.cumulative_months, before.transferred_months) == (0, 0)  # nothing counted before it began


def test_an_employee_row_brought_in_counts_for_maternity_and_an_other_type_under_the_scheme_merged_into():
    assert transfer_schemes("310", "310") == ("310", "510")
    assert transfer_schemes("390", "390") == ("390",)
    assert transfer_schemes("其他", "390") == ("390",) and transfer_schemes("999", None) == ("310", "510")
