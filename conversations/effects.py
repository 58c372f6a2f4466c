"""Effects: what a step asks the host to do. Each has exactly one applier in `bot/effects.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.types import Choice


@dataclass(frozen=True)
class Reply:
    """Send a text, with choices the channel renders as buttons or a numbered list. `kind` names the message
    for channel rules (e.g. which approved WhatsApp template goes outside the 24-hour window)."""

    text: str
    choices: tuple[Choice, ...] = ()
    kind: str = "reply"


@dataclass(frozen=True)
class SetLanguage:
    """Remember the beneficiary's language for every channel they use."""

    lang: str


@dataclass(frozen=True)
class HandOffToStaff:
    """Record that the beneficiary asked for a person, with what they last asked and when to answer by."""

    reference: str
    reason: str
    last_question: str
    answer_due_at: datetime


@dataclass(frozen=True)
class SetOptOut:
    """Stop (or resume) announcements to the beneficiary on the channel this input came from."""

    opted_out: bool


@dataclass(frozen=True)
class ScheduleTimer:
    """Come back to this conversation at `due_at` with the event `kind` (replacing a pending one of that kind)."""

    kind: str
    due_at: datetime


@dataclass(frozen=True)
class CancelTimer:
    """Forget a pending timer of this kind for this conversation."""

    kind: str


@dataclass(frozen=True)
class RecordConsent:
    """The beneficiary read their duties and the purpose of the data, and agreed (PDPL consent)."""


@dataclass(frozen=True)
class SubmitHelpRequest:
    """File a help request. `form` holds: beneficiary_type (where the profile has types), full_name,
    national_id, phone, city, residency, household_size (int) and income_bracket (not for a type whose form is
    "short"), category, conditions (list of condition keys met), description, started_at (ISO time the
    form began: files the beneficiary sent since then become the request's documents). `flags` are the
    eligibility rules the profile leaves to staff that this request did not meet."""

    reference: str
    form: dict
    flags: tuple[str, ...]
    due_at: datetime


@dataclass(frozen=True)
class AddRequestInfo:
    """What the beneficiary sent in answer to staff's question (text, and files of this input), for a request."""

    reference: str
    text: str


@dataclass(frozen=True)
class UpdatePersonData:
    """New values for phone, city, residency, household_size or income_bracket; attached to open requests."""

    fields: dict


@dataclass(frozen=True)
class ExportMyData:
    """Send the beneficiary a copy of what the association holds about them (sensitive values masked)."""


@dataclass(frozen=True)
class EraseMyData:
    """Anonymise what no retention rule keeps, and tell the beneficiary what is kept and why."""


@dataclass(frozen=True)
class RegisterForProgram:
    """Sign up: `status` is what the step decided from what it saw (pending, waitlisted, interested, requested);
    the host re-checks capacity and waitlists when the last seat went meanwhile. `answers` are the answers to
    the program's questions; `note` a volunteer's skills or a service request's details."""

    program_id: int
    status: str
    answers: dict
    note: str = ""


@dataclass(frozen=True)
class RememberContact:
    """The name and mobile a sign-up needed, typed by the beneficiary: kept on their record where it has none
    (typed data: it never joins or proves an identity)."""

    full_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CancelRegistration:
    """The beneficiary withdraws; the first on the waiting list moves up (and is told)."""

    program_id: int


@dataclass(frozen=True)
class CheckIn:
    """The beneficiary sent the program's check-in code on the day: attendance recorded."""

    program_id: int


@dataclass(frozen=True)
class RecordRating:
    """The beneficiary's answer to a rating prompt: 1 to 5, and an optional comment (empty when skipped)."""

    rating_id: int
    score: int
    comment: str = ""


@dataclass(frozen=True)
class SetRatingStatus:
    """A rating prompt was sent (prompted), reminded once (reminded), or went unanswered (expired)."""

    rating_id: int
    status: str


@dataclass(frozen=True)
class FileComplaint:
    """A complaint or suggestion with its reference; files the beneficiary sent since `started_at` (ISO time)
    become its attachments; the host sets the answer deadline from the profile's working days."""

    reference: str
    kind: str  # complaint, suggestion
    text: str
    started_at: str


@dataclass(frozen=True)
class IssueLinkCode:
    """A web visitor asks to prove `number` (E.164): the host sends a one-time code to that number's own
    WhatsApp/Telegram identity, if any, within its rate limits, and feeds back the event `link:sent|limited`."""

    number: str


@dataclass(frozen=True)
class CheckLinkCode:
    """The code the visitor typed: the host checks it and feeds back `link:ok|wrong|locked|expired|none`;
    on `ok` the web chat is joined to the verified record."""

    code: str


Effect = (
    Reply
    | SetLanguage
    | HandOffToStaff
    | SetOptOut
    | ScheduleTimer
    | CancelTimer
    | RecordConsent
    | SubmitHelpRequest
    | AddRequestInfo
    | UpdatePersonData
    | ExportMyData
    | EraseMyData
    | RegisterForProgram
    | RememberContact
    | CancelRegistration
    | CheckIn
    | RecordRating
    | SetRatingStatus
    | FileComplaint
    | IssueLinkCode
    | CheckLinkCode
)
