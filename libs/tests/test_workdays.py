"""Working-day calendar (spec ruling 3): real 2026 dates, the 2027 fallback, region files.

The official 2026 arrangement, as held by chinese-calendar 1.11 (国务院办公厅关于2026年部分节假日安排的通知):
  元旦     01-01 (Thu) – 01-03 off; Sun 01-04 works
  春节     02-15 (Sun) – 02-23 (Mon) off; Sat 02-14 and Sat 02-28 work
  清明     04-04 – 04-06 off
  劳动节   05-01 – 05-05 off; Sat 05-09 works
  端午     06-19 – 06-21 off
  中秋     09-25 (Fri) – 09-27 off; (Sun 09-20 works, listed under National Day)
  国庆     10-01 (Thu) – 10-07 (Wed) off; Sun 09-20 and Sat 10-10 work
"""

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from medins.workdays import CalendarFileError, Deadline, WorkCalendar, get_calendar

REPO_CALENDARS = Path(__file__).resolve().parents[2] / "catalog" / "calendars"


@pytest.fixture
def cal(tmp_path: Path) -> WorkCalendar:
    """A national calendar with no calendar files at all: chinese-calendar, then Monday to Friday."""
    return WorkCalendar(calendars_dir=tmp_path)


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_the_2026_arrangement_matches_chinese_calendar_on_every_day(cal: WorkCalendar):
    d = date(2026, 1, 1)
    while d.year == 2026:
        assert cal.is_working_day(d) == chinese_calendar.is_workday(d), d
        assert not cal.is_provisional(d)
        d += timedelta(1)
    assert cal.source_of(2026).startswith("chinese-calendar")


def test_national_day_2026_accept_monday_before_plus_5_working_days_ends_on_the_makeup_saturday(cal):
    # accepted Mon 2026-09-28 = day 0
    #   Tue 09-29 → 1, Wed 09-30 → 2, Thu 10-01 … Wed 10-07 holiday (not counted),
    #   Thu 10-08 → 3, Fri 10-09 → 4, Sat 10-10 make-up working day → 5
    assert cal.add_working_days(date(2026, 9, 28), 5) == Deadline(date(2026, 10, 10), False)
    # +10: Sun 10-11 off, Mon 10-12 → 6, 10-13 → 7, 10-14 → 8, 10-15 → 9, Fri 10-16 → 10
    assert cal.add_working_days(date(2026, 9, 28), 10) == Deadline(date(2026, 10, 16), False)
    assert cal.deadline_for(date(2026, 9, 28), 5, "working_days") == Deadline(date(2026, 10, 10), False)
    assert cal.deadline_for(date(2026, 9, 28), 5, "WD") == Deadline(date(2026, 10, 10), False)


def test_acceptance_inside_the_holiday_counts_from_the_first_working_day_after_it(cal):
    # accepted (online) Sat 2026-10-03, inside the National Day holiday = day 0;
    #   10-04 … 10-07 holiday, Thu 10-08 → 1, Fri 10-09 → 2, Sat 10-10 (make-up) → 3,
    #   Sun 10-11 off, Mon 10-12 → 4, Tue 10-13 → 5
    assert cal.add_working_days(date(2026, 10, 3), 5) == Deadline(date(2026, 10, 13), False)
    assert cal.add_working_days(date(2026, 10, 3), 1) == Deadline(date(2026, 10, 8), False)
    # accepted on a plain Sunday behaves the same way: Sun 2026-03-01, +1 → Mon 03-02
    assert cal.add_working_days(date(2026, 3, 1), 1) == Deadline(date(2026, 3, 2), False)


def test_make_up_saturday_and_sunday_are_working_days(cal):
    assert cal.is_working_day(date(2026, 10, 10))  # Sat, 国庆 调休
    assert cal.is_working_day(date(2026, 9, 20))  # Sun, 国庆 调休
    assert cal.is_working_day(date(2026, 2, 14))  # Sat, 春节 调休
    assert not cal.is_working_day(date(2026, 10, 17))  # an ordinary Saturday
    assert not cal.is_working_day(date(2026, 10, 1))  # Thu, National Day
    assert not cal.is_working_day(date(2026, 9, 25))  # Fri, 中秋
    # accepted Fri 2026-09-18: Sat 09-19 off, Sun 09-20 make-up → 1, Mon 09-21 → 2 … Thu 09-24 → 5,
    #   Fri 09-25 … Sun 09-27 中秋 off, Mon 09-28 → 6
    assert cal.add_working_days(date(2026, 9, 18), 1) == Deadline(date(2026, 9, 20), False)
    assert cal.add_working_days(date(2026, 9, 18), 5) == Deadline(date(2026, 9, 24), False)
    assert cal.add_working_days(date(2026, 9, 18), 6) == Deadline(date(2026, 9, 28), False)


