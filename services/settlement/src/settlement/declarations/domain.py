"""Rules of monthly declarations (月度费用申报), no I/O."""

from enum import StrEnum

#: 申报期: one natural month, written YYYY-MM
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class DeclarationStatus(StrEnum):
    """Where a declaration stands in the monthly settlement."""

    submitted = "submitted"  # 已申报
    reconciled = "reconciled"  # 已对账 (对总账/对明细账)
    reviewed = "reviewed"  # 已审核 (审核扣款)
    disbursed = "disbursed"  # 已拨付
    re_review = "re_review"  # 复审中
