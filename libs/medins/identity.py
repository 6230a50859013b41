"""The internal principal token: signed by the gateway, verified by every service.

The gateway authenticates the outside world (staff, persons, institutions, partner regions) and
forwards a short-lived token it signs with its own key (EdDSA). Services trust nothing else: a
plain header naming a user is never enough.
"""

import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from medins.errors import Forbidden, Unauthenticated

INTERNAL_HEADER = "x-medins-principal"
INTERNAL_ISSUER = "medins-gateway"
INTERNAL_AUDIENCE = "medins-internal"
INTERNAL_TTL_SECONDS = 60


class PrincipalKind(StrEnum):
    staff = "staff"
    person = "person"
    employer = "employer"
    institution = "institution"
    partner = "partner"
    service = "service"


class StaffRole(StrEnum):
    """经办人员 roles: 受理 intake, 审核 review, 复核 second_review, 财务 finance, 管理员 admin."""

    intake = "intake"
    review = "review"
    second_review = "second_review"
    finance = "finance"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the gateway established it."""

    kind: PrincipalKind
    id: str
    region: str
    roles: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"

    def claims(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "sub": self.id,
            "region": self.region,
            "roles": sorted(self.roles),
            "name": self.name,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        return cls(
            kind=PrincipalKind(claims["kind"]),
            id=str(claims["sub"]),
            region=str(claims["region"]),
            roles=frozenset(claims.get("roles") or ()),
            name=claims.get("name"),
        )


def generate_ed25519_keypair() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) for the gateway's internal signing key."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


class InternalTokenSigner:
    def __init__(self, private_key_pem: bytes, *, ttl_seconds: int = INTERNAL_TTL_SECONDS) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the internal signing key must be Ed25519")
        self._key = key
        self.ttl = ttl_seconds

    def sign(self, principal: Principal, *, request_id: str | None = None) -> str:
        now = int(time.time())
        claims = principal.claims() | {
            "iss": INTERNAL_ISSUER,
            "aud": INTERNAL_AUDIENCE,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
            "rid": request_id,
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")


class InternalTokenVerifier:
    def __init__(self, public_key_pem: bytes) -> None:
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the internal verification key must be Ed25519")
        self._key = key

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],  # type: ignore[arg-type]
                audience=INTERNAL_AUDIENCE,
                issuer=INTERNAL_ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
            return Principal.from_claims(claims)
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Unauthenticated("内部身份令牌无效或已过期", code="invalid_principal_token") from exc


def require_principal(request: Request) -> Principal:
    """FastAPI dependency: the verified principal of this request, or 401."""
    token = request.headers.get(INTERNAL_HEADER)
    if not token:
        raise Unauthenticated("请求未携带经网关签发的身份令牌", code="missing_principal_token")
    verifier: InternalTokenVerifier = request.app.state.principal_verifier
    principal = verifier.verify(token)
    request.scope.setdefault("state", {})["principal_label"] = principal.label
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_staff(principal: Principal, *roles: StaffRole, region: str | None = None) -> None:
    """Staff only; with roles, at least one of them; with region, only that region's staff."""
    if principal.kind is not PrincipalKind.staff:
        raise Forbidden("仅限经办人员办理", code="staff_only")
    if roles and not (principal.roles & {str(r) for r in roles}):
        names = "、".join(ROLE_NAMES[r] for r in roles)
        raise Forbidden(f"需要以下岗位之一：{names}", code="role_required")
    if region is not None and principal.region != region:
        raise Forbidden("只能办理本统筹区的业务", code="wrong_region")


ROLE_NAMES = {
    StaffRole.intake: "受理",
    StaffRole.review: "审核",
    StaffRole.second_review: "复核",
    StaffRole.finance: "财务",
    StaffRole.admin: "管理员",
}