def test_spring_festival_2026(cal):
    # accepted Thu 2026-02-12: Fri 02-13 → 1, Sat 02-14 make-up → 2, 02-15 … 02-23 春节 off,
    #   Tue 02-24 → 3, Wed 02-25 → 4, Thu 02-26 → 5, Fri 02-27 → 6, Sat 02-28 make-up → 7
    assert cal.add_working_days(date(2026, 2, 12), 5) == Deadline(date(2026, 2, 26), False)
    assert cal.add_working_days(date(2026, 2, 12), 7) == Deadline(date(2026, 2, 28), False)
    # 30 working days from Mon 2026-02-09: 02-10..02-13 (4), 02-14 (5), 02-24..02-28 (10),
    #   March has 22 weekdays: 03-02..03-20 is 15 more (25), 03-23..03-27 (30) → Fri 03-27
    assert cal.add_working_days(date(2026, 2, 9), 30) == Deadline(date(2026, 3, 27), False)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2  # 02-14 and 02-24


def test_working_days_between_is_the_inverse_of_add_working_days_across_2026(cal):
    start = date(2026, 1, 1)
    while start < date(2027, 1, 1):
        assert cal.add_working_days(start, 0) == Deadline(start, False)
        for n in range(1, 26):
            due = cal.add_working_days(start, n).date
            assert cal.is_working_day(due)
            assert cal.working_days_between(start, due) == n
            # the earliest such day: one day earlier there are only n - 1
            assert cal.working_days_between(start, due - timedelta(1)) == n - 1
        start += timedelta(1)


def test_working_days_between_counts_after_start_through_end(cal):
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 10, 10)) == 5
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 9, 28)) == 0
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 9, 28)) == 0
    # a naive day-by-day count agrees over a span that crosses into 2027
    start, end = date(2026, 11, 3), date(2027, 2, 10)
    naive = sum(cal.is_working_day(start + timedelta(i)) for i in range(1, (end - start).days + 1))
    assert cal.working_days_between(start, end) == naive


def test_2027_without_a_published_file_never_raises_and_is_provisional(cal):
    with pytest.raises(NotImplementedError):  # the library itself stops at 2026
        chinese_calendar.is_workday(date(2027, 1, 4))
    # accepted Mon 2026-12-28: 12-29 → 1, 12-30 → 2, 12-31 → 3, Fri 2027-01-01 → 4 (Monday-to-Friday,
    #   although it will surely be 元旦: hence provisional), Mon 2027-01-04 → 5
    assert cal.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 4), True)
    # entirely inside 2026: final
    assert cal.add_working_days(date(2026, 12, 28), 3) == Deadline(date(2026, 12, 31), False)
    assert cal.is_provisional(date(2027, 6, 1)) and not cal.is_provisional(date(2026, 6, 1))
    assert cal.add_working_days(date(2027, 3, 5), 10) == Deadline(date(2027, 3, 19), True)
    assert cal.deadline_for(date(2030, 1, 1), 15, "working_days") == Deadline(date(2030, 1, 22), True)
    assert cal.span_is_provisional(date(2026, 12, 30), date(2027, 1, 2))
    assert not cal.span_is_provisional(date(2026, 12, 30), date(2026, 12, 31))
    assert cal.source_of(2027) == "provisional: Monday to Friday"


def test_2027_uses_a_published_national_file(tmp_path: Path):
    # test fixture, not the real 2027 arrangement: 01-01 off and Sat 01-09 a make-up working day
    write(
        tmp_path,
        "national-2027.yaml",
        "published: true\nsource: test fixture\nholidays: [2027-01-01]\nmakeup_workdays: ['2027-01-09']\n",
    )
    cal = WorkCalendar(calendars_dir=tmp_path)
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 1, 9))
    assert not cal.is_provisional(date(2027, 1, 1))
    # accepted Mon 2026-12-28: 12-29, 12-30, 12-31 (3), 01-01 off, 01-02/03 weekend, Mon 01-04 → 4, Tue 01-05 → 5
    assert cal.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 5), False)
    # accepted Thu 2027-01-07: Fri 01-08 → 1, Sat 01-09 (make-up) → 2
    assert cal.add_working_days(date(2027, 1, 7), 2) == Deadline(date(2027, 1, 9), False)
    assert cal.source_of(2027) == "national-2027.yaml: test fixture"


