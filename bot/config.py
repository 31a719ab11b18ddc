"""Settings from the environment or ``.env``, one class per concern, all prefixed ``GOPY_``."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLIC_BOT_API = "https://api.telegram.org"


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )


class TelegramSettings(BaseSettings):
    model_config = _config("GOPY_TELEGRAM_")

    token: SecretStr | None = None
    api_url: str = PUBLIC_BOT_API
    # Used for deep links when the CLI cannot ask getMe (no token, no network).
    bot_username: str | None = None


class WebhookSettings(BaseSettings):
    model_config = _config("GOPY_WEBHOOK_")

    url: str | None = None
    secret: SecretStr | None = None


class Settings(BaseSettings):
    model_config = _config("GOPY_")

    database_url: str = "sqlite+aiosqlite:///gopy.db"
    redis_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)

    @property
    def simulator(self) -> bool:
        """No token at all: run the local web simulator instead of a messenger."""
        return self.telegram.token is None
