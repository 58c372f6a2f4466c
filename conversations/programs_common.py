"""What the program flows share: where the chosen program is kept in the conversation's
data, and how a program, its conditions and a registration read to the beneficiary."""

from __future__ import annotations

from datetime import datetime


from conversations.profile import ParticipationRule
from conversations.calendar import local
from conversations import languages
from conversations.dates import datetime_text, short_date
from conversations.flow import lang, text
from conversations.help_fields import city_name, label
from conversations.types import Context, ProgramView, RegistrationView


KIND_NAMES = ("open", "registration", "volunteer", "service")
CANCELLABLE = frozenset({"pending", "accepted", "waitlisted"})
REMINDER = "program_reminder"


def chosen(data: dict) -> dict:
    """The program flow's own part of the data: kind, program id, the details state, answers so far."""
    return data.get("program") or {}


def with_program(data: dict, **changes: object) -> dict:
    return {**data, "program": {**chosen(data), **changes}}


def program_of(ctx: Context, program_id: object) -> ProgramView | None:
    return next((p for p in ctx.programs if p.id == program_id), None)


def current(data: dict, ctx: Context) -> ProgramView | None:
    """The program the beneficiary is looking at, if it is still there."""
    return program_of(ctx, chosen(data).get("id"))


def registration_of(ctx: Context, program_id: int) -> RegistrationView | None:
    """The beneficiary's sign-up for the program, unless they cancelled it."""
    signed = (r for r in ctx.registrations if r.program_id == program_id and r.status != "cancelled")
    return next(signed, None)


def written_in(data: dict, ar: str, en: str) -> str:
    """A program's text as staff wrote it (Arabic and English): the one the conversation's language falls back to
    (the Arabic where staff wrote no English)."""
    return ar if languages.get(lang(data)).fallback == "ar" or not en else en


def title(program: ProgramView, data: dict) -> str:
    return written_in(data, program.title_ar, program.title_en)


def when(ctx: Context, data: dict, moment: datetime) -> str:
    """Date (Gregorian and Hijri) and time in the association's time zone."""
    return datetime_text(ctx.texts, lang(data), ctx.profile, moment)


def short_day(ctx: Context, data: dict, moment: datetime) -> str:
    """«3 ديسمبر» / "3 December", for a button."""
    return short_date(lang(data), local(ctx.profile, moment).date())


def where(ctx: Context, data: dict, program: ProgramView) -> str:
    """The line saying where: in person, the place; remote, the link."""
    if program.mode == "remote":
        return text(ctx, data, "prog_where_remote", link=program.link)
    place = written_in(data, program.place_ar, program.place_en)
    return text(ctx, data, "prog_where_in_person", place=place)


def arrangements(ctx: Context, data: dict, program: ProgramView) -> str:
    """The program's arrangements as staff wrote them, or a line saying staff will tell of any."""
    written = written_in(data, program.arrangements_ar, program.arrangements_en).strip()
    return written or text(ctx, data, "prog_no_arrangements")


def status_text(ctx: Context, data: dict, registration: RegistrationView) -> str:
    status = label(ctx, data, f"prog_status_{registration.status}", registration.status)
    return status + (text(ctx, data, "prog_attended") if registration.attended else "")


def condition_text(ctx: Context, data: dict, condition: dict) -> str:
    """One acceptance condition in words."""
    key, value = condition.get("key"), condition.get("value")
    values = value if isinstance(value, list | tuple) else [value]
    separator = text(ctx, data, "list_separator")
    if key in ("age_min", "age_max"):
        return text(ctx, data, f"prog_cond_{key}", value=value)
    if key == "gender":
        return text(ctx, data, f"prog_cond_gender_{value}")
    if key == "city":
        cities = separator.join(city_name(ctx, lang(data), v) for v in values)
        return text(ctx, data, "prog_cond_city", cities=cities)
    if key == "residency":
        names = separator.join(label(ctx, data, f"help_residency_{v}", str(v)) for v in values)
        return text(ctx, data, "prog_cond_residency", statuses=names)
    if key == "question":
        answer = text(ctx, data, f"prog_{condition.get('expect', 'yes')}")
        return text(ctx, data, "prog_cond_question", question=written_in(data, condition.get("ar", ""), condition.get("en", "")), answer=answer)
    if key == "rule":
        rule = participation_rule(ctx, value)
        return rule.text.get(lang(data)) if rule else text(ctx, data, "prog_cond_other")
    return text(ctx, data, "prog_cond_other")


def participation_rule(ctx: Context, key: object) -> ParticipationRule | None:
    """The profile's participation rule (seed 000 §9) a program names, or None if the profile dropped it."""
    return next((r for r in ctx.profile.participation_rules if r.key == key), None)


def _day(ctx: Context, moment: datetime) -> object:
    return local(ctx.profile, moment).date()


def upcoming(program: ProgramView, now: datetime) -> bool:
    """Still to come (a service: still offered)."""
    if program.kind == "service":
        return program.ends_at is None or program.ends_at > now
    return (program.ends_at or program.starts_at) > now


def describe(program: ProgramView, data: dict, ctx: Context) -> str:
    """The program's details: title, description, time, place, seats, deadline, conditions, and what to do
    (for one the beneficiary signed up for: their status)."""
    description = written_in(data, program.description_ar, program.description_en)
    lines = [text(ctx, data, "prog_title", title=title(program, data)), description.strip(), ""]
    if program.kind != "service":
        lines.append(text(ctx, data, "prog_when", when=when(ctx, data, program.starts_at)))
        if program.ends_at and _day(ctx, program.ends_at) != _day(ctx, program.starts_at):
            lines.append(text(ctx, data, "prog_until", when=when(ctx, data, program.ends_at)))
    elif program.ends_at:
        lines.append(text(ctx, data, "prog_available_until", when=when(ctx, data, program.ends_at)))
    lines.append(where(ctx, data, program))
    if program.seats_left is not None and program.kind == "registration":
        seats = program.seats_left
        lines.append(text(ctx, data, "prog_seats", seats=seats) if seats else text(ctx, data, "prog_full"))
    if program.registration_deadline:
        lines.append(text(ctx, data, "prog_deadline", when=when(ctx, data, program.registration_deadline)))
    if program.conditions:
        lines.append(text(ctx, data, "prog_conditions"))
        lines.extend("• " + condition_text(ctx, data, c) for c in program.conditions)
    registration = registration_of(ctx, program.id)
    if registration is not None:
        lines += ["", text(ctx, data, "prog_your_status", status=status_text(ctx, data, registration))]
    else:
        how = {"link": program.link} if program.kind == "volunteer" else {}
        lines += ["", text(ctx, data, f"prog_how_{program.kind}", **how)]
    return "\n".join(lines).strip()