def test_an_unpublished_file_is_ignored_for_counting(tmp_path: Path):
    write(tmp_path, "national-2027.yaml", "published: false\nholidays: [2027-01-01]\n")
    cal = WorkCalendar(calendars_dir=tmp_path)
    assert cal.is_working_day(date(2027, 1, 1))
    assert cal.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 4), True)


def test_region_files_amend_the_base_and_apply_only_to_their_region(tmp_path: Path):
    # test fixtures: a local rest day in 郴州 on Mon 2026-06-15; a Hunan-wide 2027 file
    write(tmp_path, "431000-2026.yaml", "published: true\nsource: fixture\nholidays: [2026-06-15]\n")
    write(tmp_path, "430000-2027.yaml", "published: true\nsource: fixture\nholidays: [2027-01-01]\n")
    chenzhou = WorkCalendar("431000", calendars_dir=tmp_path)
    county = WorkCalendar("431002", calendars_dir=tmp_path)  # inherits province and prefecture files
    weifang = WorkCalendar("370700", calendars_dir=tmp_path)
    for c in (chenzhou, county):
        assert not c.is_working_day(date(2026, 6, 15))
        assert not c.is_working_day(date(2026, 6, 19))  # 端午 still from chinese-calendar
        # accepted Fri 06-12: Mon 06-15 local rest day, Tue 06-16 → 1
        assert c.add_working_days(date(2026, 6, 12), 1) == Deadline(date(2026, 6, 16), False)
        assert c.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 5), False)
    assert weifang.is_working_day(date(2026, 6, 15))
    assert weifang.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 4), True)


def test_calendar_days_unit(cal):
    # Mon 2026-03-02 + 30 calendar days = Wed 2026-04-01, a working day
    assert cal.deadline_for(date(2026, 3, 2), 30, "calendar_days") == Deadline(date(2026, 4, 1), False)
    # Mon 2026-01-05 + 90 = Sun 2026-04-05 (清明 holiday 04-04..04-06) → next working day Tue 04-07
    #   (Jan 26 days to 01-31, +28 Feb = 54, +31 Mar = 85, +5 → 04-05)
    assert cal.add_calendar_days(date(2026, 1, 5), 90) == Deadline(date(2026, 4, 7), False)
    assert cal.add_calendar_days(date(2026, 1, 5), 90, roll_forward=False) == Deadline(date(2026, 4, 5), False)
    # Mon 2026-09-28 + 5 = Sat 10-03 inside National Day → Thu 10-08
    assert cal.add_calendar_days(date(2026, 9, 28), 5) == Deadline(date(2026, 10, 8), False)
    # ending in 2027 (no calendar): Sat 2027-01-02 rolls to Mon 2027-01-04, provisional
    assert cal.add_calendar_days(date(2026, 12, 3), 30) == Deadline(date(2027, 1, 4), True)


def test_immediate_and_bad_input(cal):
    assert cal.deadline_for(date(2026, 10, 3), 0, "immediate") == Deadline(date(2026, 10, 3), False)
    with pytest.raises(ValueError, match="unknown time-limit unit"):
        cal.deadline_for(date(2026, 1, 5), 5, "fortnights")
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        WorkCalendar("4310")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("published: true\nholidays: [2027-01-01]\n", "must name its source"),
        ("published: yes please\n", "'published' must be true or false"),
        ("published: false\nholidays: [2026-12-31]\n", "outside 2027"),
        ("published: false\nmakeup_workdays: [2027-01-04]\n", "not weekends"),
        ("published: false\nholidays: [2027-01-02]\nmakeup_workdays: [2027-01-02]\n", "both"),
        ("published: false\nholiday: [2027-01-01]\n", "unknown keys"),
        ("published: false\nholidays: [2027-13-01]\n", "expected a date"),
    ],
)
def test_a_malformed_file_fails_when_the_calendar_is_built(tmp_path: Path, text: str, message: str):
    write(tmp_path, "national-2027.yaml", text)
    with pytest.raises(CalendarFileError, match=message):
        WorkCalendar(calendars_dir=tmp_path)


def test_the_shipped_calendar_files_load_and_2027_is_still_a_draft():
    cal = WorkCalendar(calendars_dir=REPO_CALENDARS)
    assert cal.is_provisional(date(2027, 1, 4))
    assert get_calendar("431000").add_working_days(date(2026, 9, 28), 5) == Deadline(date(2026, 10, 10), False)
    # a calendars directory that does not exist: no files, never an error
    missing = WorkCalendar(calendars_dir=REPO_CALENDARS / "does-not-exist")
    assert missing.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 4), True)
