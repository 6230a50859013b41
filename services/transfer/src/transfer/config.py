from pathlib import Path

from pydantic_settings import SettingsConfigDict

from medins.settings import ServiceSettings
from transfer.agencies import DEFAULT_FILE


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSFER_", extra="ignore")

    #: this region's Ed25519 key: signs the documents and the partner requests (created on first start if missing)
    region_key_file: Path = Path(".run/keys/region-private.pem")
    #: the agency details printed on 样表14/15 (shipped with demonstration values)
    agencies_file: Path = DEFAULT_FILE
    #: documents to partners: first retry after ``partner_retry_base_seconds``, doubling up to the maximum
    partner_retry_base_seconds: float = 1.0
    partner_retry_max_seconds: float = 60.0
    partner_timeout_seconds: float = 10.0
    partner_poll_seconds: float = 0.5
    partner_sender_enabled: bool = True
