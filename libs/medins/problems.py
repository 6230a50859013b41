"""Exception handlers: every error leaves as problem+json, never a stack trace."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from medins.errors import ProblemError

log = logging.getLogger("medins.problems")

PROBLEM_JSON = "application/problem+json"

_STATUS_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误"),
    401: ("unauthenticated", "未认证或凭证无效"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "无法提供所要求的格式"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的请求体格式"),
    429: ("too_many_requests", "请求过于频繁"),
    502: ("bad_gateway", "上游服务不可用"),
    503: ("service_unavailable", "服务暂不可用"),
    504: ("gateway_timeout", "上游服务超时"),
}


def problem_response(status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://medins.example/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


_MESSAGES_ZH = {
    "missing": "必填字段缺失",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_parsing": "应为布尔值",
    "bool_type": "应为布尔值",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_too_short": "长度不足",
    "string_too_long": "长度超出上限",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "uuid_parsing": "应为UUID",
    "uuid_type": "应为UUID",
    "too_short": "元素数量不足",
    "too_long": "元素数量超出上限",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "date_parsing": "日期格式不正确（YYYY-MM-DD）",
    "date_from_datetime_parsing": "日期格式不正确（YYYY-MM-DD）",
    "datetime_parsing": "时间格式不正确",
    "decimal_parsing": "应为数字",
    "json_invalid": "JSON格式错误",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        kind = str(err.get("type", ""))
        message = str(err.get("msg", ""))
        if kind == "value_error":
            message = message.removeprefix("Value error, ")
        elif kind in _MESSAGES_ZH:
            message = f"{_MESSAGES_ZH[kind]}（{message}）"
        out.append({"loc": loc, "type": kind, "message": message})
    return out


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return JSONResponse(exc.to_problem(request.url.path), status_code=exc.status, media_type=PROBLEM_JSON)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(400, "malformed_json", "请求体不是合法的JSON", "请检查请求体的JSON格式", errors=errors)
    missing = [".".join(e["loc"][1:]) for e in errors if e["type"] == "missing"]
    detail = "缺少必填字段：" + "、".join(missing) if missing else "请求中有字段不符合要求"
    return problem_response(422, "validation_error", "请求参数不合法", detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _STATUS_PROBLEMS.get(exc.status_code, ("http_error", "请求失败"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in {"Not Found"} else None
    response = problem_response(exc.status_code, code, title, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot take (SQLSTATE class 22: a NUL character, a string or number too long
    for its column, a date out of range) came from the request: 422, not 500. Anything else is ours."""
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(getattr(exc.orig, "__cause__", None), "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith("22"):
        log.warning("data exception %s on %s %s: %s", sqlstate, request.method, request.url.path, exc.orig)
        return problem_response(
            422, "invalid_data", "数据不符合要求", "请求中有数据无法保存（含有空字符、超长或超出范围），请检查后重试"
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "internal_error", "系统内部错误", "请稍后再试，或联系经办机构")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
