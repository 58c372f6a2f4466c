"""The association's policy as data: the profile schema, and loading it with clear errors."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conversations import profile_template
from conversations import languages

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
DEFAULT_PROFILE = "bukayriyah"


def _known_language(code: str) -> str:
    if code not in languages.known():
        raise ValueError(f"no catalog for language {code!r} (known: {', '.join(languages.known())})")
    return code


Lang = Annotated[str, AfterValidator(_known_language)]  # a language with a catalog folder
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    """A profile section: unknown keys are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    """A text shown to beneficiaries, in Arabic and English, and optionally in other languages (`ur = "…"`);
    a language without its own text shows its fallback's (see conversations/languages.py)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _other_languages(self) -> "Bilingual":
        for code, value in (self.model_extra or {}).items():
            _known_language(code)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{code}: a non-empty text")
        return self

    def get(self, lang: str) -> str:
        own = getattr(self, lang, None) if lang in languages.known() else None
        return own if isinstance(own, str) else getattr(self, languages.get(lang).fallback)


class Holiday(Strict):
    """A public holiday: a fixed Gregorian date each year, or a Hijri (Umm al-Qura) date each year."""

    name: Bilingual
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    calendar: Literal["gregorian", "hijri"] = "gregorian"
    days: int = Field(default=1, ge=1, le=30)


class WorkingHours(Strict):
    """The working week and the hours staff answer in (Saudi default: Sunday to Thursday)."""

    days: list[Weekday] = Field(default_factory=lambda: ["sun", "mon", "tue", "wed", "thu"], min_length=1)
    opens: time = time(8, 0)
    closes: time = time(15, 0)

    @model_validator(mode="after")
    def _opens_before_closes(self) -> "WorkingHours":
        if self.opens >= self.closes:
            raise ValueError("opens must be earlier than closes")
        return self


class Deadlines(Strict):
    """The policy's periods: decisions, announcement lead times, ratings, staff answers."""

    decision_days: int = Field(default=14, ge=1, description="calendar days for the research committee")
    announce_open_working_days: int = Field(default=5, ge=0)
    announce_registration_working_days: int = Field(default=10, ge=0)
    rating_delay_minutes: int = Field(default=120, ge=0)
    handoff_answer_working_hours: int = Field(default=4, ge=1)
    complaint_answer_working_days: int = Field(default=5, ge=1)
    program_reminder_hours: int = Field(default=24, ge=1, description="how long before a program those accepted are reminded")
    rating_reminder_hours: int = Field(default=24, ge=1, description="an unanswered rating prompt is reminded once after")
    rating_expiry_hours: int = Field(default=48, ge=1, description="after the reminder, an unanswered rating expires")


class Condition(Strict):
    """One of a category's conditions (e.g. seed 000's cash-aid conditions), asked as a choice; `seed` is the
    policy's own wording, shown to staff beside what the beneficiary chose."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    text: Bilingual
    seed: str = ""


class Category(Strict):
    """A need category a help request can be filed under, with its documents rule and its conditions:
    when `conditions` are listed, at least one must apply; `when_unmet` says whether the bot explains and
    stops (explain) or records the request and flags it for staff (flag)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    name: Bilingual
    documents_required: bool = False
    conditions: list[Condition] = Field(default_factory=list)
    when_unmet: Literal["explain", "flag"] = "flag"
    seed_rule: str = Field(default="", description="the policy's own words introducing the conditions, for staff")
    rule: Bilingual | None = Field(default=None, description="the conditions' rule as beneficiaries read it")
    to_confirm: bool = Field(default=False, description="not in the policy: the association's to confirm")


class BeneficiaryType(Strict):
    """Who is applying (seed 004: families and affected groups, trainees, volunteers, event attendees, …) and
    what they get: the help form with household and income (household), the form without them (short), or no
    form at all (none: `note` says where to go instead); `conditions` are the policy's checks for this type,
    stated before the form; `categories` limits the needs offered (empty: all)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    name: Bilingual
    form: Literal["household", "short", "none"] = "household"
    categories: list[str] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    note: Bilingual | None = None
    to_confirm: bool = Field(default=False, description="not in the policy: the association's to confirm")

    @model_validator(mode="after")
    def _none_says_where(self) -> "BeneficiaryType":
        if self.form == "none" and self.note is None:
            raise ValueError("a type without a form needs a note saying where to go instead")
        return self


class ParticipationRule(Strict):
    """A rule for taking part in a program (seed 000 §9: the interview, attendance, the employer's approval,
    the declaration of Islam), in the policy's words; a program names the rules that apply to it. With
    `question` the sign-up asks it (the answer must be yes), else the sign-up states the rule."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    text: Bilingual
    question: Bilingual | None = None
    seed: str = ""


class Eligibility(Strict):
    """The general conditions (seed 000): within the service area, legally resident. For each, the bot either
    explains and stops (explain) or records the request and flags it for staff (flag)."""

    outside_area: Literal["explain", "flag"] = "explain"
    residency_required: bool = True
    when_not_resident: Literal["explain", "flag"] = "flag"


class Forms(Strict):
    """How long an unfinished form waits: one reminder after `reminder_hours`, gone after `expiry_days`."""

    reminder_hours: int = Field(default=24, ge=1)
    expiry_days: int = Field(default=7, ge=1)


