"""Calls between regions' agencies (partner API): each request signed with the calling region's key.

A request from region A to region B's gateway carries ``Authorization: Bearer <JWT>``, an EdDSA token
signed with A's private key, header ``typ`` = ``medins-partner+jwt`` and ``kid`` = A's key id, claims:

- ``iss`` A's admdvs, ``aud`` B's admdvs, ``iat``, ``exp`` (at most 5 minutes later), ``jti`` (unique);
- ``htm`` the method, ``htu`` the path with its query, ``bh`` base64url(SHA-256(body)).

So a token is bound to one request: it cannot be replayed on another path or with another body, and B's
gateway refuses a ``jti`` it has seen. B trusts A's public keys from its partner registry (admdvs ->
public keys, base URL). Documents exchanged (联系函, 信息表) are signed the same way with ``sign_document``.
"""

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from medins.errors import Unauthenticated

PARTNER_TOKEN_TYPE = "medins-partner+jwt"
DOCUMENT_TYPE = "medins-document+jws"
MAX_LIFETIME_SECONDS = 300
CLOCK_SKEW_SECONDS = 30


def body_hash(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return uuid.uuid5(uuid.NAMESPACE_URL, raw.hex()).hex[:16]


def public_jwk(public_key_pem: bytes) -> dict[str, str]:
    """The JWK (with kid) of an Ed25519 public key in PEM, as a partner registry stores it."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("a region's key must be Ed25519")
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key))
    return dict(jwk) | {"kid": key_id(key), "alg": "EdDSA", "use": "sig"}


def keys_of_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    """kid -> verification key of a JWKS ({"keys": [...]})."""
    return {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id}


class RegionSigner:
    """This region's private key: signs outgoing partner requests and documents."""

    def __init__(self, region: str, private_key_pem: bytes, *, ttl_seconds: int = 120) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("a region's key must be Ed25519")
        if not 0 < ttl_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"ttl_seconds must be within 1..{MAX_LIFETIME_SECONDS}")
        self.region = region
        self._key = key
        self.kid = key_id(key.public_key())
        self.ttl = ttl_seconds

    def sign_request(self, *, audience: str, method: str, path: str, body: bytes = b"") -> str:
        now = int(time.time())
        claims = {
            "iss": self.region,
            "aud": audience,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
            "htm": method.upper(),
            "htu": path,
            "bh": body_hash(body),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid, "typ": PARTNER_TOKEN_TYPE})

    def sign_document(self, document: dict[str, Any]) -> str:
        """A compact JWS of a JSON document (联系函, 信息表), issued by this region."""
        payload = {"iss": self.region, "iat": int(time.time()), "doc": document}
        return jwt.encode(payload, self._key, algorithm="EdDSA", headers={"kid": self.kid, "typ": DOCUMENT_TYPE})


@dataclass(frozen=True)
class PartnerRequest:
    """A verified partner request: who sent it, and the token id that must not be seen again."""

    region: str
    jti: str
    expires_at: int


def _decode(token: str, keys: dict[str, Any], **options: Any) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
        key = keys.get(str(header.get("kid")))
        if key is None:
            raise Unauthenticated("签名密钥不在该地区登记的公钥中", code="unknown_signing_key")
        return dict(jwt.decode(token, key, algorithms=["EdDSA"], leeway=CLOCK_SKEW_SECONDS, **options))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("签名已过期", code="token_expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("签名的接收方不是本统筹区", code="wrong_audience") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("签名无效", code="invalid_partner_signature") from exc


def verify_partner_request(
    token: str, *, keys: dict[str, Any], issuer: str, audience: str, method: str, path: str, body: bytes
) -> PartnerRequest:
    """Checks the signature with the partner's keys, the audience, the lifetime and the request binding."""
    try:
        token_type = jwt.get_unverified_header(token).get("typ")
    except jwt.PyJWTError as exc:
        raise Unauthenticated("签名无效", code="invalid_partner_signature") from exc
    if token_type != PARTNER_TOKEN_TYPE:
        raise Unauthenticated("不是地区间接口签名", code="invalid_partner_signature")
    claims = _decode(
        token,
        keys,
        audience=audience,
        issuer=issuer,
        options={"require": ["iss", "aud", "iat", "exp", "jti", "htm", "htu", "bh"]},
    )
    if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME_SECONDS:
        raise Unauthenticated(f"签名有效期不得超过 {MAX_LIFETIME_SECONDS} 秒", code="invalid_partner_signature")
    if claims["htm"] != method.upper() or claims["htu"] != path or claims["bh"] != body_hash(body):
        raise Unauthenticated("签名与请求的方法、路径或内容不符", code="partner_request_mismatch")
    return PartnerRequest(region=str(claims["iss"]), jti=str(claims["jti"]), expires_at=int(claims["exp"]))


def verify_document(token: str, *, keys: dict[str, Any], issuer: str) -> dict[str, Any]:
    """The document of a compact JWS signed by ``issuer`` (its keys from the partner registry)."""
    claims = _decode(token, keys, issuer=issuer, options={"require": ["iss", "iat"], "verify_aud": False})
    document = claims.get("doc")
    if not isinstance(document, dict):
        raise Unauthenticated("签名文书没有内容", code="invalid_partner_signature")
    return document


class PartnerClient:
    """Outgoing calls to partner regions' gateways, each signed with this region's key."""

    def __init__(
        self, signer: RegionSigner, *, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ):
        self.signer = signer
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def request(
        self,
        method: str,
        *,
        partner: str,
        base_url: str,
        path: str,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``partner`` is the admdvs of the region called, ``base_url`` its gateway (from the registry)."""
        body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        url = base_url.rstrip("/") + path
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        token = self.signer.sign_request(audience=partner, method=method, path=signed_path, body=body)
        out = {"authorization": f"Bearer {token}", **(headers or {})}
        if json_body is not None:
            out["content-type"] = "application/json"
        return await self._http.request(method, url, content=body, headers=out)

    async def aclose(self) -> None:
        await self._http.aclose()
