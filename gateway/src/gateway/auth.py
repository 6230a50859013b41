"""Authentication of outside callers. Issue 2 brings staff (tokens of the development issuer)."""

import asyncio
import json
import logging
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.models import StaffAccount
from medins.errors import Unauthenticated
from medins.identity import Principal, PrincipalKind

log = logging.getLogger("gateway.auth")


class JwksKeys:
    """An issuer's published keys (JWKS) from a file or a URL, refreshed when an unknown key id shows up."""

    def __init__(self, source: str, *, min_refresh_seconds: float = 10.0) -> None:
        self.source = source
        self.keys: dict[str, Any] = {}
        self.min_refresh_seconds = min_refresh_seconds
        self._last_refresh = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self) -> dict[str, Any]:
        if self.source.startswith(("http://", "https://")):
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.source)
                response.raise_for_status()
                return dict(response.json())
        return dict(json.loads(await asyncio.to_thread(Path(self.source).read_text)))

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._last_refresh < self.min_refresh_seconds and self.keys:
                return
            self._last_refresh = time.monotonic()
            try:
                jwks = jwt.PyJWKSet.from_dict(await self._fetch())
            except Exception as exc:
                log.warning("could not load JWKS from %s: %s", self.source, exc)
                return
            self.keys = {k.key_id: k for k in jwks.keys if k.key_id}

    async def key(self, kid: str | None) -> Any:
        if kid not in self.keys:
            await self.refresh()
        if kid not in self.keys:
            raise Unauthenticated("令牌签名密钥未知", code="unknown_signing_key")
        return self.keys[kid]


class StaffAuthenticator:
    """Verifies a staff bearer token and resolves the staff account (roles and region come from it)."""

    def __init__(
        self,
        *,
        jwks: JwksKeys,
        issuer: str,
        audience: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache_seconds: float,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.sessionmaker = sessionmaker
        self.cache_seconds = cache_seconds
        self._accounts: dict[str, tuple[float, StaffAccount | None]] = {}
        self._verified: OrderedDict[str, tuple[int, str]] = OrderedDict()

    async def _verify(self, token: str) -> str:
        cached = self._verified.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        try:
            header = jwt.get_unverified_header(token)
            key = await self.jwks.key(header.get("kid"))
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name] if key.algorithm_name else ["EdDSA", "ES256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("令牌已过期，请重新登录", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("令牌无效", code="invalid_token") from exc
        if claims.get("kind", "staff") != "staff":
            raise Unauthenticated("令牌类型不正确", code="invalid_token")
        staff_id = str(claims["sub"])
        self._verified[token] = (int(claims["exp"]), staff_id)
        if len(self._verified) > 10_000:
            self._verified.popitem(last=False)
        return staff_id

    async def _account(self, staff_id: str) -> StaffAccount | None:
        cached = self._accounts.get(staff_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.sessionmaker() as session:
            account = await session.scalar(select(StaffAccount).where(StaffAccount.staff_id == staff_id))
        self._accounts[staff_id] = (now + self.cache_seconds, account)
        return account

    async def authenticate(self, token: str) -> Principal:
        staff_id = await self._verify(token)
        account = await self._account(staff_id)
        if account is None or not account.active:
            raise Unauthenticated("经办人员账号不存在或已停用", code="staff_account_inactive")
        return Principal(
            kind=PrincipalKind.staff,
            id=account.staff_id,
            region=account.region,
            roles=frozenset(account.roles),
            name=account.name,
        )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("请求未携带身份令牌（Authorization: Bearer …）", code="missing_token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("身份令牌格式应为 Bearer", code="invalid_token")
    return token.strip()
