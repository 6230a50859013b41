"""The working-day calendar (工作日历) every case clock counts on (spec ruling 3, ARCHITECTURE section 9).

Where a date's status comes from, in order:

1. ``chinese-calendar`` for the years it covers (2004–2026 in version 1.11): statutory holidays
   (法定节假日) and make-up working days (调休上班). It raises ``NotImplementedError`` for other
   years; that is caught once per year and never reaches a caller.
2. Otherwise a published national calendar file ``<calendars_dir>/national-<year>.yaml``.
3. Otherwise Monday to Friday, and every deadline that relied on such a day is marked
   ``provisional`` ("where neither covers a date, count Monday to Friday and mark the deadline
   provisional. Never fail a request because a year is missing." — ruling 3).

On top of the base, a region may publish override files ``<admdvs>-<year>.yaml`` for its province
(``XX0000``), its prefecture (``XXXX00``) and itself, applied in that order: a date in a region
file's ``holidays`` is a day off, a date in its ``makeup_workdays`` is a working day, every other
date keeps the base's answer. A published region file makes its year final (not provisional) for
that region. Files with ``published: false`` are validated but never used for counting.

File format (see ``catalog/calendars/README.md``)::

    published: true              # required; false = draft, ignored for counting
    source: "国务院办公厅关于2027年部分节假日安排的通知"   # required when published
    holidays: [2027-01-01, ...]           # days off that would otherwise be working days or weekends
    makeup_workdays: [2027-02-20, ...]    # weekend days that are working days (调休上班)

Files are read once, when a ``WorkCalendar`` is constructed (a malformed file fails there, at
start-up, not in a request); each year's table is built once on first use and cached, so the
hot path does no I/O.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

NATIONAL = "000000"

#: default location of the calendar files: ``catalog/calendars`` at the repository root,
#: or ``$MEDINS_CALENDARS_DIR`` where the package is installed outside the repository
DEFAULT_CALENDARS_DIR = Path(__file__).resolve().parents[2] / "catalog" / "calendars"

UNITS = ("working_days", "calendar_days", "immediate")
#: spellings of the units found in the catalogue sources (``items.csv`` writes ``WD``)
_UNIT_ALIASES = {"WD": "working_days", "wd": "working_days"}

_FILE_NAME = re.compile(r"^(national|\d{6})-(\d{4})\.yaml$")
_ADMDVS = re.compile(r"^\d{6}$")


class CalendarFileError(ValueError):
    """A calendar file under ``catalog/calendars`` is malformed (raised when the calendar is built)."""


@dataclass(frozen=True)
class Deadline:
    """A computed due date. ``provisional`` is true when the computation relied on a day of a year
    no published calendar covers (counted Monday to Friday): recompute it once the year is published."""

    date: dt.date
    provisional: bool


@dataclass(frozen=True)
class CalendarFile:
    """One parsed ``national-<year>.yaml`` or ``<admdvs>-<year>.yaml``."""

    path: Path
    region: str  # "national" or an admdvs code
    year: int
    published: bool
    source: str
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]


@dataclass(frozen=True)
class _Year:
    """One year's table: ``working[i]`` is 1 when day ``i`` (0 = 1 January) is a working day;
    ``cum[i]`` is the number of working days among days ``0 .. i-1`` (so ``cum[-1]`` is the total)."""

    working: bytes
    cum: tuple[int, ...]
    provisional: bool
    source: str

    @property
    def total(self) -> int:
        return self.cum[-1]


def _as_date(value: Any, path: Path, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise CalendarFileError(f"{path.name}: {key} holds a date-time {value!r}, expected a date")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarFileError(f"{path.name}: {key} holds {value!r}, expected a date YYYY-MM-DD")


def load_calendar_file(path: Path) -> CalendarFile:
    """Parse and validate one calendar file; raises ``CalendarFileError`` with the file name."""
    match = _FILE_NAME.match(path.name)
    if not match:
        raise CalendarFileError(f"{path.name}: name must be national-<year>.yaml or <admdvs>-<year>.yaml")
    region, year = match.group(1), int(match.group(2))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"{path.name}: not valid YAML: {exc}") from exc
    except ValueError as exc:  # PyYAML builds dates itself: 2027-13-01 fails inside the parser
        raise CalendarFileError(f"{path.name}: expected a date YYYY-MM-DD: {exc}") from exc
    if not isinstance(data, dict):
        raise CalendarFileError(f"{path.name}: expected a mapping at the top level")
    unknown = set(data) - {"year", "region", "published", "source", "holidays", "makeup_workdays"}
    if unknown:
        raise CalendarFileError(f"{path.name}: unknown keys {sorted(unknown)}")
    if "year" in data and data["year"] != year:
        raise CalendarFileError(f"{path.name}: year {data['year']!r} does not match the file name")
    if "region" in data and str(data["region"]) != region:
        raise CalendarFileError(f"{path.name}: region {data['region']!r} does not match the file name")
    published = data.get("published")
    if not isinstance(published, bool):
        raise CalendarFileError(f"{path.name}: 'published' must be true or false")
    source = data.get("source") or ""
    if not isinstance(source, str):
        raise CalendarFileError(f"{path.name}: 'source' must be text")
    if published and not source.strip():
        raise CalendarFileError(f"{path.name}: a published calendar must name its source")

    def dates(key: str) -> frozenset[dt.date]:
        raw = data.get(key) or []
        if not isinstance(raw, list):
            raise CalendarFileError(f"{path.name}: '{key}' must be a list of dates")
        out = frozenset(_as_date(v, path, key) for v in raw)
        stray = sorted(d for d in out if d.year != year)
        if stray:
            raise CalendarFileError(f"{path.name}: '{key}' has dates outside {year}: {stray}")
        return out

    holidays, makeup = dates("holidays"), dates("makeup_workdays")
    both = sorted(holidays & makeup)
    if both:
        raise CalendarFileError(f"{path.name}: dates listed as both holiday and make-up working day: {both}")
    weekdays = sorted(d for d in makeup if d.weekday() < 5)
    if weekdays:
        # a make-up working day (调休上班) is always a Saturday or Sunday; a weekday here is a typo
        raise CalendarFileError(f"{path.name}: make-up working days that are not weekends: {weekdays}")
    return CalendarFile(path, region, year, published, source.strip(), holidays, makeup)


@functools.cache
def _chinese_calendar_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.cache
def _chinese_calendar_source() -> str:
    try:
        return f"chinese-calendar {metadata.version('chinese-calendar')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return "chinese-calendar"


def _region_chain(region: str) -> tuple[str, ...]:
    """The admdvs codes whose files apply to ``region``: province, prefecture, the region itself."""
    chain: list[str] = []
    for code in (region[:2] + "0000", region[:4] + "00", region):
        if code != NATIONAL and code not in chain:
            chain.append(code)
    return tuple(chain)


class WorkCalendar:
    """Working days for one region (admdvs code, ``"000000"`` = national only).

    Counting rule (the hall rule, with ruling 2 — "When a clock starts. At acceptance (受理) of
    complete materials. It pauses while the case waits for the applicant (补正, mailed originals)
    and resumes when they arrive."): the day of acceptance is day 0 and is never counted; a limit
    of *n* working days ends on the *n*-th working day strictly after the day of acceptance. When
    acceptance falls on a day that is not a working day (an online submission on a Saturday or
    inside a holiday), the first working day after it is day 1 — the same rule, because day 0 is
    not counted either way (as 民法典 第二百零一条: 开始的当日不计入，自下一日开始计算). This keeps
    ``working_days_between(start, add_working_days(start, n).date) == n`` for every start.
    """

    def __init__(self, region: str = NATIONAL, calendars_dir: Path | None = None) -> None:
        if not _ADMDVS.match(region):
            raise ValueError(f"region must be a 6-digit admdvs code, got {region!r}")
        self.region = region
        if calendars_dir is None:
            env = os.environ.get("MEDINS_CALENDARS_DIR")
            calendars_dir = Path(env) if env else DEFAULT_CALENDARS_DIR
        self.calendars_dir = calendars_dir
        self._national: dict[int, CalendarFile] = {}
        self._regional: dict[int, list[CalendarFile]] = {}
        chain = _region_chain(region)
        files = sorted(calendars_dir.glob("*.yaml")) if calendars_dir.is_dir() else []
        loaded: dict[str, dict[int, CalendarFile]] = {}
        for path in files:
            match = _FILE_NAME.match(path.name)
            if not match or (match.group(1) != "national" and match.group(1) not in chain):
                continue
            f = load_calendar_file(path)
            loaded.setdefault(f.region, {})[f.year] = f
        self._national = loaded.get("national", {})
        for code in chain:  # province, prefecture, region: later files win
            for year, f in loaded.get(code, {}).items():
                self._regional.setdefault(year, []).append(f)
        self._years: dict[int, _Year] = {}

    # -- per-year tables -------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build_year(year)
        return table

    def _build_year(self, year: int) -> _Year:
        first = dt.date(year, 1, 1)
        days = [first + dt.timedelta(i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
        sources: list[str] = []
        provisional = False
        national = self._national.get(year)
        if _chinese_calendar_covers(year):
            working = [chinese_calendar.is_workday(d) for d in days]
            sources.append(_chinese_calendar_source())
        elif national is not None and national.published:
            working = [d in national.makeup_workdays or (d.weekday() < 5 and d not in national.holidays) for d in days]
            sources.append(f"{national.path.name}: {national.source}")
        else:
            working = [d.weekday() < 5 for d in days]
            provisional = True
            sources.append("provisional: Monday to Friday")
        for f in self._regional.get(year, []):
            if not f.published:
                continue
            for d in f.holidays:
                working[d.toordinal() - first.toordinal()] = False
            for d in f.makeup_workdays:
                working[d.toordinal() - first.toordinal()] = True
            provisional = False
            sources.append(f"{f.path.name}: {f.source}")
        cum = [0]
        for w in working:
            cum.append(cum[-1] + w)
        return _Year(bytes(working), tuple(cum), provisional, "; ".join(sources))

    @staticmethod
    def _index(d: dt.date) -> int:
        return d.toordinal() - dt.date(d.year, 1, 1).toordinal()

    # -- queries ---------------------------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        """True on a working day: Monday to Friday except statutory holidays, plus make-up days."""
        return bool(self._year(d.year).working[self._index(d)])

    def is_provisional(self, d: dt.date) -> bool:
        """True when no published calendar covers ``d``'s year for this region (Monday to Friday used)."""
        return self._year(d.year).provisional

    def span_is_provisional(self, start: dt.date, end: dt.date) -> bool:
        """True when any day after ``start`` up to and including ``end`` is provisional."""
        if end <= start:
            return False
        first = start + dt.timedelta(1)
        return any(self._year(y).provisional for y in range(first.year, end.year + 1))

    def source_of(self, year: int) -> str:
        """Where the year's calendar comes from, for region profiles and audit notes."""
        return self._year(year).source

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``).

        Elapsed clock time of a case accepted on ``start`` is ``working_days_between(start, today)``;
        a pause (补正) from ``p0`` to ``p1`` lasts ``working_days_between(p0, p1)`` working days."""
        if end <= start:
            return 0
        s, e = self._year(start.year), self._year(end.year)
        done_at_start = s.cum[self._index(start) + 1]  # working days of start's year up to start, inclusive
        done_at_end = e.cum[self._index(end) + 1]
        if start.year == end.year:
            return done_at_end - done_at_start
        middle = sum(self._year(y).total for y in range(start.year + 1, end.year))
        return (s.total - done_at_start) + middle + done_at_end

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The *n*-th working day strictly after ``start`` (acceptance is day 0, never counted).

        Per ruling 2 the clock starts at acceptance (受理); the day of acceptance itself is day 0.
        Example (2026 National Day): accepted Mon 2026-09-28, 5 working days → Sat 2026-10-10
        (09-29, 09-30, [10-01..10-07 holiday], 10-08, 10-09, 10-10 make-up working day).
        If ``start`` is not a working day, the first working day after it is day 1.
        ``n == 0`` gives ``start`` itself. Never raises for a year without data (ruling 3)."""
        if n < 0:
            raise ValueError(f"a time limit cannot be negative: {n}")
        if n == 0:
            return Deadline(start, False)
        year, idx, remaining, provisional = start.year, self._index(start), n, False
        while True:
            table = self._year(year)
            provisional = provisional or table.provisional
            done = table.cum[idx + 1] if idx >= 0 else 0
            left_in_year = table.total - done
            if remaining <= left_in_year:
                # smallest day i with cum[i + 1] == done + remaining, i.e. the remaining-th working day
                day = bisect.bisect_left(table.cum, done + remaining) - 1
                return Deadline(dt.date(year, 1, 1) + dt.timedelta(day), provisional)
            remaining -= left_in_year
            year, idx = year + 1, -1

    def add_calendar_days(self, start: dt.date, n: int, *, roll_forward: bool = True) -> Deadline:
        """``start + n`` calendar days (自然日; acceptance is day 0).

        When that day is not a working day the deadline moves to the next working day (as 民法典
        第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日), unless
        ``roll_forward`` is false. Provisional only when that check relied on a provisional year."""
        if n < 0:
            raise ValueError(f"a time limit cannot be negative: {n}")
        end = start + dt.timedelta(n)
        if n == 0 or not roll_forward:
            return Deadline(end, False)
        provisional = self.is_provisional(end)
        while not self.is_working_day(end):
            end += dt.timedelta(1)
            provisional = provisional or self.is_provisional(end)
        return Deadline(end, provisional)

    def deadline_for(self, start: dt.date, value: int, unit: str) -> Deadline:
        """The deadline of a time limit ``value`` ``unit`` from acceptance on ``start``.

        ``unit`` is ``working_days`` (``WD`` accepted), ``calendar_days`` or ``immediate``
        (即时办结: due on the day of acceptance; ``value`` is ignored)."""
        unit = _UNIT_ALIASES.get(unit, unit)
        if unit == "working_days":
            return self.add_working_days(start, value)
        if unit == "calendar_days":
            return self.add_calendar_days(start, value)
        if unit == "immediate":
            return Deadline(start, False)
        raise ValueError(f"unknown time-limit unit {unit!r}; expected one of {', '.join(UNITS)}")


@functools.cache
def get_calendar(region: str = NATIONAL) -> WorkCalendar:
    """The shared calendar of a region from the default calendars directory, built once per process."""
    return WorkCalendar(region)
