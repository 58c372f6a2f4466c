"""Settings from the environment and `.env`; a bad value stops start-up with one line naming it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from store.crypto import Keyring

DATA_DIR = Path("data")
# Credentials and addresses with a known shape: a typo is caught at start-up, not at the first send.
_SHAPES = {
    "telegram_bot_token": (r"\d+:[A-Za-z0-9_-]{20,}", "must look like 123456789:AA… (from @BotFather)"),
    "telegram_webhook_secret": (r"[A-Za-z0-9_-]{16,256}", "must be 16-256 letters, digits, _ or - (Telegram's rule)"),
    "twilio_account_sid": (r"AC[0-9a-f]{32}", "must be AC followed by 32 hex digits"),
    "twilio_whatsapp_from": (r"whatsapp:\+\d{6,15}", "must be whatsapp:+ and the number, e.g. whatsapp:+966500000000"),
    "twilio_messaging_service_sid": (r"MG[0-9a-f]{32}", "must be MG followed by 32 hex digits"),
}


class Settings(BaseSettings):
    """Everything an operator sets; documented one by one in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{DATA_DIR}/frontdesk.sqlite3"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8080"
    profile: str = "bukayriyah"
    # A template profile (users_policy) without its name and service area starts only in demo mode, with
    # placeholders shown as placeholders («[اسم الجمعية]»); never for real beneficiaries.
    demo: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    webchat_max_chars: int = Field(default=2000, ge=50, le=20000)
    # Keys that encrypt national IDs and names at rest: comma-separated Fernet keys, newest first.
    # Empty: a key file under ./data/ is made on first start (one machine, SQLite).
    data_keys: str = ""
    session_hours: int = Field(default=12, ge=1, le=24 * 30)  # how long a staff sign-in lasts
    sweep_seconds: float = Field(default=10.0, gt=0, le=3600)  # timers, due broadcasts, stale inputs
    settings_poll_seconds: float = Field(default=3.0, gt=0, le=600)  # how soon a console settings change applies
    dispatch_lease_seconds: float = Field(default=60.0, ge=1, le=3600)  # a dead sender's rows are retaken after
    # Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client (sign-in throttling).
    trusted_proxies: str = ""
    files_dir: Path = DATA_DIR / "files"  # files beneficiaries send (photos, PDF, voice notes)
    # Optional transcription of voice notes: an OpenAI-compatible /v1/audio/transcriptions endpoint.
    transcribe_url: str = ""
    transcribe_api_key: str = ""
    transcribe_model: str = "whisper-1"

    # Telegram (python-telegram-bot): on when TELEGRAM_BOT_TOKEN is set.
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_rate_per_second: float = Field(default=25.0, gt=0)
    telegram_rate_per_chat: float = Field(default=1.0, gt=0)
    telegram_staff_chat_id: str = ""  # a staff group for the weekly digest and staff alerts (optional)

    # WhatsApp through Twilio: on when TWILIO_ACCOUNT_SID is set.
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_whatsapp_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = ""
    whatsapp_rate_per_second: float = Field(default=10.0, gt=0)

    # E-mail for staff alerts (optional): on when SMTP_HOST and ALERT_EMAILS are set.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""  # a secret: named so (password), hidden in errors like the tokens
    smtp_starttls: bool = True  # upgrade the connection with STARTTLS (port 465 implicit TLS is not used)
    smtp_from: str = ""
    alert_emails: str = ""  # comma-separated addresses that receive staff alerts

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value.startswith("sqlite://"):
            value = "sqlite+aiosqlite://" + value.removeprefix("sqlite://")
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                value = "postgresql+asyncpg://" + value.removeprefix(plain)
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator(*_SHAPES)
    @classmethod
    def _shaped(cls, value: str, info: ValidationInfo) -> str:
        pattern, message = _SHAPES[info.field_name]
        if value and not re.fullmatch(pattern, value):
            raise ValueError(message)
        return value

    @field_validator("telegram_api_base_url", "twilio_api_base_url", "transcribe_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("data_keys")
    @classmethod
    def _fernet_keys(cls, value: str) -> str:
        from cryptography.fernet import Fernet

        for key in (k.strip() for k in value.split(",") if k.strip()):
            try:
                Fernet(key.encode())
            except ValueError:
                raise ValueError("each key must be a Fernet key (python -m bot new-key makes one)") from None
        return value

    @model_validator(mode="after")
    def _channels_complete(self) -> "Settings":
        if self.telegram_bot_token and self.telegram_mode == "webhook" and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook")
        if not self.is_sqlite and not self.data_keys:
            raise ValueError("DATA_KEYS is required with PostgreSQL (every process must share the keys)")
        if self.twilio_account_sid:
            if not self.twilio_auth_token:
                raise ValueError("TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID")
            if not (self.twilio_whatsapp_from or self.twilio_messaging_service_sid):
                raise ValueError("TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID is required")
        if self.alert_emails and self.smtp_host and not self.smtp_from:
            raise ValueError("SMTP_FROM is required with SMTP_HOST and ALERT_EMAILS")
        return self

    def keyring(self) -> "Keyring":
        """The encryption keys for sensitive fields (see DATA_KEYS)."""
        from store.crypto import keyring_from

        return keyring_from(self.data_keys, DATA_DIR / "data.key")

    @property
    def trusted_proxy_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.alert_emails)

    @property
    def alert_email_list(self) -> list[str]:
        return [a.strip() for a in self.alert_emails.split(",") if a.strip()]


class SettingsError(Exception):
    """A setting that cannot be used: the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings; turn pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            if err["loc"]:
                name = str(err["loc"][0])
                secret = any(w in name for w in ("token", "secret", "keys", "password"))
                got = "(hidden)" if secret else repr(err.get("input"))
                lines.append(f"setting {name.upper()}: {err['msg']} (got {got})")
            else:  # a rule across settings; its message names them
                lines.append(f"settings: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(lines)) from None
