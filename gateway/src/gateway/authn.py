"""Who is calling: every bearer token the gateway accepts, resolved to a principal.

The token's issuer picks who verifies it (its claims are read unverified only for that):

- ``ecredential_issuer``: 医保电子凭证 of an insured person, checked against the issuer's JWKS; the person
  is the token's 身份证号, name and 参保地 (no account needed);
- ``staff_issuer``: a staff token of an outside issuer (the development issuer, an agency's SSO);
- ``token_issuer``: the gateway's own tokens after a staff or unit password login, or HIS client credentials;
- a token of type ``medins-partner+jwt``: a partner region's signed request, checked with the keys of
  its registry entry and bound to the method, path and body.

Staff, units and HIS clients must have an active account here; the account, not the token, gives roles
and region. A verified token is remembered until it expires; accounts for ``staff_cache_seconds``.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request

from gateway.accounts import AccountCache
from gateway.config import Settings
from gateway.jwks import JwksKeys
from gateway.tokens import Identity, TokenIssuer, decode, unverified
from medins.errors import Unauthenticated
from medins.identity import Principal, PrincipalKind
from medins.ids import validate_certno
from medins.partners import PARTNER_TOKEN_TYPE, keys_of_jwks, verify_partner_request


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("请求未携带身份令牌（Authorization: Bearer …）", code="missing_token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("身份令牌格式应为 Bearer", code="invalid_token")
    return token.strip()


@dataclass(frozen=True)
class Caller:
    principal: Principal
    #: this caller's requests per minute
    rate_per_minute: int


class Authenticator:
    def __init__(self, settings: Settings, accounts: AccountCache, issuer: TokenIssuer) -> None:
        self.settings = settings
        self.accounts = accounts
        self.issuer = issuer
        sources: dict[str, JwksKeys] = {}
        self.staff_jwks = sources.setdefault(settings.staff_jwks, JwksKeys(settings.staff_jwks))
        self.ecredential_jwks = sources.setdefault(settings.ecredential_jwks, JwksKeys(settings.ecredential_jwks))
        self._verified: OrderedDict[str, Identity] = OrderedDict()
        self._seen_partner_requests: OrderedDict[str, int] = OrderedDict()
        s = settings
        self.rates = {
            PrincipalKind.staff: s.rate_limit_staff_per_minute,
            PrincipalKind.person: s.rate_limit_person_per_minute,
            PrincipalKind.employer: s.rate_limit_employer_per_minute,
            PrincipalKind.institution: s.rate_limit_institution_per_minute,
            PrincipalKind.partner: s.rate_limit_partner_per_minute,
        }

    async def start(self) -> None:
        for jwks in {id(j): j for j in (self.staff_jwks, self.ecredential_jwks)}.values():
            await jwks.refresh()

    async def authenticate(self, request: Request) -> Caller:
        token = bearer_token(request.headers.get("authorization"))
        identity = self._verified.get(token)
        if identity is None or identity.expires_at <= time.time():
            header, claims = unverified(token)
            if header.get("typ") == PARTNER_TOKEN_TYPE:
                return await self._partner(token, str(claims.get("iss", "")), request)
            identity = await self._verify(token, header, claims)
            self._verified[token] = identity
            if len(self._verified) > 20_000:
                self._verified.popitem(last=False)
        return await self._resolve(identity)

    async def _verify(self, token: str, header: dict[str, object], claims: dict[str, object]) -> Identity:
        s = self.settings
        issuer = claims.get("iss")
        if issuer == s.token_issuer:
            return self.issuer.verify(token)
        if issuer == s.ecredential_issuer:
            return await self._ecredential(token, header)
        if issuer == s.staff_issuer:
            key = await self.staff_jwks.key(str(header.get("kid")))
            verified = decode(
                token, key.key, algorithms=[key.algorithm_name], issuer=s.staff_issuer, audience=s.staff_audience
            )
            if verified.get("kind", "staff") != "staff":
                raise Unauthenticated("令牌类型不正确", code="invalid_token")
            return Identity("staff", str(verified["sub"]), int(verified["iat"]), int(verified["exp"]))
        raise Unauthenticated("令牌签发方不受信任", code="wrong_issuer")

    async def _ecredential(self, token: str, header: dict[str, object]) -> Identity:
        s = self.settings
        key = await self.ecredential_jwks.key(str(header.get("kid")))
        claims = decode(
            token,
            key.key,
            algorithms=[key.algorithm_name],
            issuer=s.ecredential_issuer,
            audience=s.ecredential_audience,
        )
        try:
            certno = validate_certno(str(claims.get(s.ecredential_certno_claim, "")))
        except ValueError as exc:
            raise Unauthenticated("电子凭证中的身份证号无效", code="invalid_token") from exc
        region = str(claims.get(s.ecredential_region_claim, ""))
        name = claims.get(s.ecredential_name_claim)
        if not (len(region) == 6 and region.isdigit()) or not isinstance(name, str) or not name:
            raise Unauthenticated("电子凭证缺少姓名或参保地", code="invalid_token")
        return Identity("person", certno, int(claims["iat"]), int(claims["exp"]), name=name, region=region)

    async def _resolve(self, identity: Identity) -> Caller:
        kind = PrincipalKind(identity.kind)
        if kind is PrincipalKind.person:
            assert identity.region is not None
            principal = Principal(kind, identity.subject, identity.region, name=identity.name)
            return Caller(principal, self.rates[kind])
        rate = self.rates[kind]
        if kind is PrincipalKind.staff:
            account = await self.accounts.staff(identity.subject)
            if account is None or not account.active:
                raise Unauthenticated("经办人员账号不存在或已停用", code="staff_account_inactive")
            principal = Principal(kind, account.staff_id, account.region, frozenset(account.roles), account.name)
        elif kind is PrincipalKind.employer:
            account = await self.accounts.employer(identity.subject)
            if account is None or not account.active:
                raise Unauthenticated("单位账号不存在或已停用", code="employer_account_inactive")
            principal = Principal(kind, account.uscc, account.region, name=account.name)
        else:
            account = await self.accounts.institution(identity.subject)
            if account is None or not account.active:
                raise Unauthenticated("定点医药机构接入账号不存在或已停用", code="client_inactive")
            principal = Principal(kind, account.client_id, account.region, name=account.name)
            rate = account.rate_limit_per_minute or rate
        changed = account.credentials_changed_at
        if identity.own and changed is not None and identity.issued_at < changed.timestamp():
            raise Unauthenticated("密码或密钥已更改，请重新登录", code="token_revoked")
        return Caller(principal, rate)

    async def _partner(self, token: str, admdvs: str, request: Request) -> Caller:
        partner = await self.accounts.partner(admdvs) if len(admdvs) == 6 else None
        if partner is None or not partner.active:
            raise Unauthenticated("该地区不在本统筹区的伙伴地区名单中", code="unknown_partner")
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string") or b""
        path = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        verified = verify_partner_request(
            token,
            keys=keys_of_jwks(partner.jwks),
            issuer=admdvs,
            audience=self.settings.region,
            method=request.method,
            path=path,
            body=await request.body(),
        )
        self._check_not_replayed(f"{admdvs}:{verified.jti}", verified.expires_at)
        principal = Principal(PrincipalKind.partner, admdvs, admdvs, name=partner.name)
        return Caller(principal, self.rates[PrincipalKind.partner])

    def _check_not_replayed(self, key: str, expires_at: int) -> None:
        """Each signed request once: its id is kept until well after the signature expires."""
        seen = self._seen_partner_requests
        now = time.time()
        while seen:
            oldest, expires = next(iter(seen.items()))
            if expires > now - 60:
                break
            del seen[oldest]
        if key in seen:
            raise Unauthenticated("该签名已使用过（重放）", code="replayed_request")
        seen[key] = expires_at
