"""The tax bureau's monthly contribution file (税务征收缴费明细): its columns and the rules of one row, no I/O.

One row is one person's contribution for one month under one insurance type. The header names the
columns (English or Chinese, any order, other columns such as 姓名 or 序号 are ignored):

| column | 中文表头 | rule |
|---|---|---|
| ``certno`` | 身份证号 | 18 characters, GB 11643 check digit |
| ``insutype`` | 险种类型 | 310 职工基本医疗保险, 390 城乡居民基本医疗保险, 510 生育保险 |
| ``month`` | 费款所属期 | ``YYYY-MM`` or ``YYYYMM``, from 1990-01, not after the batch's period |
| ``contribution_base`` | 缴费基数 | amount > 0 for 310 and 510; may be empty for 390 |
| ``employer_amount`` | 单位缴费金额 | amount >= 0 |
| ``person_amount`` | 个人缴费金额 | amount >= 0; with ``employer_amount`` more than 0 in total |
| ``employer_uscc`` | 统一社会信用代码 | optional; GB 32100 check character when given |
| ``paid_on`` | 缴费日期 | optional; ``YYYY-MM-DD`` or ``YYYYMMDD``, not in the future |

Amounts are decimal yuan with at most two places and at most 12 integer digits (NUMERIC(14,2)).
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from stdnum import numdb

from medins.ids import mask_certno, validate_uscc
from registration.contributions.domain import EARLIEST_MONTH, InsuType, parse_month


@dataclass(frozen=True)
class Column:
    name: str
    label: str  # the Chinese name used in reasons
    aliases: tuple[str, ...]
    required: bool = True


COLUMNS = (
    Column("certno", "身份证号", ("身份证号", "身份证号码", "公民身份号码", "社会保障号码")),
    Column("insutype", "险种类型", ("险种类型", "险种", "险种编码")),
    Column("month", "费款所属期", ("费款所属期", "缴费月份", "所属期")),
    Column("contribution_base", "缴费基数", ("缴费基数",)),
    Column("employer_amount", "单位缴费金额", ("单位缴费金额", "单位缴费")),
    Column("person_amount", "个人缴费金额", ("个人缴费金额", "个人缴费")),
    Column("employer_uscc", "统一社会信用代码", ("统一社会信用代码", "单位统一社会信用代码"), required=False),
    Column("paid_on", "缴费日期", ("缴费日期", "到账日期"), required=False),
)
LABELS = {c.name: c.label for c in COLUMNS}
_BY_HEADER = {alias: c.name for c in COLUMNS for alias in (c.name, *c.aliases)}


class HeaderProblem(ValueError):
    """The header line is not that of a contribution file."""


def read_header(fields: list[str]) -> dict[str, int]:
    """Column name → position, from the header line; other columns are ignored."""
    positions: dict[str, int] = {}
    for position, raw in enumerate(fields):
        name = _BY_HEADER.get(raw.strip().lstrip("\ufeff").lower()) or _BY_HEADER.get(raw.strip())
        if name is None:
            continue
        if name in positions:
            raise HeaderProblem(f"表头中“{LABELS[name]}”（{name}）出现了两次")
        positions[name] = position
    missing = [c for c in COLUMNS if c.required and c.name not in positions]
    if missing:
        names = "、".join(f"{c.label}（{c.name}）" for c in missing)
        raise HeaderProblem(f"表头缺少以下列：{names}")
    return positions


class ContributionRow(NamedTuple):
    """A good row, in the column order of the staging table.

    Amounts stay the decimal text that was checked (digits, at most two places: exact, never a float); the
    database reads them into NUMERIC(14,2). Building a ``Decimal`` per amount and encoding it for COPY would
    cost more than all the checks of a row together."""

    line: int
    certno: str
    insutype: str
    month: date
    contribution_base: str | None
    employer_amount: str
    person_amount: str
    employer_uscc: str | None
    paid_on: date | None


class RowRejection(NamedTuple):
    """A bad row: its line, a stable code, the first bad column, the reasons in Chinese, the value shown."""

    line: int
    code: str
    field: str | None
    reason: str
    value: str | None


_CHECK_CHARACTERS = "0123456789X"


@lru_cache(maxsize=1)
def _provinces() -> frozenset[str]:
    """The two-digit province codes GB/T 2260 knows (as python-stdnum's table does)."""
    table = numdb.get("cn/loc")
    return frozenset(
        f"{n:02d}" for n in range(10, 100) if any("province" in props for _, props in table.info(f"{n:02d}0000"))
    )


_PROVINCES: frozenset[str] = frozenset()


def _load_provinces() -> frozenset[str]:
    global _PROVINCES
    _PROVINCES = _provinces()
    return _PROVINCES


_BIRTH_DATES: set[str] = set()  # the valid 8-digit birth dates seen (at most some 70,000)


def check_certno(value: str) -> str | None:
    """The 身份证号 in canonical form, or None. The rules of ``medins.ids.validate_certno`` (length, digits,
    GB 11643 check digit, a real birth date, a known province), fast enough for files of a million rows."""
    return _canonical_certno(value.strip().upper())


def _canonical_certno(number: str) -> str | None:
    """``check_certno`` of a value without surrounding blanks and with a capital X, if any."""
    if len(number) != 18 or not number[:17].isdigit() or not number.isascii():
        return None
    # weights 2^(17-i) mod 11 are 13^(17-i) mod 11: reading the digits in base 13 sums them (python-stdnum's trick)
    if _CHECK_CHARACTERS[(1 - 2 * int(number[:17], 13)) % 11] != number[17]:
        return None
    if number[:2] not in (_PROVINCES or _load_provinces()):
        return None
    birth = number[6:14]
    if birth not in _BIRTH_DATES:
        try:
            date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
        except ValueError:
            return None
        _BIRTH_DATES.add(birth)
    return number


_AMOUNT = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,2})?$")
_AMOUNT_MATCH = _AMOUNT.match
_SIGNED = re.compile(r"^-[0-9]+(?:\.[0-9]+)?$")
_DAY = re.compile(r"^([12][0-9]{3})-?([01][0-9])-?([0-3][0-9])$")
INSUTYPES = frozenset(t.value for t in InsuType)
#: insurance types whose contributions are a share of a wage base (职工医保, 生育保险)
NEEDS_BASE = frozenset({InsuType.employee_medical.value, InsuType.maternity.value})


