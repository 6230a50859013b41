"""The case kit's errors (problem+json with stable codes and Chinese titles)."""

from medins.errors import Forbidden, NotFound, ProblemError


class CaseNotFound(NotFound):
    code = "case_not_found"
    title = "办件不存在"


class NotYourCase(Forbidden):
    code = "not_your_case"
    title = "无权查看或办理此办件"


class UnknownMaterial(ProblemError):
    status = 422
    code = "unknown_material"
    title = "提交的材料不在该事项的材料清单中"


class UnknownSituation(ProblemError):
    status = 422
    code = "unknown_situation"
    title = "该事项没有此类申请情形"


class ReasonRequired(ProblemError):
    status = 422
    code = "reason_required"
    title = "此操作必须填写原因"


class ExtensionNotAllowed(ProblemError):
    status = 422
    code = "extension_not_allowed"
    title = "不能延长办理时限"


class AlreadyEvaluated(ProblemError):
    status = 409
    code = "already_evaluated"
    title = "该办件已评价"


class NotEvaluable(ProblemError):
    status = 409
    code = "case_not_completed"
    title = "办件办结后才能评价"


class ClockNotRunning(ProblemError):
    status = 409
    code = "clock_not_running"
    title = "办件时限未在计时"
