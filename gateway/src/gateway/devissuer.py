"""A local development token issuer: staff tokens and 医保电子凭证 for demo persons. Never deploy it.

- ``POST /staff-token`` {"staff_id": "demo-intake"}: a staff bearer token. Roles and region are not in
  the token: the gateway takes them from the staff account in its own database.
- ``POST /ecredential-token`` {"certno": "431002199503120018"}: an e-credential of a demo person (see
  ``GET /demo-persons``), or of any person given with a valid 身份证号, a name and a 参保地.
- ``GET /jwks.json``: the public key the gateway verifies both with.

The two kinds of token have different issuers (``issuer``, ``ecredential_issuer``), as an agency's
single sign-on and the national e-credential platform would.
"""

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.demo import DEMO_PERSONS
from medins.cli import ensure_keypair
from medins.errors import UnprocessableInput
from medins.ids import CertNo
from medins.problems import install_problem_handlers


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEVISSUER_", extra="ignore")

    key_file: Path = Path(".run/keys/devissuer-private.pem")
    issuer: str = "medins-dev-issuer"
    audience: str = "medins-gateway"
    ecredential_issuer: str = "medins-dev-ecredential"
    ttl_seconds: int = 8 * 3600


class StaffTokenRequest(BaseModel):
    staff_id: str = Field(min_length=1, max_length=64, description="经办人员账号")
    ttl_seconds: int | None = Field(None, ge=1, le=86400)


class ECredentialRequest(BaseModel):
    certno: CertNo = Field(description="身份证号：示例人员之一，或另给姓名与参保地")
    name: str | None = Field(None, min_length=1, max_length=50, description="姓名（非示例人员必填）")
    region: str | None = Field(None, pattern=r"^[0-9]{6}$", description="参保地医保区划（非示例人员必填）")
    ttl_seconds: int | None = Field(None, ge=1, le=86400)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ensure_keypair(settings.key_file, settings.key_file.with_name(settings.key_file.name.replace("private", "public")))
    private_key = serialization.load_pem_private_key(settings.key_file.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError("the development issuer's key must be Ed25519")
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private_key.public_key()))  # type: ignore[arg-type]
    kid = uuid.uuid5(uuid.NAMESPACE_URL, jwk["x"]).hex[:16]
    jwk |= {"kid": kid, "alg": "EdDSA", "use": "sig"}
    demo = {p.certno: p for p in DEMO_PERSONS}

    def sign(claims: dict[str, Any], ttl: int) -> TokenOut:
        now = int(time.time())
        claims |= {"aud": settings.audience, "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
        token = jwt.encode(claims, private_key, algorithm="EdDSA", headers={"kid": kid})
        return TokenOut(access_token=token, expires_in=ttl)

    app = FastAPI(title="medins development token issuer (开发环境令牌签发)", version="0.1.0")
    install_problem_handlers(app)

    @app.get("/jwks.json")
    async def jwks() -> dict[str, list[dict[str, str]]]:
        return {"keys": [jwk]}

    @app.post("/staff-token", response_model=TokenOut)
    async def staff_token(body: StaffTokenRequest) -> TokenOut:
        claims = {"iss": settings.issuer, "sub": body.staff_id, "kind": "staff"}
        return sign(claims, body.ttl_seconds or settings.ttl_seconds)

    @app.get("/demo-persons")
    async def demo_persons() -> list[dict[str, str]]:
        return [{"certno": p.certno, "name": p.name, "region": p.region} for p in DEMO_PERSONS]

    @app.post("/ecredential-token", response_model=TokenOut, summary="医保电子凭证（开发环境）")
    async def ecredential_token(body: ECredentialRequest) -> TokenOut:
        person = demo.get(body.certno)
        name = body.name or (person.name if person else None)
        region = body.region or (person.region if person else None)
        if name is None or region is None:
            raise UnprocessableInput(
                "非示例人员须同时给出姓名（name）和参保地（region）", code="person_details_required"
            )
        claims = {
            "iss": settings.ecredential_issuer,
            # the platform's own opaque id of the credential holder; the gateway maps by certno
            "sub": uuid.uuid5(uuid.NAMESPACE_OID, body.certno).hex,
            "certno": body.certno,
            "psn_cert_type": "01",
            "psn_name": name,
            "insuplc_admdvs": region,
        }
        return sign(claims, body.ttl_seconds or settings.ttl_seconds)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "devissuer"}

    return app
