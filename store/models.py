"""The tables: who beneficiaries are, where they talk to us, their conversations, and every message in and out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _ts(**kw: Any) -> Any:
    """A timezone-aware timestamp field."""
    return Field(sa_column=Column(UTCDateTime(), **kw))


class Beneficiary(SQLModel, table=True):
    """A person the association serves; one person may reach us on several channels."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32, index=True)
    language: str = Field(default="ar", max_length=5)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class ChannelIdentity(SQLModel, table=True):
    """A channel's own id for a person (a Telegram chat, a WhatsApp number, a web-chat token)."""

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=128)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    last_inbound_at: datetime | None = _ts(nullable=True)
    opted_out: bool = Field(default=False, description="no announcements on this channel (STOP)")
    unreachable: str | None = Field(default=None, max_length=200, description="why sends fail for good")
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Conversation(SQLModel, table=True):
    """Where one channel identity stands in a flow; `version` rises by one per applied input."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    flow: str = Field(default="", max_length=40)
    state: str = Field(default="", max_length=80)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class InboundMessage(SQLModel, table=True):
    """Every message that reached us, kept before it is processed; (channel, provider id) drops repeats."""

    __table_args__ = (UniqueConstraint("channel", "provider_message_id", name="uq_inbound_provider_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    provider_message_id: str = Field(max_length=128)
    sender_id: str = Field(max_length=128)
    conversation_key: str = Field(max_length=160, index=True)
    text: str = ""
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="received", max_length=20, index=True)
    received_at: datetime = _ts(nullable=False, default=utcnow)
    processed_at: datetime | None = _ts(nullable=True)


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the state that caused it; sent after commit."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=128)
    conversation_key: str = Field(max_length=160, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _ts(nullable=False, default=utcnow, index=True)
    provider_message_id: str | None = Field(default=None, max_length=128, index=True)  # status callbacks
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    sent_at: datetime | None = _ts(nullable=True)


class HandoffRequest(SQLModel, table=True):
    """A beneficiary asked for a person; staff pick it up from the console."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    reason: str = Field(default="", max_length=40)
    last_question: str = Field(default="", max_length=2000)
    status: str = Field(default="open", max_length=20, index=True)
    answer_due_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Attachment(SQLModel, table=True):
    """A photo, document or location a beneficiary sent, kept by the channel's reference for staff to fetch."""

    id: int | None = Field(default=None, primary_key=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    inbound_id: int = Field(foreign_key="inboundmessage.id", index=True)
    channel: str = Field(max_length=20)
    kind: str = Field(max_length=20)  # photo, document, media, location
    reference: str = Field(max_length=1000)  # a Telegram file_id, a Twilio media URL, or "lat,lon"
    content_type: str = Field(default="", max_length=120)
    file_name: str = Field(default="", max_length=255)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Timer(SQLModel, table=True):
    """Time as a row: at `due_at` the event `kind` is fed to the conversation like any other input."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    sender_id: str = Field(max_length=128)
    kind: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20, index=True)  # pending, fired, cancelled
    due_at: datetime = _ts(nullable=False, index=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)
