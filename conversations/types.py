"""The values a conversation step reads and returns; plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from conversations.profile import Profile
from conversations.catalog import Catalog
from conversations.faq import FaqIndex


@dataclass(frozen=True)
class Choice:
    """An option offered to the beneficiary: `key` comes back when it is picked, `label` is shown."""

    key: str
    label: str


@dataclass(frozen=True)
class Inbound:
    """One input: typed text, a picked choice, a (re)start, a shared phone number (text holds it), a location
    ("lat,lon"), an attachment or a voice note (text holds its caption or transcript), something unsupported, or an event that is not the
    beneficiary's own doing — a timer that came due or a staff action (`choice` names it, `text` carries it)."""

    kind: Literal["text", "choice", "start", "contact", "location", "attachment", "voice", "unsupported", "event"]
    text: str = ""
    choice: str | None = None


@dataclass(frozen=True)
class OpenHandoff:
    """A request to talk to staff that is still waiting: its reference and when it is due."""

    reference: str
    answer_due_at: datetime


@dataclass(frozen=True)
class PersonView:
    """What the association already knows about the beneficiary (to prefill and to update), never the ID."""

    phone: str | None = None  # E.164, vouched by the channel (WhatsApp number, shared Telegram contact) or given
    city: str | None = None
    residency: str | None = None
    household_size: int | None = None
    income_bracket: str | None = None
    consented: bool = False
    named: bool = False  # a name is on file (given in a form, or shown by the channel); the name itself is not here


@dataclass(frozen=True)
class RequestView:
    """One of the beneficiary's own help requests, as "my requests" shows it."""

    reference: str
    status: str  # submitted, needs_info, accepted, rejected, delivered
    category: str
    submitted_at: datetime
    due_at: datetime
    info_question: str | None = None


@dataclass(frozen=True)
class ProgramView:
    """A published program as a beneficiary may browse it; `seats_left` is None when there is no capacity.
    `conditions` are the program's acceptance conditions (see store.models.Program.conditions)."""

    id: int
    kind: str  # open, registration, volunteer, service
    title_ar: str
    title_en: str
    description_ar: str
    description_en: str
    starts_at: datetime
    ends_at: datetime | None
    mode: str  # in_person, remote
    place_ar: str
    place_en: str
    link: str
    seats_left: int | None
    registration_deadline: datetime | None
    conditions: tuple = ()
    arrangements_ar: str = ""
    arrangements_en: str = ""
    checkin_code: str = ""  # only filled for a program the beneficiary is accepted in, on its day


@dataclass(frozen=True)
class RegistrationView:
    """The beneficiary's own sign-up for a program."""

    program_id: int
    status: str  # pending, accepted, rejected, waitlisted, cancelled, interested, requested, delivered
    attended: bool = False


@dataclass(frozen=True)
class ComplaintView:
    """One of the beneficiary's own complaints or suggestions."""

    reference: str
    kind: str  # complaint, suggestion
    status: str  # open, answered, resolved
    created_at: datetime
    due_at: datetime
    reply: str = ""


@dataclass(frozen=True)
class Context:
    """What a step may read besides its state: the profile, texts, FAQ, clock, channel and lookups."""

    profile: Profile
    texts: Catalog
    faq: FaqIndex
    now: datetime
    channel: str
    reference: str  # a fresh reference number, used if this input creates something that needs one
    open_handoff: OpenHandoff | None = None
    person: PersonView = PersonView()
    requests: tuple[RequestView, ...] = ()  # the beneficiary's own, newest first
    programs: tuple[ProgramView, ...] = ()  # upcoming published programs, and any the beneficiary signed up for
    registrations: tuple[RegistrationView, ...] = ()
    complaints: tuple[ComplaintView, ...] = ()  # the beneficiary's own, newest first
    open_ratings: tuple[int, ...] = ()  # ids of their ratings still waiting for an answer


@dataclass(frozen=True)
class Step:
    """A step's result: the next state, the conversation's data, and the effects for the host to apply."""

    state: str
    data: dict
    effects: tuple = field(default_factory=tuple)
