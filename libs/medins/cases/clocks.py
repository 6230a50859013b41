"""Clock arithmetic of a case (rulings 1 and 2), on the working-day calendar. No I/O."""

from dataclasses import dataclass
from datetime import date

from medins.workdays import Deadline, WorkCalendar

#: the most a 特殊情况 extension may add (ruling 2)
MAX_EXTENSION_WORKING_DAYS = 20


@dataclass(frozen=True)
class ClockState:
    deadline: date | None
    provisional: bool
    paused_on: date | None
    extension_days: int


def start(calendar: WorkCalendar, accepted_on: date, value: int | None, unit: str) -> Deadline | None:
    """The deadline of an item's limit counted from acceptance; an immediate item is due the same day;
    an item whose seed gives no countable limit (``unspecified``, e.g. 集中缴费期内办结) has none."""
    if unit == "unspecified":
        return None
    if unit == "immediate" or value is None:
        return Deadline(accepted_on, calendar.is_provisional(accepted_on))
    return calendar.deadline_for(accepted_on, value, unit)


def resume(calendar: WorkCalendar, state: ClockState, today: date) -> Deadline:
    """After a pause the deadline moves by the working days the case waited for the applicant."""
    assert state.deadline is not None and state.paused_on is not None
    waited = calendar.working_days_between(state.paused_on, today)
    if waited <= 0:
        return Deadline(state.deadline, state.provisional)
    moved = calendar.add_working_days(state.deadline, waited)
    return Deadline(moved.date, moved.provisional or state.provisional)


def extend(calendar: WorkCalendar, state: ClockState, days: int) -> Deadline:
    assert state.deadline is not None
    moved = calendar.add_working_days(state.deadline, days)
    return Deadline(moved.date, moved.provisional or state.provisional)


def working_days_left(calendar: WorkCalendar, deadline: date, today: date) -> int:
    """Working days from today to the deadline; negative once it has passed."""
    if deadline >= today:
        return calendar.working_days_between(today, deadline)
    return -calendar.working_days_between(deadline, today)
