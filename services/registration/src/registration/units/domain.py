"""Rules of unit registration (单位参保登记), no I/O."""

from enum import StrEnum

from medins.errors import ProblemError


class InsuredProduct(StrEnum):
    """参保险种 on 样表1."""

    employee_medical = "employee_medical"  # 职工基本医疗（生育）保险
    supplementary = "supplementary"  # 补充医疗保险
    other = "other"  # 其他


class UnitStatus(StrEnum):
    active = "active"  # 正常参保
    suspended = "suspended"  # 暂停
    cancelled = "cancelled"  # 注销


def unit_code(region: str, sequence: int) -> str:
    """单位编码, assigned by the agency at first registration: the region code and an 8-digit sequence."""
    return f"{region}{sequence:08d}"


class UnitAlreadyRegistered(ProblemError):
    status = 409
    code = "unit_already_registered"
    title = "该单位已办理参保登记"


class FormerUsccSameAsCurrent(ProblemError):
    status = 422
    code = "former_uscc_same_as_current"
    title = "原统一社会信用代码不能与现统一社会信用代码相同"


def check_former_uscc(uscc: str, former: str | None) -> None:
    if former is not None and former == uscc:
        raise FormerUsccSameAsCurrent()