def is_zero(amount: str) -> bool:
    """Whether a checked amount (digits and at most one point) is zero: it has no other digit than 0."""
    return not amount.strip("0.")


def amount_problem(text: str, label: str) -> str | None:
    if not text:
        return f"{label}不能为空"
    if _AMOUNT.match(text):
        return None
    if _SIGNED.match(text):
        return f"{label}不能为负数"
    return f"{label}格式不正确（应为最多两位小数的元金额，不超过12位整数）"


@lru_cache(maxsize=65_536)
def _uscc(value: str) -> str | None:
    try:
        return validate_uscc(value)
    except ValueError:
        return None


class RowParser:
    """Checks the rows of one file against the batch's period (费款所属期 of the batch) and today."""

    def __init__(self, positions: dict[str, int], *, period: date, today: date) -> None:
        self.positions = positions
        self.width = max(positions.values()) + 1
        self.period = period
        self.today = today
        self._months: dict[str, date] = {}  # the few valid months of a file, parsed once
        self._days: dict[str, date] = {}
        self._certno_at = positions["certno"]
        self._insutype_at = positions["insutype"]
        self._month_at = positions["month"]
        self._base_at = positions["contribution_base"]
        self._employer_at = positions["employer_amount"]
        self._person_at = positions["person_amount"]
        self._uscc_at = positions.get("employer_uscc")
        self._paid_on_at = positions.get("paid_on")

    def _month(self, text: str) -> date | str:
        month = self._months.get(text)
        if month is not None:
            return month
        parsed = parse_month(text)
        if parsed is None:
            return "费款所属期格式不正确（应为YYYY-MM或YYYYMM）"
        if parsed < EARLIEST_MONTH:
            return "费款所属期早于1990年1月"
        if parsed > self.period:
            return f"费款所属期晚于本批次所属期 {self.period:%Y-%m}"
        self._months[text] = parsed
        return parsed

    def _day(self, text: str) -> date | str:
        day = self._days.get(text)
        if day is not None:
            return day
        found = _DAY.match(text)
        try:
            if found is None:
                raise ValueError(text)
            parsed = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return "缴费日期格式不正确（应为YYYY-MM-DD）"
        if parsed > self.today:
            return "缴费日期不能晚于今天"
        self._days[text] = parsed
        return parsed

    def parse(self, line: int, fields: list[str]) -> ContributionRow | RowRejection:
        """The row, or why it is refused (every problem of the row, the first one's code and column)."""
        return self._good(line, fields) or self._diagnose(line, fields)

    def stage(self, line: int, fields: list[str]) -> tuple[Any, ...]:
        """The row as a staging record (``upload.STAGING_COLUMNS``): a good row's values and no problem, or
        a bad row's line and reasons. ``fields`` carry no surrounding blanks (the upload strips a line's
        fields when it has any). The common case, a good row, is checked straight through, the rules of
        ``_good`` without its stripping (a million times a file); any other row goes to ``parse``."""
        if len(fields) >= self.width:
            raw_certno = fields[self._certno_at]
            certno = _canonical_certno(raw_certno if raw_certno[-1:] != "x" else raw_certno.upper())
            insutype = fields[self._insutype_at]
            month = self._months.get(fields[self._month_at])
            employer_amount = fields[self._employer_at]
            person_amount = fields[self._person_at]
            base: str | None = fields[self._base_at]
            if (
                certno is not None
                and insutype in INSUTYPES
                and month is not None
                and _AMOUNT_MATCH(employer_amount)
                and _AMOUNT_MATCH(person_amount)
                and (employer_amount.strip("0.") or person_amount.strip("0."))
                and (
                    (base and _AMOUNT_MATCH(base) and (insutype not in NEEDS_BASE or base.strip("0.")))
                    or (not base and insutype not in NEEDS_BASE)
                )
            ):
                raw_uscc = fields[self._uscc_at] if self._uscc_at is not None else ""
                uscc = _uscc(raw_uscc) if raw_uscc else None
                raw_day = fields[self._paid_on_at] if self._paid_on_at is not None else ""
                paid_on = self._days.get(raw_day) if raw_day else None
                if (uscc is not None or not raw_uscc) and (paid_on is not None or not raw_day):
                    return (line, certno, insutype, month, base or None, employer_amount, person_amount, uscc,
                            paid_on, None, None, None, None)  # fmt: skip
        row = self.parse(line, fields)
        if type(row) is ContributionRow:
            return (*row, None, None, None, None)
        return (row.line, None, None, None, None, None, None, None, None, *row[1:])

    def _good(self, line: int, fields: list[str]) -> ContributionRow | None:
        """The common case, checked straight through (a million times a file): a good row, or None to look
        closer. ``_diagnose`` applies the same rules and says what is wrong."""
        if len(fields) < self.width:
            return None
        certno = check_certno(fields[self._certno_at])
        insutype = fields[self._insutype_at].strip()
        month = self._months.get(fields[self._month_at].strip())
        if certno is None or insutype not in INSUTYPES or month is None:
            return None
        employer_amount = fields[self._employer_at].strip()
        person_amount = fields[self._person_at].strip()
        if not (_AMOUNT.match(employer_amount) and _AMOUNT.match(person_amount)):
            return None
        if is_zero(employer_amount) and is_zero(person_amount):
            return None
        base: str | None = fields[self._base_at].strip()
        if base:
            if not _AMOUNT.match(base) or (insutype in NEEDS_BASE and is_zero(base)):
                return None
        elif insutype in NEEDS_BASE:
            return None
        else:
            base = None
        uscc = None
        if self._uscc_at is not None and (raw_uscc := fields[self._uscc_at].strip()):
            uscc = _uscc(raw_uscc)
            if uscc is None:
                return None
        paid_on = None
        if self._paid_on_at is not None and (raw_day := fields[self._paid_on_at].strip()):
            paid_on = self._days.get(raw_day)
            if paid_on is None:
                return None
        return ContributionRow(line, certno, insutype, month, base, employer_amount, person_amount, uscc, paid_on)

    def _diagnose(self, line: int, fields: list[str]) -> ContributionRow | RowRejection:
        if len(fields) < self.width:
            reason = f"列数不足：应至少有 {self.width} 列，实有 {len(fields)} 列"
            return RowRejection(line, "column_count", None, reason, None)
        problems: list[tuple[str, str, str, str | None]] = []  # code, field, reason, value shown

        raw_certno = fields[self._certno_at].strip()
        certno = check_certno(raw_certno)
        if certno is None:
            reason = "身份证号不正确（长度、出生日期、地区或校验码错误）"
            problems.append(("certno_invalid", "certno", reason, mask_certno(raw_certno)))
        insutype = fields[self._insutype_at].strip()
        if insutype not in INSUTYPES:
            reason = "险种类型应为 310（职工基本医疗保险）、390（城乡居民基本医疗保险）或 510（生育保险）"
            problems.append(("insutype_invalid", "insutype", reason, insutype))
        raw_month = fields[self._month_at].strip()
        month = self._month(raw_month)
        if isinstance(month, str):
            problems.append(("month_invalid", "month", month, raw_month))
        amounts: dict[str, str | None] = {}
        for name, at in (
            ("contribution_base", self._base_at),
            ("employer_amount", self._employer_at),
            ("person_amount", self._person_at),
        ):
            text = fields[at].strip()
            if name == "contribution_base" and not text and insutype not in NEEDS_BASE:
                amounts[name] = None
                continue
            problem = amount_problem(text, LABELS[name])
            if problem is None:
                amounts[name] = text
            else:
                problems.append(("amount_invalid", name, problem, text))
        base = amounts.get("contribution_base")
        if base is not None and is_zero(base) and insutype in NEEDS_BASE:
            problems.append(("amount_invalid", "contribution_base", "职工医保和生育保险的缴费基数必须大于0", base))
        employer_amount, person_amount = amounts.get("employer_amount"), amounts.get("person_amount")
        if (
            employer_amount is not None
            and person_amount is not None
            and is_zero(employer_amount)
            and is_zero(person_amount)
        ):
            problems.append(("amount_zero", "employer_amount", "单位和个人缴费金额合计必须大于0", employer_amount))
        uscc = None
        if self._uscc_at is not None and (raw_uscc := fields[self._uscc_at].strip()):
            uscc = _uscc(raw_uscc)
            if uscc is None:
                reason = "统一社会信用代码不正确（长度、字符或校验码错误）"
                problems.append(("uscc_invalid", "employer_uscc", reason, raw_uscc))
        paid_on = None
        if self._paid_on_at is not None and (raw_day := fields[self._paid_on_at].strip()):
            day = self._day(raw_day)
            if isinstance(day, str):
                problems.append(("paid_on_invalid", "paid_on", day, raw_day))
            else:
                paid_on = day

        if problems:
            code, field, _, value = problems[0]
            return RowRejection(line, code, field, "；".join(p[2] for p in problems), value[:40] if value else value)
        assert certno is not None and not isinstance(month, str)
        assert employer_amount is not None and person_amount is not None
        return ContributionRow(line, certno, insutype, month, base, employer_amount, person_amount, uscc, paid_on)
