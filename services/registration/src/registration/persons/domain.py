"""Rules of an enrolment (参保登记) in one scheme, no I/O: its states and the moves between them.

An enrolment is a person's relation to one scheme (险种, ``insutype`` 310 职工 / 390 城乡居民). Its status
(参保状态) is 正常参保 ``enrolled``, 暂停参保 ``suspended`` (暂停缴费, 中断) or 终止参保 ``terminated``;
beside it the personnel type (人员类型) is 在职 ``in_service`` or 退休 ``retired``::

    (none) ──新增──► enrolled ──暂停缴费──► suspended ──恢复──► enrolled
    enrolled | suspended ──终止参保──► terminated ──新增 (重新参保)──► enrolled
    enrolled (在职) ──在职转退休──► enrolled (退休)

A suspended person taken on by a unit (新增) is enrolled again at that unit; a retiree stays enrolled until
death (终止参保).
"""

from dataclasses import dataclass
from enum import StrEnum

from medins.errors import ProblemError

EMPLOYEE_MEDICAL = "310"  # 职工基本医疗保险
RESIDENT_MEDICAL = "390"  # 城乡居民基本医疗保险


class EnrolmentStatus(StrEnum):
    enrolled = "enrolled"  # 正常参保（有效）
    suspended = "suspended"  # 暂停参保（暂停缴费）
    terminated = "terminated"  # 终止参保


class PersonnelType(StrEnum):
    """人员类型 on 样表3 / 样表10."""

    in_service = "in_service"  # 在职
    retired = "retired"  # 退休


class EnrolmentAction(StrEnum):
    enrol = "enrol"  # 新增（增加）
    suspend = "suspend"  # 暂停缴费（中断）
    terminate = "terminate"  # 终止参保
    resume = "resume"  # 恢复
    retire = "retire"  # 在职转退休


class TerminationReason(StrEnum):
    """Why an enrolment ends (终止参保): 样表3 names death; the guides name 出国定居 and 转移 (流动就业)."""

    death = "death"  # 死亡
    emigration = "emigration"  # 出国（境）定居
    transfer_out = "transfer_out"  # 转出统筹区（流动就业）
    other = "other"  # 其他


STATUS_ZH = {
    EnrolmentStatus.enrolled: "正常参保",
    EnrolmentStatus.suspended: "暂停参保",
    EnrolmentStatus.terminated: "终止参保",
}
PERSONNEL_ZH = {PersonnelType.in_service: "在职", PersonnelType.retired: "退休"}
TERMINATION_ZH = {
    TerminationReason.death: "死亡",
    TerminationReason.emigration: "出国（境）定居",
    TerminationReason.transfer_out: "转出统筹区",
    TerminationReason.other: "其他",
}


class PersonAlreadyEnrolled(ProblemError):
    status = 409
    code = "person_already_enrolled"
    title = "该人员已参加此险种"


class PersonNotEnrolled(ProblemError):
    status = 422
    code = "person_not_enrolled"
    title = "该人员未参加此险种"


class EnrolmentNotSuspended(ProblemError):
    status = 409
    code = "enrolment_not_suspended"
    title = "该人员未暂停参保，不能办理恢复"


class EnrolmentNotActive(ProblemError):
    status = 409
    code = "enrolment_not_active"
    title = "该人员当前参保状态不允许此业务"


class AlreadyRetired(ProblemError):
    status = 409
    code = "already_retired"
    title = "该人员已办理在职转退休"


class PersonAlreadyDeceased(ProblemError):
    status = 409
    code = "person_deceased"
    title = "该人员已登记死亡"


@dataclass(frozen=True)
class EnrolmentState:
    status: EnrolmentStatus
    personnel_type: PersonnelType


def next_state(current: EnrolmentState | None, action: EnrolmentAction, *, who: str = "该人员") -> EnrolmentState:
    """The state after ``action``; an illegal move raises a problem naming ``who`` (e.g. 姓名) in Chinese."""
    A, S = EnrolmentAction, EnrolmentStatus
    if action is A.enrol:
        if current is not None and current.status is S.enrolled:
            raise PersonAlreadyEnrolled(f"{who}已正常参保，不能重复登记")
        # a new enrolment, a suspended person taken on again, or a terminated one enrolling anew: 在职
        return EnrolmentState(S.enrolled, PersonnelType.in_service)
    if current is None:
        raise PersonNotEnrolled(f"{who}未参加该险种，不能办理{ACTION_ZH[action]}")
    if action is A.resume:
        if current.status is S.terminated:
            raise EnrolmentNotSuspended(f"{who}已终止参保，不能恢复，请重新办理参保登记")
        if current.status is not S.suspended:
            raise EnrolmentNotSuspended(f"{who}未暂停参保（当前为{STATUS_ZH[current.status]}），不能办理恢复")
        return EnrolmentState(S.enrolled, current.personnel_type)
    if current.status is S.terminated:
        raise EnrolmentNotActive(f"{who}已终止参保，不能办理{ACTION_ZH[action]}")
    if action is A.suspend:
        if current.status is S.suspended:
            raise EnrolmentNotActive(f"{who}已暂停参保，不能重复办理暂停")
        return EnrolmentState(S.suspended, current.personnel_type)
    if action is A.terminate:
        return EnrolmentState(S.terminated, current.personnel_type)
    # retire
    if current.personnel_type is PersonnelType.retired:
        raise AlreadyRetired(f"{who}已办理在职转退休")
    if current.status is not S.enrolled:
        raise EnrolmentNotActive(f"{who}当前为{STATUS_ZH[current.status]}，须正常参保才能办理在职转退休")
    return EnrolmentState(S.enrolled, PersonnelType.retired)


ACTION_ZH = {
    EnrolmentAction.enrol: "参保登记",
    EnrolmentAction.suspend: "暂停缴费",
    EnrolmentAction.terminate: "终止参保",
    EnrolmentAction.resume: "恢复参保",
    EnrolmentAction.retire: "在职转退休",
}


class RetirementMonthsMismatch(ProblemError):
    status = 422
    code = "retirement_months_mismatch"
    title = "缴费年限（月数）不一致"


def cumulative_months(deemed: int, actual: int, cumulative: int | None, *, who: str = "该人员") -> int:
    """累计缴费年限（月数） of 样表4: the seed gives no formula; the project takes 视同 + 实际 and refuses a
    form whose 累计 says otherwise (a typing error on the form would otherwise decide the benefits)."""
    total = deemed + actual
    if cumulative is not None and cumulative != total:
        raise RetirementMonthsMismatch(
            f"{who}的累计缴费年限（{cumulative}个月）应等于视同缴费年限（{deemed}个月）与实际缴费年限（{actual}个月）之和"
        )
    return total
