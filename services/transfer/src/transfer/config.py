from pydantic_settings import SettingsConfigDict

from medins.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSFER_", extra="ignore")