class City(Strict):
    """A city or district in the association's service area."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Bilingual


class Contact(Strict):
    """How to reach the association; empty fields are simply not shown."""

    phone: str = ""
    whatsapp: str = ""
    email: str = ""
    website: str = ""
    address: Bilingual | None = None


class FaqText(Strict):
    """One FAQ entry in one language: the ways people ask, and the answer."""

    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)


class FaqEntry(Strict):
    """A knowledge-base entry drawn from the association's policy: Arabic and English, and optionally other
    languages (`[faq.translations.ur]`); a question in a language without its answer gets the Arabic and English."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)  # it travels in 64-byte button data
    ar: FaqText
    en: FaqText
    translations: dict[Lang, FaqText] = Field(default_factory=dict)

    def text_in(self, lang: str) -> FaqText | None:
        """The entry in `lang`, or None when it has no text in that language."""
        return {"ar": self.ar, "en": self.en}.get(lang) or self.translations.get(lang)

    def parts(self) -> list[FaqText]:
        """The entry in every language it is written in."""
        return [self.ar, self.en, *self.translations.values()]


class WhatsAppTemplate(Strict):
    """An approved WhatsApp Content template (Twilio content SID) to send outside the 24-hour window;
    `variables` maps the template's numbered variables to fields of the message ("1" = "text")."""

    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: dict[str, str] = Field(default_factory=dict)


class Alerts(Strict):
    """Staff alerts (store/alerts.py): outside working hours they wait for the morning, except these kinds."""

    urgent: list[Literal["handoff", "help_request", "complaint", "low_rating"]] = Field(default_factory=list)


class Profile(Strict):
    """Everything that differs between associations; the code reads it and never hard-codes it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Bilingual
    short_name: Bilingual
    licence: str = ""
    policy_source: str = ""
    languages: list[Lang] = Field(default_factory=lambda: ["ar", "en"], min_length=1)
    default_language: Lang = "ar"
    timezone: str = "Asia/Riyadh"
    channels: list[str] = Field(default_factory=list)
    service_area: list[City] = Field(min_length=1)
    working_hours: WorkingHours = WorkingHours()
    holidays: list[Holiday] = Field(default_factory=list)
    deadlines: Deadlines = Deadlines()
    categories: list[Category] = Field(min_length=1)
    eligibility: Eligibility = Eligibility()
    forms: Forms = Forms()
    contact: Contact = Contact()
    faq: list[FaqEntry] = Field(min_length=1)
    opt_out_words: list[str] = Field(default_factory=list, description="extra words that mean STOP")
    opt_in_words: list[str] = Field(default_factory=list, description="extra words that mean START")
    whatsapp_templates: dict[str, WhatsAppTemplate] = Field(default_factory=dict, description="by message kind")
    anonymous_ratings: bool = Field(default=False, description="reports never show which staff member a rating was for")
    alerts: Alerts = Alerts()
    # Above a staff reply the beneficiary reads who wrote it: the staff member's display name, or the team's
    staff_signature: Literal["name", "team"] = "name"
    texts: dict[Lang, dict[str, str]] = Field(default_factory=dict)
    participation_rules: list[ParticipationRule] = Field(default_factory=list)
    beneficiary_types: list[BeneficiaryType] = Field(default_factory=list)  # more than one: the form asks first

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Profile":
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        for label, keys in (
            ("faq id", [f.id for f in self.faq]),
            ("category key", [c.key for c in self.categories]),
            ("city key", [c.key for c in self.service_area]),
            ("participation rule key", [r.key for r in self.participation_rules]),
            ("beneficiary type key", [t.key for t in self.beneficiary_types]),
        ):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"duplicate {label}: {', '.join(dupes)}")
        known = {c.key for c in self.categories}
        for kind in self.beneficiary_types:
            unknown = sorted(set(kind.categories) - known)
            if unknown:
                raise ValueError(f"beneficiary type {kind.key}: unknown category {', '.join(unknown)}")
        return self


class ProfileError(Exception):
    """A profile that cannot be used; the message names the file, the field and the problem."""


def resolve(name_or_path: str) -> Path:
    """A shipped profile's name (`bukayriyah`) or a path to a TOML file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    return PROFILES_DIR / f"{name_or_path}.toml"


def shipped() -> list[str]:
    """The names of the profiles that ship with the bot."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load(name_or_path: str = DEFAULT_PROFILE, *, demo: bool = False) -> Profile:
    """Read and validate a profile; any problem becomes one ProfileError naming file and field. A template
    whose association details are blank is refused, or in demo mode filled with visible placeholders."""
    path = resolve(name_or_path)
    if not path.is_file():
        raise ProfileError(f"{path}: no such profile (shipped: {', '.join(shipped())})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    blanks = profile_template.blanks(raw)
    if blanks and not demo:
        raise ProfileError(f"{path}: {profile_template.what_to_fill(blanks)}")
    raw = profile_template.with_placeholders(raw) if blanks else raw
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"{path}: {problems}") from None


def _merged(base: object, over: object) -> object:
    """`over` laid on `base`: tables merge key by key, anything else (a list, a text, a number) replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merged(base.get(k), v) for k, v in over.items()}}
    return over


def overlay(profile: Profile, values: dict) -> Profile:
    """The profile with `values` (sections as a profile file writes them) laid over it, validated again;
    ValueError (pydantic's ValidationError) when the result is not a valid profile."""
    return Profile.model_validate(_merged(profile.model_dump(mode="json"), values))
