"""Logging as the CLI sets it up: one stream handler whose filter blanks the value of every secret setting
(tokens, keys, passwords) out of each record, so that a library logging a URL with the bot token in it, or an
exception quoting one, leaks nothing."""

from __future__ import annotations

import base64
import logging
import sys
from typing import IO, Iterable
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import DATA_DIR, Settings

REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("apscheduler", "alembic", "twilio")  # a line every sweep, migration step or API call: noise at INFO


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, as written and as it would appear in a URL or a Basic auth header."""
    values = [settings.telegram_bot_token, settings.telegram_webhook_secret, settings.twilio_auth_token,
              settings.smtp_password, settings.transcribe_api_key]
    values += [key.strip() for key in settings.data_keys.split(",")]
    key_file = DATA_DIR / "data.key"  # the keys when DATA_KEYS is empty (see Settings.keyring)
    if not settings.data_keys and key_file.is_file():
        values += [key.strip() for key in key_file.read_text().split(",")]
    try:
        values.append(make_url(settings.database_url).password or "")
    except ArgumentError:
        pass
    if settings.twilio_account_sid and settings.twilio_auth_token:
        pair = f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()
        values.append(base64.b64encode(pair).decode("ascii"))
    values += [quote(v, safe="") for v in values]
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """Replaces each secret value in a record's message (with its arguments), traceback and stack."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (arguments that do not fit the message: keep them, redacted)
            message = f"{record.msg} {record.args!r}"
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(settings: Settings, stream: IO[str] | None = None, quiet: bool = False) -> logging.Handler:
    """Log to `stream` (stderr) at LOG_LEVEL (at least WARNING when `quiet`), secrets redacted; the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if any(isinstance(f, RedactSecrets) for f in h.filters)]:
        root.removeHandler(old)  # configured again in the same process (tests): one handler, not two
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level)
    root.setLevel(max(logging.WARNING, level) if quiet else level)
    for name in CHATTY:  # quiet at INFO and above; LOG_LEVEL=DEBUG shows everything
        logging.getLogger(name).setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
    return handler
