"""The help-request form's table: the order of the questions and the states that ask them, and the helpers
every help module shares (where the form is kept in the conversation's data, its choices, its timers); the
rules the desk shares with the chat are in help_rules.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conversations.profile import Profile
from conversations.effects import Effect, Reply, ScheduleTimer
from conversations.flow import Flow, Handler, Prompt, goto, text
from conversations.help_rules import OTHER_CITY, beneficiary_type, category
from conversations.normalize import normalize
from conversations.states import Help, Menu
from conversations.types import Choice, Context, Inbound, Step

# (form key, the state that asks it), in the order asked; documents are files, counted, not a form value.
ORDER = (
    ("beneficiary_type", Help.TYPE),  # only where the profile has more than one type
    ("full_name", Help.NAME),
    ("national_id", Help.NATIONAL_ID),
    ("phone", Help.PHONE),
    ("city", Help.CITY),
    ("residency", Help.RESIDENCY),
    ("household_size", Help.HOUSEHOLD),
    ("income_bracket", Help.INCOME),
    ("category", Help.CATEGORY),
    ("conditions", Help.CONDITIONS),
    ("description", Help.DESCRIPTION),
    ("documents", Help.DOCUMENTS),
)
STATE_OF = dict(ORDER)
FIELD_OF = {s: f for f, s in ORDER} | {
    Help.UNMET: "conditions",
    Help.SUMMARY: "review",
    Help.EDIT: "review",
    Help.DECLARATION: "review",
}
FORM_STATES = frozenset(FIELD_OF) | {Help.RESUME, Help.ENDED}
REMINDER, EXPIRY = "help_reminder", "help_expiry"

OPEN_STATUSES = frozenset({"submitted", "needs_info", "accepted"})
DONE_WORDS = frozenset(normalize(w) for w in ("done", "finished", "تم", "انتهيت", "خلاص", "اكتفيت", "بس"))


def label(ctx: Context, data: dict, key: str, fallback: str) -> str:
    """A catalog text, or `fallback` when there is none (a value the host recorded some other way)."""
    return text(ctx, data, key) if key in ctx.texts.languages().get(data.get("lang", "ar"), {}) else fallback


def local_phone(e164: str) -> str:
    """+966501234567 → 0501234567 (as Saudis write it); other countries stay in E.164."""
    return "0" + e164[4:] if e164.startswith("+966") else e164


def asked(form: dict, profile: Profile) -> list[tuple[str, str]]:
    """The questions this form asks, in order: the type only among several, the conditions only for a
    category that lists them, household and income only for a type whose form has them."""
    cat, kind = category(profile, form.get("category")), beneficiary_type(profile, form)
    skip = set()
    if len(profile.beneficiary_types) < 2:
        skip.add("beneficiary_type")
    if cat is None or not cat.conditions:
        skip.add("conditions")
    if kind is not None and kind.form == "short":
        skip |= {"household_size", "income_bracket"}
    return [(key, name) for key, name in ORDER if key not in skip]


def first_question(profile: Profile) -> str:
    return Help.TYPE if len(profile.beneficiary_types) > 1 else Help.NAME


def city_name(ctx: Context, lang: str, key: str) -> str:
    city = next((c for c in ctx.profile.service_area if c.key == key), None)
    return city.name.get(lang) if city else ctx.texts(lang, "help_city_other")


def city_choices(ctx: Context, data: dict, prefix: str) -> tuple[Choice, ...]:
    lang = data.get("lang", "ar")
    area = tuple(Choice(f"{prefix}:{c.key}", c.name.get(lang)) for c in ctx.profile.service_area)
    return (*area, Choice(f"{prefix}:{OTHER_CITY}", text(ctx, data, "help_city_other")))


def keyed_choices(
    ctx: Context, data: dict, prefix: str, keys: tuple[str, ...], label: str
) -> tuple[Choice, ...]:
    """Choices whose labels are catalog texts `label_<key>` (residency, income brackets)."""
    return tuple(Choice(f"{prefix}:{k}", text(ctx, data, f"{label}_{k}")) for k in keys)


def picked(choice: str | None, prefix: str) -> str | None:
    """The key of a choice `prefix:key`, or None when the choice is not one of these."""
    return choice.removeprefix(prefix + ":") if choice and choice.startswith(prefix + ":") else None


def form_of(data: dict) -> dict:
    return (data.get("help") or {}).get("form", {})


def with_help(data: dict, **changes: object) -> dict:
    """The conversation's data with the unfinished form changed."""
    return {**data, "help": {**(data.get("help") or {}), **changes}}


def without_help(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "help"}


def question(
    flow: Flow, name: Help, *, parent: Help | Menu, prompt: Prompt, accepts: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    """A state of the form in `flow`; reached when the form is gone (it expired, an old button), the menu."""

    def add(handle: Handler) -> Handler:
        def guarded(inbound: Inbound, data: dict, ctx: Context) -> Step:
            if "help" in data:
                return handle(inbound, data, ctx)
            return goto(Menu.MAIN, data, ctx, Reply(text(ctx, data, "help_form_gone")))

        flow.state(name, parent=parent, prompt=prompt, accepts=accepts)(guarded)
        return handle

    return add


def ask(name: str, data: dict, ctx: Context, *effects: Effect) -> Step:
    """Ask a form question, remembering it as where the beneficiary stopped (the summary once reached
    means every later answer returns to it)."""
    changes: dict = {"at": name}
    if name == Help.SUMMARY:
        changes["reviewing"] = True
    return goto(name, with_help(data, **changes), ctx, *effects)


def stopped_at(ctx: Context, data: dict) -> str:
    """Where the beneficiary stopped, as they read it («رقم الجوال»)."""
    at = (data.get("help") or {}).get("at", Help.NAME)
    return text(ctx, data, f"help_label_{FIELD_OF.get(at, 'full_name')}")


def rearm(data: dict, ctx: Context) -> tuple[Effect, ...]:
    """The reminder moves forward with each answer, until the form's one reminder has been sent."""
    if (data.get("help") or {}).get("reminded"):
        return ()
    return (ScheduleTimer(REMINDER, ctx.now + timedelta(hours=ctx.profile.forms.reminder_hours)),)


def first_missing(form: dict, profile: Profile) -> str | None:
    """The state of the first question this form asks (see `asked`) not answered yet."""
    return next((name for key, name in asked(form, profile) if key != "documents" and key not in form), None)
