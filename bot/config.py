"""Settings from the environment or ``.env``, one class per concern, all prefixed ``GOPY_``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.keys import ServerKey, server_key

if TYPE_CHECKING:
    from scheduler.mail_delivery import SmtpSettings

PUBLIC_BOT_API = "https://api.telegram.org"
ZALO_BOT_API = "https://bot-api.zaloplatforms.com"


def _config(prefix: str) -> SettingsConfigDict:
    # env_ignore_empty: a line left blank (NAME= in .env, or compose's env_file) is unset, not "".
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )


def _web_address(value: str | None, name: str) -> str | None:
    """``value`` if it is an http(s) address (blank counts as unset)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 512:
        raise ValueError(f"{name} must be an address starting with https://")
    return value


class TelegramSettings(BaseSettings):
    model_config = _config("GOPY_TELEGRAM_")

    token: SecretStr | None = None
    api_url: str = PUBLIC_BOT_API
    # Used for deep links when the CLI cannot ask getMe (no token, no network).
    bot_username: str | None = None


class ZaloSettings(BaseSettings):
    """The Zalo Bot Platform (``<bot id>:<secret>`` from Zalo Bot Creator)."""

    model_config = _config("GOPY_ZALO_")

    token: SecretStr | None = None
    api_url: str = ZALO_BOT_API
    # The bot's page that people open to chat with it (https://zalo.me/…, from Zalo Bot
    # Creator): the landing page's «Góp ý qua Zalo» button opens it.
    bot_url: str | None = None

    # Zalo publishes no sending limits (docs/zalo-bot-platform.md §7: an overrun answers 429
    # "Quota exceeded", with no hint of when to try again): conservative guesses, a third of
    # Telegram's rate and Telegram's per-chat gap, until measured.
    rate: float = Field(default=10.0, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0, le=60)

    @field_validator("bot_url")
    @classmethod
    def _bot_url(cls, value: str | None) -> str | None:
        return _web_address(value, "GOPY_ZALO_BOT_URL")


class WebhookSettings(BaseSettings):
    model_config = _config("GOPY_WEBHOOK_")

    url: str | None = None
    # Never empty: the webhook compares it to the header, and a missing header reads as "".
    secret: SecretStr | None = Field(default=None, min_length=1, max_length=256)


