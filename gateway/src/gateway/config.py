from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("registration", "transfer", "claims", "maternity", "institutions", "settlement")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    region: str = "431000"
    database_url: str = "postgresql+asyncpg://medins:medins@127.0.0.1:55432/gateway"
    #: signs the internal principal token and (audience ``token_audience``) the gateway's own login tokens
    internal_private_key_file: Path = Path(".run/keys/internal-private.pem")
    # staff tokens of an outside issuer (the development issuer; an agency's single sign-on)
    staff_jwks: str = "http://127.0.0.1:8009/jwks.json"
    staff_issuer: str = "medins-dev-issuer"
    staff_audience: str = "medins-gateway"
    # 医保电子凭证: the e-credential issuer's keys (URL or file), issuer, audience and claim names
    ecredential_jwks: str = "http://127.0.0.1:8009/jwks.json"
    ecredential_issuer: str = "medins-dev-ecredential"
    ecredential_audience: str = "medins-gateway"
    ecredential_certno_claim: str = "certno"
    ecredential_name_claim: str = "psn_name"
    ecredential_region_claim: str = "insuplc_admdvs"
    # the gateway's own tokens (password login of staff and units, client credentials of HIS)
    token_issuer: str = "medins-gateway-auth"
    token_audience: str = "medins-api"
    staff_token_ttl_seconds: int = 8 * 3600
    employer_token_ttl_seconds: int = 2 * 3600
    institution_token_ttl_seconds: int = 3600
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # requests per minute per principal (a token bucket holding a minute's worth); HIS clients may have their own
    rate_limit_staff_per_minute: int = 600
    rate_limit_person_per_minute: int = 120
    rate_limit_employer_per_minute: int = 600
    rate_limit_institution_per_minute: int = 1200
    rate_limit_partner_per_minute: int = 600
    #: login and token requests per minute per client address
    rate_limit_login_per_minute: int = 30
    registration_url: str = "http://127.0.0.1:8001"
    transfer_url: str = "http://127.0.0.1:8002"
    claims_url: str = "http://127.0.0.1:8003"
    maternity_url: str = "http://127.0.0.1:8004"
    institutions_url: str = "http://127.0.0.1:8005"
    settlement_url: str = "http://127.0.0.1:8006"
    upstream_timeout_seconds: float = 30.0
    max_body_bytes: int = 10_485_760
    #: files streamed through to a service, never held (the tax bureau's contribution file: some 100 MB a month
    #: for a large city); the service keeps its own limit (1 GiB) and answers when it has imported the file
    max_upload_bytes: int = 1024**3
    upload_timeout_seconds: float = 900.0
    #: how long an account (staff, unit, HIS client) or partner entry is cached: deactivation takes effect within it
    staff_cache_seconds: float = 30.0
    log_level: str = "INFO"

    def service_urls(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in SERVICE_NAMES}
