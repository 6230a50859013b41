"""Typed settings from the environment; each service subclasses with its own env prefix."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service has. A service sets ``env_prefix`` (``REGISTRATION_`` ...)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://medins:medins@127.0.0.1:55432/medins"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:55672/"
    region: str = "431000"
    internal_public_key_file: Path = Path(".run/keys/internal-public.pem")
    exchange: str = "medins.events"
    #: prefix of this deployment's queue names, so that two deployments can share one broker (tests)
    queue_prefix: str = ""
    relay_enabled: bool = True
    relay_batch_size: int = 200
    relay_idle_seconds: float = 0.2
    consumers_enabled: bool = True
    consumer_delivery_limit: int = 5
    consumer_prefetch: int = 20
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    #: 差评整改期限: working days staff have to close the follow-up of a bad review (configurable, 6.3 gives none)
    follow_up_working_days: int = 10

    def internal_public_key(self) -> bytes:
        return self.internal_public_key_file.read_bytes()
