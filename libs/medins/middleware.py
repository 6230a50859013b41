"""Pure ASGI middleware: request id, access log and metrics, body size limit."""

import json
import logging
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medins.context import new_traceparent, request_id_var, trace_id_of, trace_id_var

access_log = logging.getLogger("medins.access")

REQUEST_ID_HEADER = b"x-request-id"
TRACEPARENT_HEADER = b"traceparent"
INTERNAL_ERROR_BODY = json.dumps(
    {
        "type": "https://medins.example/problems/internal_error",
        "title": "系统内部错误",
        "status": 500,
        "code": "internal_error",
        "detail": "请稍后再试，或联系经办机构",
    },
    ensure_ascii=False,
).encode()


class RequestContextMiddleware:
    """Takes or makes the request id, echoes it, logs the request and counts it in the metrics."""

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry, service: str) -> None:
        self.app = app
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=registry,
        )
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        trace_id = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                request_id = value.decode("latin-1")[:128]
            elif name == TRACEPARENT_HEADER:
                trace_id = trace_id_of(value.decode("latin-1"))
        request_id = request_id or uuid.uuid4().hex
        if trace_id is None:
            # start the trace here; whoever forwards this request passes it on
            traceparent = new_traceparent()
            trace_id = traceparent[3:35]
            headers = [(k, v) for k, v in scope["headers"] if k != TRACEPARENT_HEADER]
            scope["headers"] = [*headers, (TRACEPARENT_HEADER, traceparent.encode())]
        token = request_id_var.set(request_id)
        trace_token = trace_id_var.set(trace_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        response_started = False

        async def send_tracked(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send_with_id(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            access_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/problem+json")],
                }
            )
            await send_with_id({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_name = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.requests.labels(self.service, method, route_name, str(status)).inc()
            self.latency.labels(self.service, method, route_name).observe(elapsed)
            path = scope["path"]
            if path not in ("/healthz", "/readyz", "/metrics"):
                principal = scope.get("state", {}).get("principal_label")
                access_log.info(
                    "%s %s %s",
                    method,
                    path,
                    status,
                    extra={
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "principal": principal,
                    },
                )
            request_id_var.reset(token)
            trace_id_var.reset(trace_token)


class BodySizeLimitMiddleware:
    """Refuses bodies above the limit with 413 problem+json, by header and while streaming.

    Starlette's request-body limiter does the counting, so that a route which reads its body as a stream
    and never holds it whole (a file upload) can take a larger one with FastAPI's ``max_body_size=``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _problem(self, limit: int) -> bytes:
        return json.dumps(
            {
                "type": "https://medins.example/problems/payload_too_large",
                "title": "请求体过大",
                "status": 413,
                "code": "payload_too_large",
                "detail": f"请求体不得超过 {limit} 字节",
            },
            ensure_ascii=False,
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder = RequestBodyLimitResponder(self.app, self.max_bytes)
        replacing = False

        async def problem_send(message: Message) -> None:
            # the limiter answers in plain text itself when a body is too large; the API answers in problem+json
            nonlocal replacing
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                replacing = content_type.startswith(b"text/plain")
                if replacing:
                    body = self._problem(responder.max_body_size)
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 413,
                            "headers": [
                                (b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
            if replacing and message["type"] == "http.response.body":
                return
            await send(message)

        await responder(scope, receive, problem_send)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
