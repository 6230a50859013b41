"""Forwarding to the services: the internal principal token in, hop-by-hop headers out."""

import asyncio
import logging
import time
from typing import Any

import aiohttp
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from medins.context import new_traceparent, request_id_var, trace_id_var
from medins.identity import INTERNAL_HEADER, InternalTokenSigner, Principal
from medins.problems import problem_response

log = logging.getLogger("gateway.proxy")

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "authorization",
    "traceparent",
    INTERNAL_HEADER,
}
SERVICE_NAMES_ZH = {
    "registration": "参保登记服务",
    "transfer": "转移接续服务",
    "claims": "待遇报销服务",
    "maternity": "生育保险服务",
    "institutions": "定点机构服务",
    "settlement": "费用结算服务",
}


class PrincipalTokens:
    """Signs internal tokens, reusing one per principal while it has more than half its life left."""

    def __init__(self, signer: InternalTokenSigner) -> None:
        self.signer = signer
        self._cache: dict[Principal, tuple[float, str]] = {}

    def token_for(self, principal: Principal) -> str:
        now = time.monotonic()
        cached = self._cache.get(principal)
        if cached is not None and cached[0] > now:
            return cached[1]
        token = self.signer.sign(principal)
        self._cache[principal] = (now + self.signer.ttl / 2, token)
        if len(self._cache) > 50_000:
            self._cache.clear()
        return token


def internal_headers(principal_token: str) -> dict[str, str]:
    """What a service needs from the gateway: the principal, the request id, the trace (a new span)."""
    return {
        INTERNAL_HEADER: principal_token,
        "x-request-id": request_id_var.get() or "",
        "traceparent": new_traceparent(trace_id_var.get()),
    }


def service_down(service: str, *, timeout: bool) -> Response:
    """502 or 504 problem+json naming the service."""
    name_zh = SERVICE_NAMES_ZH.get(service, service)
    if timeout:
        return problem_response(
            504, "upstream_timeout", "上游服务超时", f"{name_zh}（{service}）未在规定时间内响应", service=service
        )
    return problem_response(
        502,
        "upstream_unavailable",
        "上游服务不可用",
        f"{name_zh}（{service}）暂时无法访问，请稍后再试",
        service=service,
    )


async def forward(
    request: Request,
    *,
    session: aiohttp.ClientSession,
    base_url: str,
    service: str,
    principal_token: str,
    timeout_seconds: float,
    path: str | None = None,
    body: bytes | None = None,
    stream: bool = False,
) -> Response:
    """Sends the request on to ``base_url`` (at ``path``, with ``body``, when given instead of the request's).
    With ``stream``, the request's body goes on piece by piece as it arrives (chunked), never held whole."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers.update(internal_headers(principal_token))
    if request.client:
        prior = request.headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{prior}, {request.client.host}" if prior else request.client.host
    url = base_url + (path or request.url.path)
    if request.url.query:
        url += "?" + request.url.query
    data: Any
    if stream:
        data = request.stream()
    else:
        data = (body if body is not None else await request.body()) or None
    try:
        async with session.request(
            request.method,
            url,
            data=data,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
            allow_redirects=False,
        ) as upstream:
            content = await upstream.read()
            out_headers = {
                k: v
                for k, v in upstream.headers.items()
                if k.lower() not in HOP_BY_HOP and k.lower() not in {"x-request-id", "server", "date"}
            }
            return Response(content, status_code=upstream.status, headers=out_headers)
    except TimeoutError:
        log.warning("%s timed out on %s %s", service, request.method, request.url.path)
        return service_down(service, timeout=True)
    except ClientDisconnect:
        log.info("the client left during the upload to %s %s", service, request.url.path)
        return problem_response(400, "upload_interrupted", "上传中断", "上传未完成，请求未被处理")
    except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
        log.warning("%s unavailable: %s", service, exc)
        return service_down(service, timeout=False)