class SchedulerSettings(BaseSettings):
    """Reminders, escalations and digests (``gopy scheduler``, or inside ``gopy run``)."""

    model_config = _config("GOPY_SCHEDULER_")

    # Off: this process never runs the sweeps (a separate ``gopy scheduler`` does); it still
    # delivers the outbox, as every process does.
    enabled: bool = True
    # ``gopy scheduler`` serves /healthz, /readyz and /metrics on this port (GOPY_WEB_HOST)
    # when set; unset, it opens no port (it may share a computer with ``gopy run``).
    web_port: int | None = Field(default=None, ge=1, le=65535)
    # Before each deadline, to those who have not filed; a campaign may set its own.
    reminders: str = "24h,2h"
    quiet_hours: str = "21:00-07:00"
    # The officials' weekly digest, local time of each campaign.
    digest: str = "mon 08:00"

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, value: str) -> str:
        from scheduler.plan import parse_offsets

        parse_offsets(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        from scheduler.quiet import QuietHours

        QuietHours.parse(value)
        return value

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        from scheduler.plan import parse_weekly

        parse_weekly(value, "UTC")
        return value


class OutboxSettings(BaseSettings):
    """Delivery of queued messages within the messenger's limits."""

    model_config = _config("GOPY_OUTBOX_")

    # Telegram allows about 30 messages a second in all and one a second per chat.
    rate: float = Field(default=25.0, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0, le=60)
    max_attempts: int = Field(default=6, ge=1, le=100)
    # Messages sent at once; a crash may repeat at most these (they were on their way).
    concurrency: int = Field(default=4, ge=1, le=64)
    # How long a sender holds a message; after a crash it is sent again once this passes.
    lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    # A direct reply answered 429 is tried again after the pause, at most this many times and
    # through at most this many seconds of pauses; then it goes to the outbox (bot.throttle).
    reply_tries: int = Field(default=3, ge=0, le=20)
    reply_wait_seconds: float = Field(default=20.0, ge=0, le=600)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


class CommentSettings(BaseSettings):
    """Citizens' comments: abuse limits, and where copies of their photos go."""

    model_config = _config("GOPY_COMMENTS_")

    per_hour: int = Field(default=10, ge=1, le=1000)
    # The same text again within this many minutes is the same comment.
    duplicate_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # Photos stay on the messenger's servers (by file_id); set this to keep a copy too.
    media_dir: Path | None = None
    # The web form: comments per hour from one network address (a mobile network puts many
    # phones behind one address, so this is looser than the per-person limit above), and
    # the photos one comment may carry.
    per_address_hour: int = Field(default=30, ge=1, le=10000)
    web_photos: int = Field(default=3, ge=0, le=10)
    web_photo_bytes: int = Field(default=5 << 20, ge=1 << 16, le=50 << 20)


class MailSettings(BaseSettings):
    """E-mail of signed reports to the office above: the SMTP server and the sender.

    ``GOPY_SMTP_URL`` is ``smtp://user:password@host:587?starttls=true`` (``smtps://`` for TLS
    from the start); ``GOPY_MAIL_FROM`` the sender, a display name allowed. Unset, e-mails
    wait in the outbox.
    """

    model_config = SettingsConfigDict(
        env_prefix="GOPY_MAIL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
        # The URL holds the password: a bad value must not be echoed in the error.
        hide_input_in_errors=True,
    )

    smtp_url: SecretStr | None = Field(default=None, validation_alias="GOPY_SMTP_URL")
    sender: str | None = Field(default=None, validation_alias="GOPY_MAIL_FROM")
    max_attempts: int = Field(default=8, ge=1, le=100)
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    @model_validator(mode="after")
    def _server(self) -> MailSettings:
        if self.smtp_url is not None:
            if not self.sender:
                raise ValueError("GOPY_SMTP_URL is set: set GOPY_MAIL_FROM, the sender, too")
            self.smtp()
        elif self.sender:
            from scheduler.mail_delivery import sender_address

            sender_address(self.sender)
        return self

    def smtp(self) -> SmtpSettings | None:
        """The server to send through, or None when e-mail is not configured."""
        from scheduler.mail_delivery import parse_smtp_url

        if self.smtp_url is None or not self.sender:
            return None
        timeout = self.timeout_seconds
        return parse_smtp_url(
            self.smtp_url.get_secret_value(),
            sender=self.sender,
            timeout=timeout,
            max_attempts=self.max_attempts,
            # A send takes at most a few timeouts (connect, each command, the data).
            lease=timedelta(seconds=max(10 * timeout, 300)),
        )


class Settings(BaseSettings):
    model_config = _config("GOPY_")

    database_url: str = "sqlite+aiosqlite:///gopy.db"
    # Where people reach this server (https://gopy.example.vn): QR codes then encode its
    # landing pages. Defaults to GOPY_WEBHOOK_URL.
    public_url: str | None = None
    # Reverse proxies in front of gopy (addresses or networks, comma-separated): requests from
    # them are traced back through X-Forwarded-For to the citizen's address.
    trusted_proxies: str = ""
    # Connections each process keeps to the database, and how long an update waits for one. At
    # the platform's sending limit an update keeps its connection while its replies wait for a
    # slot (bot.throttle), so a burst queues here: better a long wait than a failed update.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_pool_overflow: int = Field(default=10, ge=0, le=200)
    database_pool_timeout: float = Field(default=300.0, gt=0, le=3600)
    redis_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # Bind with SO_REUSEPORT, beside other processes on the same port (set by
    # ``gopy run --workers N`` in its children).
    web_reuse_port: bool = False
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    # Keys the hashes that stand for anonymous authors and invite codes (storage.keys). Set it
    # in production; unset, a generated one is kept in a file beside the SQLite database.
    secret_key: SecretStr | None = Field(default=None, min_length=32)
    # /metrics is served only when this is set, to requests with "Authorization: Bearer <it>".
    metrics_token: SecretStr | None = Field(default=None, min_length=16)
    # "json": one JSON object per log line (bot.logs), for a log collector; "text" otherwise.
    log_format: Literal["text", "json"] = "text"
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    comments: CommentSettings = Field(default_factory=CommentSettings)
    mail: MailSettings = Field(default_factory=MailSettings)

    def server_key(self) -> ServerKey:
        configured = self.secret_key.get_secret_value() if self.secret_key else None
        return server_key(self.database_url, configured)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        address = _web_address(value, "GOPY_PUBLIC_URL")
        if address is None:
            return None
        # Posters append their paths (/q/GY-…): an address copied with ?… or #… from a
        # browser would print a QR code to the home page on every poster.
        if not urlsplit(address).hostname or any(c in "?#" or c.isspace() for c in address):
            raise ValueError(
                "GOPY_PUBLIC_URL is gopy's address alone (https://host, perhaps with a path), "
                "without ?… or #…"
            )
        return address

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        from bot.web.client_address import parse_networks

        parse_networks(value)
        return value

    @property
    def public_base(self) -> str | None:
        """The public address without its trailing slash, or None when there is none."""
        base = self.public_url or self.webhook.url
        return base.rstrip("/") if base else None

    @property
    def local_base(self) -> str:
        """This process's web server as seen from this computer (the simulator, a trial)."""
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def simulator(self) -> bool:
        """No token at all: run the local web simulator instead of a messenger."""
        return self.telegram.token is None and self.zalo.token is None
