"""The gateway's app: identity, routing to the six services, cross-service views, combined docs, readiness."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.accounts import AccountCache
from gateway.admin_api import router as admin_router
from gateway.authn import Authenticator
from gateway.config import Settings
from gateway.deps import current_caller
from gateway.logins import router as login_router
from gateway.openapi import fetch_service_docs, merge
from gateway.proxy import PrincipalTokens, forward
from gateway.ratelimit import RateLimited, RateLimiter
from gateway.tokens import TokenIssuer, unverified
from gateway.views import router as views_router
from medins.authz import EVERYONE, Audience, check_audience
from medins.db import make_engine, make_sessionmaker
from medins.errors import Forbidden, NotFound, ProblemError, Unauthenticated
from medins.identity import InternalTokenSigner
from medins.logging import configure_logging
from medins.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from medins.partners import PARTNER_TOKEN_TYPE
from medins.problems import install_problem_handlers

log = logging.getLogger("gateway")

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
#: the gateway lets every kind through to the services, which check each route's audience themselves
PROXY_AUDIENCE = Audience(frozenset(EVERYONE))


def refuse_partner_upload(request: Request) -> None:
    """A partner region's request is verified against a signature over its whole body: an upload route, which
    never holds its body, takes none (before anything reads the body)."""
    authorization = request.headers.get("authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            header, _ = unverified(token.strip())
        except Unauthenticated:
            return  # authentication says what is wrong with it
        if header.get("typ") == PARTNER_TOKEN_TYPE:
            raise Forbidden("伙伴地区不能上传文件", code="audience_not_allowed", title="无权调用该接口")


def problem_of(exc: ProblemError, path: str | None = None) -> JSONResponse:
    """problem+json, with WWW-Authenticate on 401 and Retry-After where the caller should wait."""
    response = JSONResponse(exc.to_problem(path), status_code=exc.status, media_type="application/problem+json")
    if isinstance(exc, Unauthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="medins"'
    retry_after = exc.extra.get("retry_after")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    registry = CollectorRegistry()
    urls = settings.service_urls()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        accounts = AccountCache(make_sessionmaker(engine), settings.staff_cache_seconds)
        app.state.accounts = accounts
        connector = aiohttp.TCPConnector(limit=512, limit_per_host=256, keepalive_timeout=30)
        app.state.http = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        key = settings.internal_private_key_file.read_bytes()
        issuer = TokenIssuer(key, issuer=settings.token_issuer, audience=settings.token_audience)
        app.state.token_issuer = issuer
        app.state.authenticator = Authenticator(settings, accounts, issuer)
        await app.state.authenticator.start()
        app.state.tokens = PrincipalTokens(InternalTokenSigner(key))
        try:
            yield
        finally:
            await app.state.http.close()
            await engine.dispose()

    app = FastAPI(
        title="医保经办平台 API 网关 medins gateway",
        description=(
            "所有对外接口的唯一入口。登录方式：参保人用医保电子凭证；经办人员、参保单位用账号密码"
            "（/api/v1/auth/...）；定点医药机构用 OAuth2 client credentials（/api/v1/auth/token）；"
            "外地经办机构用本地区私钥签名的请求。各服务接口汇总于此。"
        ),
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        openapi_url="/gateway-openapi.json",
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter()
    install_problem_handlers(app)

    async def _problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_of(exc, request.url.path)

    app.add_exception_handler(Unauthenticated, _problem)
    app.add_exception_handler(RateLimited, _problem)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, registry=registry, service="gateway")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        session: aiohttp.ClientSession = request.app.state.http

        async def check(name: str, url: str) -> tuple[str, dict[str, Any]]:
            try:
                async with session.get(url + "/readyz", timeout=aiohttp.ClientTimeout(total=3)) as r:
                    body = await r.json(content_type=None)
                    return name, {"status": "ready" if r.status == 200 else "not_ready", "detail": body}
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                return name, {"status": "unreachable", "detail": type(exc).__name__}

        results = dict(await asyncio.gather(*(check(n, u) for n, u in urls.items())))
        try:
            async with asyncio.timeout(2):
                async with request.app.state.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:
            database = f"down: {type(exc).__name__}"
        ready = database == "ok" and all(r["status"] == "ready" for r in results.values())
        return JSONResponse(
            {
                "status": "ready" if ready else "not_ready",
                "region": settings.region,
                "database": database,
                "services": results,
            },
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False)
    async def combined_openapi(request: Request) -> JSONResponse:
        docs = await fetch_service_docs(request.app.state.http, urls)
        return JSONResponse(merge(app.openapi(), docs))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="医保经办平台 API")

    for router in (login_router, admin_router, views_router):
        app.include_router(router)

    # the tax bureau's contribution file is streamed through to registration, never held: a large city's monthly
    # file is some 100 MB, ten times what the gateway buffers for any other request
    @app.post(
        "/api/v1/registration/contribution-batches",
        include_in_schema=False,
        max_body_size=settings.max_upload_bytes,
    )
    async def stream_contribution_file(request: Request) -> Response:
        refuse_partner_upload(request)
        caller = await current_caller(request)
        check_audience(caller.principal, PROXY_AUDIENCE, settings.region)
        return await forward(
            request,
            session=request.app.state.http,
            base_url=urls["registration"],
            service="registration",
            principal_token=request.app.state.tokens.token_for(caller.principal),
            timeout_seconds=settings.upload_timeout_seconds,
            stream=True,
        )

    @app.api_route("/api/v1/{service}/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def route_to_service(service: str, path: str, request: Request) -> Response:
        base_url = urls.get(service)
        if base_url is None:
            raise NotFound(f"没有名为 {service} 的服务", code="unknown_service")
        caller = await current_caller(request)
        check_audience(caller.principal, PROXY_AUDIENCE, settings.region)
        return await forward(
            request,
            session=request.app.state.http,
            base_url=base_url,
            service=service,
            principal_token=request.app.state.tokens.token_for(caller.principal),
            timeout_seconds=settings.upstream_timeout_seconds,
        )

    return app
