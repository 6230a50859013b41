"""Domain errors that become RFC 9457 problem+json with a stable code and a Chinese title."""

from typing import Any


class ProblemError(Exception):
    """An error a client can act on. ``code`` is stable; ``title`` and ``detail`` are for people."""

    status: int = 400
    code: str = "bad_request"
    title: str = "请求有误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        title: str | None = None,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        if code:
            self.code = code
        if title:
            self.title = title
        if status:
            self.status = status
        self.errors = errors or []
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://medins.example/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "资源不存在"


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "与已有数据冲突"


class Unauthenticated(ProblemError):
    status = 401
    code = "unauthenticated"
    title = "未认证或凭证无效"


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "无权执行此操作"


class UnprocessableInput(ProblemError):
    status = 422
    code = "validation_error"
    title = "请求参数不合法"
