"""The e-mail channel for staff alerts: one outbox row, one message over SMTP (stdlib smtplib in a thread)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from bot.dispatcher import PermanentFailure, Recipient, TemporaryFailure
from bot.settings import Settings
from store.models import OutboxMessage

CHANNEL = "email"
TIMEOUT = 30  # seconds for the SMTP conversation


class EmailSender:
    """Sends an outbox row's `subject` and `text` to its recipient address through the configured SMTP server."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def _message(self, row: OutboxMessage) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = row.recipient
        message["Subject"] = row.payload.get("subject", "")
        message["Message-ID"] = make_msgid(domain=self.settings.smtp_from.rpartition("@")[2] or None)
        message.set_content(row.payload.get("text", ""))
        return message

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str:
        message = self._message(row)
        try:
            await asyncio.to_thread(self._send, message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"address refused: {exc.recipients}") from None
        except smtplib.SMTPAuthenticationError:
            raise PermanentFailure("SMTP sign-in refused: check SMTP_USER and SMTP_PASSWORD") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP: {type(exc).__name__}") from None
        return message["Message-ID"]
