"""A local development token issuer: signs staff tokens the gateway accepts. Never deploy it in production.

``POST /staff-token`` {"staff_id": "demo-intake"} returns a bearer token; ``GET /jwks.json`` publishes
the public key the gateway verifies with. Roles and region are not in the token: the gateway takes
them from the staff account in its own database.
"""

import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from medins.cli import ensure_keypair
from medins.problems import install_problem_handlers


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEVISSUER_", extra="ignore")

    key_file: Path = Path(".run/keys/devissuer-private.pem")
    issuer: str = "medins-dev-issuer"
    audience: str = "medins-gateway"
    ttl_seconds: int = 8 * 3600


class StaffTokenRequest(BaseModel):
    staff_id: str = Field(min_length=1, max_length=64, description="经办人员账号")
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

    app = FastAPI(title="medins development token issuer (开发环境令牌签发)", version="0.1.0")
    install_problem_handlers(app)

    @app.get("/jwks.json")
    async def jwks() -> dict[str, list[dict[str, str]]]:
        return {"keys": [jwk]}

    @app.post("/staff-token", response_model=TokenOut)
    async def staff_token(body: StaffTokenRequest) -> TokenOut:
        ttl = body.ttl_seconds or settings.ttl_seconds
        now = int(time.time())
        token = jwt.encode(
            {
                "iss": settings.issuer,
                "aud": settings.audience,
                "sub": body.staff_id,
                "kind": "staff",
                "iat": now,
                "exp": now + ttl,
                "jti": uuid.uuid4().hex,
            },
            private_key,
            algorithm="EdDSA",
            headers={"kid": kid},  # type: ignore[arg-type]
        )
        return TokenOut(access_token=token, expires_in=ttl)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "devissuer"}

    return app
