"""Pure rules of a case (办件): states, transitions, progress labels, grades, case numbers. No I/O.

申请 submitted → 受理 accepted | 不予受理 not_accepted | 补正 incomplete (one-time notice; the applicant
resubmits) → 审核 in_review (→ 复核 in_second_review) → 拨付 in_payment where money moves → 办结 completed
→ 评价 evaluated; withdrawn by the applicant while the case is open.
"""

from datetime import date
from enum import StrEnum

from medins.errors import ProblemError


class CaseStatus(StrEnum):
    submitted = "submitted"  # 已申请，待受理
    incomplete = "incomplete"  # 材料不全，待补正
    not_accepted = "not_accepted"  # 不予受理
    accepted = "accepted"  # 已受理
    in_review = "in_review"  # 审核中
    in_second_review = "in_second_review"  # 复核中
    in_payment = "in_payment"  # 待拨付
    completed = "completed"  # 已办结
    evaluated = "evaluated"  # 已评价
    withdrawn = "withdrawn"  # 已撤回


class CaseAction(StrEnum):
    accept = "accept"  # 受理
    refuse = "refuse"  # 不予受理
    request_materials = "request_materials"  # 一次性告知补正
    resubmit = "resubmit"  # 补正后重新提交
    start_review = "start_review"  # 审核
    approve = "approve"  # 审核通过
    second_approve = "second_approve"  # 复核通过
    reject = "reject"  # 审核不通过（办结，结果为不予办理）
    pay = "pay"  # 拨付
    complete = "complete"  # 办结
    evaluate = "evaluate"  # 评价
    withdraw = "withdraw"  # 撤回


S, A = CaseStatus, CaseAction
OPEN = frozenset({S.submitted, S.incomplete, S.accepted, S.in_review, S.in_second_review, S.in_payment})
#: statuses whose deadline clock is running (it starts at acceptance, ruling 2)
CLOCK_RUNNING = frozenset({S.accepted, S.in_review, S.in_second_review, S.in_payment})

_TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (S.submitted, A.accept): S.accepted,
    (S.submitted, A.refuse): S.not_accepted,
    (S.submitted, A.request_materials): S.incomplete,
    (S.incomplete, A.resubmit): S.submitted,
    (S.accepted, A.start_review): S.in_review,
    (S.accepted, A.complete): S.completed,
    (S.accepted, A.reject): S.completed,
    (S.in_review, A.reject): S.completed,
    (S.in_second_review, A.reject): S.completed,
    (S.in_payment, A.pay): S.completed,
    (S.completed, A.evaluate): S.evaluated,
    **{(status, A.withdraw): S.withdrawn for status in (S.submitted, S.incomplete, S.accepted, S.in_review)},
}

STATUS_ZH = {
    S.submitted: "已申请",
    S.incomplete: "待补正",
    S.not_accepted: "不予受理",
    S.accepted: "已受理",
    S.in_review: "审核中",
    S.in_second_review: "复核中",
    S.in_payment: "待拨付",
    S.completed: "已办结",
    S.evaluated: "已办结",
    S.withdrawn: "已撤回",
}
ACTION_ZH = {
    A.accept: "受理",
    A.refuse: "不予受理",
    A.request_materials: "一次性告知补正",
    A.resubmit: "补正材料",
    A.start_review: "审核",
    A.approve: "审核通过",
    A.second_approve: "复核通过",
    A.reject: "审核不通过",
    A.pay: "拨付",
    A.complete: "办结",
    A.evaluate: "评价",
    A.withdraw: "撤回",
}


class IllegalTransition(ProblemError):
    status = 409
    code = "illegal_transition"
    title = "当前办件状态不允许此操作"


def next_status(
    current: CaseStatus,
    action: CaseAction,
    *,
    second_review: bool = False,
    payment: bool = False,
    immediate: bool = False,
) -> CaseStatus:
    """The state after ``action``; approval routes through second review and payment where the item has them.
    An item with either is completed only through them, unless it is 即时办结 (paid at the window)."""
    if action is A.approve and current is S.in_review:
        return S.in_second_review if second_review else (S.in_payment if payment else S.completed)
    if action is A.second_approve and current is S.in_second_review:
        return S.in_payment if payment else S.completed
    if action is A.complete and current is S.accepted and (second_review or (payment and not immediate)):
        stages = "、".join(name for name, has in (("审核", True), ("复核", second_review), ("拨付", payment)) if has)
        raise IllegalTransition(f"该事项须经{stages}后办结，不能从「已受理」直接办结")
    target = _TRANSITIONS.get((current, action))
    if target is None:
        raise IllegalTransition(f"办件当前为「{STATUS_ZH[current]}」，不能执行「{ACTION_ZH[action]}」")
    return target


def progress_label(status: CaseStatus) -> str:
    """What the applicant sees: 已受理 / 办理中 / 已办结 (and the states before and beside them)."""
    if status in (S.in_review, S.in_second_review, S.in_payment):
        return "办理中"
    return STATUS_ZH[status]


class Grade(StrEnum):
    """好差评 grades; the last two are bad reviews (差评) that open a follow-up."""

    very_satisfied = "非常满意"
    satisfied = "满意"
    basically_satisfied = "基本满意"
    dissatisfied = "不满意"
    very_dissatisfied = "非常不满意"

    @property
    def is_bad(self) -> bool:
        return self in (Grade.dissatisfied, Grade.very_dissatisfied)


SERVICE_CODES = {
    "registration": "REG",
    "transfer": "TRF",
    "claims": "CLM",
    "maternity": "MAT",
    "institutions": "INS",
    "settlement": "STL",
}
CODE_SERVICES = {code: service for service, code in SERVICE_CODES.items()}


def case_number(service: str, region: str, day: date, sequence: int) -> str:
    """A readable case number that names its service: ``REG-431000-20261123-000042``."""
    return f"{SERVICE_CODES[service]}-{region}-{day:%Y%m%d}-{sequence:06d}"


def service_of_case_number(case_no: str) -> str | None:
    """The owning service of a case number (the gateway routes by it), or None if it is not one."""
    parts = case_no.split("-")
    if len(parts) != 4 or not (len(parts[1]) == 6 and parts[1].isdigit()):
        return None
    return CODE_SERVICES.get(parts[0])
