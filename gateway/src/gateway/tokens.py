"""Bearer tokens: checking outside issuers' tokens, and the gateway's own (after a login)."""

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medins.errors import Unauthenticated
from medins.partners import key_id

REQUIRED = ["exp", "iat", "sub", "iss", "aud"]


def decode(
    token: str, key: Any, *, algorithms: Sequence[str], issuer: str, audience: str, require: Sequence[str] = REQUIRED
) -> dict[str, Any]:
    """Signature, expiry, issuer and audience, each refusal with its own stable code."""
    try:
        return dict(
            jwt.decode(
                token,
                key,
                algorithms=list(algorithms),
                audience=audience,
                issuer=issuer,
                options={"require": list(require)},
            )
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("令牌已过期，请重新登录", code="token_expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("令牌不是签发给本平台的", code="wrong_audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthenticated("令牌签发方不受信任", code="wrong_issuer") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("令牌无效", code="invalid_token") from exc


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) before any check: only to pick who must verify the token."""
    try:
        return dict(jwt.get_unverified_header(token)), dict(jwt.decode(token, options={"verify_signature": False}))
    except jwt.PyJWTError as exc:
        raise Unauthenticated("令牌无效", code="invalid_token") from exc


@dataclass(frozen=True)
class Identity:
    """What a verified token says: kind and subject (and, for persons, their details from the token)."""

    kind: str
    subject: str
    #: seconds since the epoch; the gateway's own tokens carry milliseconds (claim ``iat_ms``)
    issued_at: float
    expires_at: int
    name: str | None = None
    region: str | None = None
    #: a token of the gateway's own, which a password or secret change revokes
    own: bool = False


class TokenIssuer:
    """The gateway's own tokens: staff and unit password logins, HIS client credentials."""

    def __init__(self, private_key_pem: bytes, *, issuer: str, audience: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the gateway's signing key must be Ed25519")
        self._key = key
        self._public = key.public_key()
        self.kid = "gw-" + key_id(self._public)
        self.issuer = issuer
        self.audience = audience

    def issue(self, kind: str, subject: str, ttl_seconds: int) -> str:
        now_ms = int(time.time() * 1000)
        now = now_ms // 1000
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "kind": kind,
            "iat": now,
            "iat_ms": now_ms,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def verify(self, token: str) -> Identity:
        claims = decode(token, self._public, algorithms=["EdDSA"], issuer=self.issuer, audience=self.audience)
        if claims.get("kind") not in ("staff", "employer", "institution"):
            raise Unauthenticated("令牌类型不正确", code="invalid_token")
        issued_at = int(claims.get("iat_ms", int(claims["iat"]) * 1000)) / 1000
        return Identity(str(claims["kind"]), str(claims["sub"]), issued_at, int(claims["exp"]), own=True)
