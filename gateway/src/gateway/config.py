from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("registration", "transfer", "claims", "maternity", "institutions", "settlement")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    region: str = "431000"
    database_url: str = "postgresql+asyncpg://medins:medins@127.0.0.1:55432/gateway"
    internal_private_key_file: Path = Path(".run/keys/internal-private.pem")
    staff_jwks: str = "http://127.0.0.1:8009/jwks.json"
    staff_issuer: str = "medins-dev-issuer"
    staff_audience: str = "medins-gateway"
    registration_url: str = "http://127.0.0.1:8001"
    transfer_url: str = "http://127.0.0.1:8002"
    claims_url: str = "http://127.0.0.1:8003"
    maternity_url: str = "http://127.0.0.1:8004"
    institutions_url: str = "http://127.0.0.1:8005"
    settlement_url: str = "http://127.0.0.1:8006"
    upstream_timeout_seconds: float = 30.0
    max_body_bytes: int = 10_485_760
    staff_cache_seconds: float = 30.0
    log_level: str = "INFO"

    def service_urls(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in SERVICE_NAMES}
