"""The tables: who beneficiaries are, where they talk to us, their conversations, and every message in and out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, TypeDecorator, UniqueConstraint, text
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
    phone: str | None = Field(default=None, max_length=32, index=True)  # a contact number as given: never identity
    # The number a channel vouched is this person's own (WhatsApp's sender, their own Telegram contact, a code
    # sent there and typed back): the only number that joins identities. One record per number.
    verified_phone: str | None = Field(default=None, max_length=32, index=True, unique=True)
    phone_verified_at: datetime | None = _ts(nullable=True)
    language: str = Field(default="ar", max_length=5)
    # What the beneficiary told us (seed 003: kept up to date by them). Sensitive fields are encrypted.
    full_name_enc: str | None = Field(default=None, max_length=1000)
    national_id_enc: str | None = Field(default=None, max_length=1000)
    national_id_hash: str | None = Field(default=None, max_length=64, index=True)  # Keyring.id_hash: equality only
    city: str | None = Field(default=None, max_length=40)
    residency: str | None = Field(default=None, max_length=20)
    household_size: int | None = None
    income_bracket: str | None = Field(default=None, max_length=20)
    consent_at: datetime | None = _ts(nullable=True)
    erased_at: datetime | None = _ts(nullable=True)
    # A staff merge (store/merge.py) moved everything of this record to another and kept this one as a trace.
    merged_into_id: int | None = Field(default=None, foreign_key="beneficiary.id", index=True)
    merged_at: datetime | None = _ts(nullable=True)
    # What the association's own records say (an imported sheet): a need category, and staff notes (encrypted).
    category: str | None = Field(default=None, max_length=40, index=True)
    notes_enc: str | None = Field(default=None, max_length=4000)
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


# Outbox rows a dispatcher may still have to send; its claim and the partial index below say it the same way
# (a query must repeat the index's predicate word for word for either database to use the index).
DUE_OUTBOX = "status IN ('pending', 'sending')"


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the state that caused it; sent after commit.
    One row per recipient per broadcast (unique), so a retried or repeated fan-out never sends twice."""

    __table_args__ = (
        UniqueConstraint("broadcast_id", "channel", "recipient", name="uq_outbox_broadcast_recipient"),
        # the rows still to send, in id order: a claim reads these, not the sent rows of a broadcast before them
        Index("ix_outbox_due", "id", postgresql_where=text(DUE_OUTBOX), sqlite_where=text(DUE_OUTBOX)),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=128)
    conversation_key: str = Field(max_length=160, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _ts(nullable=False, default=utcnow)  # a claim finds due rows by ix_outbox_due
    provider_message_id: str | None = Field(default=None, max_length=128, index=True)  # status callbacks
    error: str | None = Field(default=None, max_length=500)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # who wrote it, for a staff reply
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    # what staff caused it about (request:<ref>, complaint:<ref>, handoff:<ref>, program:<id>): its page shows it
    subject: str | None = Field(default=None, max_length=60, index=True)
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
    closed_at: datetime | None = _ts(nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _ts(nullable=False, default=utcnow)
    assigned_to: int | None = Field(default=None, foreign_key="staff.id", index=True)  # who owns it (store/inbox.py)
    answering_by: int | None = Field(default=None, foreign_key="staff.id")  # who has it open to answer, and since
    answering_at: datetime | None = _ts(nullable=True)


class Attachment(SQLModel, table=True):
    """A photo, document or location a beneficiary sent, kept by the channel's reference for staff to fetch."""

    id: int | None = Field(default=None, primary_key=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    inbound_id: int | None = Field(default=None, foreign_key="inboundmessage.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="helprequest.id", index=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    channel: str = Field(max_length=20)
    kind: str = Field(max_length=20)  # photo, document, media, location, upload (a file staff attached)
    reference: str = Field(max_length=1000)  # a Telegram file_id, a Twilio media URL, or "lat,lon"
    content_type: str = Field(default="", max_length=120)
    file_name: str = Field(default="", max_length=255)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    # A file from a channel is fetched into the file store: pending (due at fetch_due_at), stored, failed.
    fetch_status: str = Field(default="", max_length=20, index=True)
    fetch_due_at: datetime | None = _ts(nullable=True, index=True)
    fetch_attempts: int = 0
    fetch_error: str = Field(default="", max_length=40)  # why it failed, as a key the console words
    stored_name: str = Field(default="", max_length=64)  # its random name in FILES_DIR once fetched
    size: int | None = None
    transcript: str = ""  # what a voice note says, when transcription is on


class Timer(SQLModel, table=True):
    """Time as a row: at `due_at` the event `kind` is fed to the conversation like any other input."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    sender_id: str = Field(max_length=128)
    kind: str = Field(max_length=40)
    text: str = Field(default="", max_length=200)  # what the event carries (e.g. which service a rating is for)
    status: str = Field(default="pending", max_length=20, index=True)  # pending, fired, cancelled
    due_at: datetime = _ts(nullable=False, index=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class HelpRequest(SQLModel, table=True):
    """A beneficiary's application for support (طلب دعم مستفيد), studied and decided by the research committee."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    language: str = Field(default="ar", max_length=5)
    # submitted, needs_info, accepted, rejected, delivered
    status: str = Field(default="submitted", max_length=20, index=True)
    beneficiary_type: str = Field(default="", max_length=30)  # the profile's type (seed 004); "": no types
    category: str = Field(max_length=40, index=True)
    city: str = Field(max_length=40, index=True)
    residency: str = Field(max_length=20)
    household_size: int
    income_bracket: str = Field(max_length=20)
    conditions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # category conditions met
    # What the beneficiary wrote of their need (health details among it: sensitive under the personal-data
    # law), encrypted like the ID once description_sealed; see store/sealed.py
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    description_sealed: bool = False
    full_name_enc: str = Field(max_length=1000)
    national_id_enc: str = Field(max_length=1000)
    national_id_hash: str | None = Field(default=None, max_length=64, index=True)  # Keyring.id_hash: equality only
    phone: str = Field(default="", max_length=32)
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # rules left to staff
    info_question: str | None = Field(default=None, max_length=1000)  # what staff asked for, while needs_info
    due_at: datetime = _ts(nullable=False, index=True)
    submitted_at: datetime = _ts(nullable=False, default=utcnow)
    decided_at: datetime | None = _ts(nullable=True)
    decided_by: int | None = Field(default=None, foreign_key="staff.id")
    decision_reason: str | None = Field(default=None, max_length=1000)
    delivered_at: datetime | None = _ts(nullable=True)
    delivered_by: int | None = Field(default=None, foreign_key="staff.id")
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # proof of delivery
    aid_kind: str | None = Field(default=None, max_length=20)  # what was given: cash, voucher, in_kind, service
    aid_halalas: int | None = None  # its amount in halalas (1/100 riyal) where it is money
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class RequestEvent(SQLModel, table=True):
    """A request's history: submitted, info asked and received, data updated, decided, delivered, notes."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="helprequest.id", index=True)
    at: datetime = _ts(nullable=False, default=utcnow)
    actor: str = Field(max_length=40)  # beneficiary, system, or staff:<id>
    kind: str = Field(max_length=30)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Staff(SQLModel, table=True):
    """A staff member of the association who signs in to the console."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=20)  # admin, researcher, coordinator, viewer
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class StaffSession(SQLModel, table=True):
    """A signed-in console session; only a hash of its token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    expires_at: datetime = _ts(nullable=False)


class AuditLog(SQLModel, table=True):
    """Who saw or decided what, and when; append-only (the database refuses updates and deletes)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(nullable=False, default=utcnow, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    action: str = Field(max_length=40)
    subject: str = Field(max_length=80, index=True)  # e.g. beneficiary:12, request:R-7K3P9Q
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Program(SQLModel, table=True):
    """A program or service (seed 000 §6): open to all, registration required, volunteers, or a service/product."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # open, registration, volunteer, service
    status: str = Field(default="draft", max_length=20, index=True)  # draft, published, cancelled
    title_ar: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    description_ar: str = Field(default="", max_length=4000)
    description_en: str = Field(default="", max_length=4000)
    starts_at: datetime = _ts(nullable=False, index=True)
    ends_at: datetime | None = _ts(nullable=True)
    mode: str = Field(default="in_person", max_length=20)  # in_person, remote
    place_ar: str = Field(default="", max_length=300)
    place_en: str = Field(default="", max_length=300)
    link: str = Field(default="", max_length=500)  # the remote meeting or the National Volunteering Platform page
    capacity: int | None = None
    registration_deadline: datetime | None = _ts(nullable=True)
    # [{"key": "age_min", "value": 18} | {"key": "city", "value": ["bukayriyah"]} | {"key": "gender", "value": "f"}
    #  | {"key": "residency", "value": ["citizen", "resident"]} | {"key": "question", "ar": …, "en": …, "expect": "yes"}]
    conditions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    arrangements_ar: str = Field(default="", max_length=4000)
    arrangements_en: str = Field(default="", max_length=4000)
    checkin_code: str = Field(default="", max_length=12)
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class Registration(SQLModel, table=True):
    """A beneficiary's sign-up for a program (or interest in volunteering, or a request for a service)."""

    __table_args__ = (UniqueConstraint("program_id", "beneficiary_id", name="uq_registration_person"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    conversation_key: str = Field(max_length=160)
    # pending, accepted, rejected, waitlisted, cancelled, interested (volunteer), requested, delivered (service)
    status: str = Field(max_length=20, index=True)
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=1000)  # a volunteer's skills, a service request's details
    created_at: datetime = _ts(nullable=False, default=utcnow)
    decided_at: datetime | None = _ts(nullable=True)
    decided_by: int | None = Field(default=None, foreign_key="staff.id")
    attended_at: datetime | None = _ts(nullable=True)
    attendance_source: str | None = Field(default=None, max_length=20)  # staff, checkin


class Broadcast(SQLModel, table=True):
    """An announcement to an audience, fanned out through the outbox in batches."""

    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    text_ar: str = Field(max_length=4000)
    text_en: str = Field(max_length=4000)
    # {"cities": [...], "languages": [...], "channels": [...], "past_participants_of": program id, "volunteers": bool}
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=20, index=True)  # scheduled, sending, done, cancelled
    send_at: datetime = _ts(nullable=False, index=True)
    fanned_out_to: int = 0  # the last ChannelIdentity id queued: fan-out resumes after a crash from there
    override_reason: str | None = Field(default=None, max_length=1000)  # an admin's reason to break the lead time
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Rating(SQLModel, table=True):
    """A satisfaction rating for one service (a right of the beneficiary, a tool for improvement, never for
    blame): one per service and person (unique), prompted after the profile's delay, reminded once, then expired."""

    __table_args__ = (UniqueConstraint("service_kind", "service_ref", "beneficiary_id", name="uq_rating_service"),)
    id: int | None = Field(default=None, primary_key=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    # help_request, program, handoff, complaint, service
    service_kind: str = Field(max_length=20, index=True)
    service_ref: str = Field(max_length=40)  # a request or complaint reference, a program id, a handoff reference
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)  # who delivered the service
    # scheduled, prompted, reminded, answered, expired, not_sent
    status: str = Field(default="scheduled", max_length=20, index=True)
    score: int | None = None  # 1 to 5
    comment: str = Field(default="", max_length=1000)
    reason: str = Field(default="", max_length=300)  # why it was not sent (e.g. outside the WhatsApp window)
    created_at: datetime = _ts(nullable=False, default=utcnow, index=True)
    prompted_at: datetime | None = _ts(nullable=True)
    answered_at: datetime | None = _ts(nullable=True)


class Complaint(SQLModel, table=True):
    """A complaint or suggestion (accountability, seed 004), answered within the profile's working days."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    conversation_key: str = Field(max_length=160, index=True)
    channel: str = Field(max_length=20)
    kind: str = Field(max_length=20)  # complaint, suggestion
    text: str = Field(max_length=4000)
    status: str = Field(default="open", max_length=20, index=True)  # open, answered, resolved
    due_at: datetime = _ts(nullable=False, index=True)
    reply: str = Field(default="", max_length=4000)
    replied_at: datetime | None = _ts(nullable=True)
    replied_by: int | None = Field(default=None, foreign_key="staff.id")
    resolved_at: datetime | None = _ts(nullable=True)
    resolved_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _ts(nullable=False, default=utcnow, index=True)


class PeriodicRun(SQLModel, table=True):
    """One run of a periodic job (e.g. `digest:2026-W48`): the key is unique, so the first process whose sweep
    sees the run due inserts it, once, even when every process was down at the due time."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)
    due_at: datetime = _ts(nullable=False)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class LinkChallenge(SQLModel, table=True):
    """A one-time code sent to a WhatsApp/Telegram identity so that a web-chat visitor can prove the number is
    theirs; kept (never deleted) so that staff can read every attempt later. Only a salted hash of the code."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=160, index=True)  # the web visitor asking
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)  # the visitor's record when asked
    number_hash: str = Field(max_length=64, index=True)  # sha256 of the number (rate limit per number)
    number_masked: str = Field(max_length=32)  # e.g. +9665•••••567, for staff
    target_beneficiary_id: int | None = Field(default=None, foreign_key="beneficiary.id")  # None: no such record
    code_hash: str = Field(max_length=64)
    salt: str = Field(max_length=32)
    attempts: int = 0
    status: str = Field(default="pending", max_length=20, index=True)  # pending, linked, locked, expired, replaced
    created_at: datetime = _ts(nullable=False, default=utcnow, index=True)
    expires_at: datetime = _ts(nullable=False)
    finished_at: datetime | None = _ts(nullable=True)


class BeneficiaryImport(SQLModel, table=True):
    """A spreadsheet of beneficiaries uploaded by staff: kept (encrypted) between its preview and the import, so
    the import checks the very file that was previewed, once; then the refused rows with their reasons."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    file_name: str = Field(default="", max_length=255)
    content_enc: str = Field(sa_column=Column(Text, nullable=False))  # the file, base64 then encrypted
    status: str = Field(default="previewed", max_length=20)  # previewed, imported
    imported: int = 0
    refused_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON, encrypted
    created_at: datetime = _ts(nullable=False, default=utcnow)
    imported_at: datetime | None = _ts(nullable=True)


class WhatsAppTemplate(SQLModel, table=True):
    """A message template created in Twilio's Content API for one kind and language, and WhatsApp's verdict."""

    __table_args__ = (UniqueConstraint("kind", "language", name="uq_whatsapptemplate_kind_language"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    language: str = Field(max_length=5)
    content_sid: str = Field(max_length=40)
    # unsubmitted, received, pending, approved, rejected, paused, disabled (WhatsApp's own words)
    status: str = Field(default="unsubmitted", max_length=20)
    rejection_reason: str = Field(default="", max_length=500)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class DeskIntake(SQLModel, table=True):
    """A record staff entered for someone who came in person, phoned, wrote a letter or was brought by a branch
    representative: the channel it came through, who entered it, and the declaration signed on paper."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # help_request, complaint, registration
    record_id: int = Field(index=True)  # the HelpRequest, Complaint or Registration it created
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    channel: str = Field(max_length=20)  # in_person, phone, letter, representative
    entered_by: int = Field(foreign_key="staff.id")
    representative_name: str | None = Field(default=None, max_length=120)
    representative_office: str | None = Field(default=None, max_length=120)
    declaration: str | None = Field(default=None, max_length=20)  # upload, on_file (help requests)
    declaration_attachment_id: int | None = Field(default=None, foreign_key="attachment.id")
    created_at: datetime = _ts(nullable=False, default=utcnow)


class ComplaintReply(SQLModel, table=True):
    """One staff message in a complaint's thread (store/complaint_thread.py): staff may write more than once."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    text: str = Field(max_length=4000)
    at: datetime = _ts(nullable=False, default=utcnow)


class Alert(SQLModel, table=True):
    """One staff alert per item (`handoff:H-…`, `request:R-…`, `complaint:C-…`, `rating:12`): the key is unique,
    so an item is announced once however many processes sweep (store/alerts.py)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class HandoffRead(SQLModel, table=True):
    """When a staff member last opened a live chat: newer messages from the beneficiary are unread for them."""

    __table_args__ = (UniqueConstraint("handoff_id", "staff_id", name="uq_handoff_read"),)
    id: int | None = Field(default=None, primary_key=True)
    handoff_id: int = Field(foreign_key="handoffrequest.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    seen_at: datetime = _ts(nullable=False)


class ReadyAnswer(SQLModel, table=True):
    """A canned reply in one language, managed by admins and inserted into a live-chat answer."""

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=5, index=True)
    title: str = Field(max_length=120)
    text: str = Field(max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _ts(nullable=False, default=utcnow)


class SettingsState(SQLModel, table=True):
    """The one row saying which version of the console-edited settings is current (every change adds one, so each
    process sees a change by reading one number), and when the policy and FAQ were last reviewed, by whom."""

    id: int | None = Field(default=None, primary_key=True)
    version: int = 0
    reviewed_at: datetime | None = _ts(nullable=True)
    reviewed_by: int | None = Field(default=None, foreign_key="staff.id")


class SettingValue(SQLModel, table=True):
    """One section of the association's settings as staff edited it (e.g. `working_hours`), laid over the profile
    file's value of that section."""

    key: str = Field(primary_key=True, max_length=40)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts(nullable=False, default=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="staff.id")


class FaqRecord(SQLModel, table=True):
    """An FAQ entry as staff wrote it: it replaces the profile file's entry with the same key, or adds one; a
    retired entry is no longer answered."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    retired: bool = False
    updated_at: datetime = _ts(nullable=False, default=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="staff.id")
