"""Logins at the gateway: staff and units with a password, HIS with OAuth2 client credentials.

Each returns the gateway's own bearer token. Password logins count failures and lock the account; the
token endpoint follows RFC 6749 4.4 (form or JSON body, or HTTP Basic) with problem+json errors that
also carry the OAuth2 ``error``.
"""

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.accounts import AccountCache, password_login
from gateway.config import Settings
from gateway.deps import GatewayPrincipal
from gateway.models import EmployerAccount, InstitutionClient, StaffAccount
from gateway.passwords import check_password_policy, hash_secret_async, verify_secret
from gateway.ratelimit import RateLimiter
from gateway.tokens import TokenIssuer
from medins.authz import audience
from medins.errors import ProblemError, Unauthenticated
from medins.identity import PrincipalKind

router = APIRouter(prefix="/api/v1/auth", tags=["auth 登录与令牌"])
OPEN: dict[str, Any] = {"security": []}


class StaffLogin(BaseModel):
    staff_id: str = Field(min_length=1, max_length=64, description="经办人员账号")
    password: str = Field(min_length=1, max_length=200)


class EmployerLogin(BaseModel):
    uscc: str = Field(min_length=18, max_length=18, description="单位统一社会信用代码")
    password: str = Field(min_length=1, max_length=200)


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class InvalidClient(Unauthenticated):
    code = "invalid_client"
    title = "接入凭证无效"


class InvalidTokenRequest(ProblemError):
    status = 400
    code = "invalid_request"
    title = "令牌请求不合法"


def _state(request: Request) -> tuple[Settings, TokenIssuer, AccountCache]:
    state = request.app.state
    return state.settings, state.token_issuer, state.accounts


def _throttle(request: Request, key: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(f"login:{key}", request.app.state.settings.rate_limit_login_per_minute)


@router.post("/staff/token", response_model=TokenOut, summary="经办人员登录（账号+密码）", openapi_extra=OPEN)
async def staff_login(body: StaffLogin, request: Request) -> TokenOut:
    settings, issuer, accounts = _state(request)
    _throttle(request, f"staff:{body.staff_id}")
    account = await password_login(
        accounts.sessionmaker,
        StaffAccount,
        body.staff_id,
        body.password,
        max_failures=settings.login_max_failures,
        lockout_seconds=settings.login_lockout_seconds,
    )
    ttl = settings.staff_token_ttl_seconds
    return TokenOut(access_token=issuer.issue("staff", account.staff_id, ttl), expires_in=ttl)


@router.post(
    "/employer/token", response_model=TokenOut, summary="参保单位登录（统一社会信用代码+密码）", openapi_extra=OPEN
)
async def employer_login(body: EmployerLogin, request: Request) -> TokenOut:
    settings, issuer, accounts = _state(request)
    uscc = body.uscc.strip().upper()
    _throttle(request, f"employer:{uscc}")
    account = await password_login(
        accounts.sessionmaker,
        EmployerAccount,
        uscc,
        body.password,
        max_failures=settings.login_max_failures,
        lockout_seconds=settings.login_lockout_seconds,
    )
    ttl = settings.employer_token_ttl_seconds
    return TokenOut(access_token=issuer.issue("employer", account.uscc, ttl), expires_in=ttl)


async def _token_request(request: Request) -> dict[str, str]:
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            parsed: Any = json.loads(raw or b"{}")
            if not isinstance(parsed, dict):
                raise ValueError
            fields = {str(k): str(v) for k, v in parsed.items()}
        else:
            fields = {k: v[0] for k, v in parse_qs(raw.decode(), strict_parsing=False).items()}
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidTokenRequest(
            "请求体应为 application/x-www-form-urlencoded 或 JSON", extra={"error": "invalid_request"}
        ) from exc
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(authorization[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidClient("HTTP Basic 凭证格式错误", extra={"error": "invalid_client"}) from exc
        fields |= {"client_id": client_id, "client_secret": secret}
    return fields


@router.post(
    "/token",
    response_model=TokenOut,
    summary="定点医药机构接入令牌（OAuth2 client credentials，client_id = fixmedins_code）",
    openapi_extra=OPEN
    | {
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "client_id", "client_secret"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string", "description": "fixmedins_code"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            }
        }
    },
)
async def client_credentials(request: Request) -> TokenOut:
    settings, issuer, accounts = _state(request)
    fields = await _token_request(request)
    if fields.get("grant_type") != "client_credentials":
        raise InvalidTokenRequest(
            "grant_type 应为 client_credentials",
            code="unsupported_grant_type",
            extra={"error": "unsupported_grant_type"},
        )
    client_id, secret = fields.get("client_id", "")[:30], fields.get("client_secret", "")
    if not client_id or not secret:
        raise InvalidClient("缺少 client_id 或 client_secret", extra={"error": "invalid_client"})
    _throttle(request, f"institution:{client_id}")
    client: InstitutionClient | None = await accounts.institution(client_id)
    ok = await verify_secret(client.secret_hash if client is not None else None, secret)
    if client is None or not client.active or not ok:
        raise InvalidClient("client_id 或 client_secret 错误", extra={"error": "invalid_client"})
    ttl = settings.institution_token_ttl_seconds
    return TokenOut(access_token=issuer.issue("institution", client.client_id, ttl), expires_in=ttl)


@router.post(
    "/password",
    status_code=204,
    summary="修改本人密码（经办人员、参保单位）；此前签发的令牌随即失效",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.employer),
)
async def change_password(body: PasswordChange, request: Request, principal: GatewayPrincipal) -> None:
    settings, _, accounts = _state(request)
    check_password_policy(body.new_password)
    model = StaffAccount if principal.kind is PrincipalKind.staff else EmployerAccount
    await password_login(
        accounts.sessionmaker,
        model,
        principal.id,
        body.old_password,
        max_failures=settings.login_max_failures,
        lockout_seconds=settings.login_lockout_seconds,
    )
    new_hash = await hash_secret_async(body.new_password)
    async with accounts.sessionmaker() as session, session.begin():
        account = await session.get(model, principal.id)
        assert account is not None
        account.password_hash = new_hash
        account.credentials_changed_at = datetime.now(UTC)
    accounts.forget(model, principal.id)
