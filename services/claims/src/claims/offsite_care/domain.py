"""Rules of off-site care filing (异地就医备案), no I/O."""

from enum import StrEnum


class OffsiteCareKind(StrEnum):
    """The five kinds of 异地就医备案."""

    resettled_retiree = "resettled_retiree"  # 异地安置退休人员
    long_term_resident = "long_term_resident"  # 异地长期居住人员
    stationed_worker = "stationed_worker"  # 常驻异地工作人员
    referral = "referral"  # 异地转诊人员
    temporary_travel = "temporary_travel"  # 其他临时外出就医人员 (含急诊)


class FilingStatus(StrEnum):
    """The case lifecycle as far as a filing goes (most filings are 即时办结)."""

    submitted = "submitted"  # 申请
    accepted = "accepted"  # 受理
    not_accepted = "not_accepted"  # 不予受理
    incomplete = "incomplete"  # 补正
    completed = "completed"  # 办结: 备案成功
    withdrawn = "withdrawn"  # 撤回
