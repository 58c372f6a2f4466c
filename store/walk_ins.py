"""Requests staff enter for someone who came in person, phoned, wrote a letter or was brought by a branch
representative: the chat form's own validators and eligibility rules, the person found by the keyed hash of
their national ID (or created), and where a decision reaches them (their most recent chat, if any)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import BeneficiaryType, Profile
from conversations import help_rules
from conversations.complaint_rules import check_text, complaint_due_at
from conversations.normalize import strip_invisible
from store import sealed
from store.crypto import Keyring
from store.models import (
    Beneficiary,
    ChannelIdentity,
    Complaint,
    Conversation,
    DeskIntake,
    HelpRequest,
    RequestEvent,
)

CHANNELS = ("in_person", "phone", "letter", "representative")
DECLARATIONS = ("upload", "on_file")
MAX_REPRESENTATIVE = 120
PERSON_FIELDS = ("phone", "city", "residency", "household_size", "income_bracket")


@dataclass(frozen=True)
class Problem:
    """A field that cannot be taken as given: `key` is a text of the chat catalog (`chat`) or the console's."""

    field: str
    key: str
    chat: bool = False


@dataclass(frozen=True)
class Intake:
    """How a record came in and who brought it (a branch representative's name and office)."""

    channel: str
    representative_name: str | None = None
    representative_office: str | None = None


@dataclass
class Checked:
    """The clean values, and every problem found (all of them at once, so staff fix the form in one go)."""

    values: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _short(typed: str) -> str:
    return " ".join(strip_invisible(typed).split())


def intake_channels(profile: Profile) -> tuple[str, ...]:
    """The ways a record can come in at this association: branch-office representatives (مناديب المكاتب
    الفرعية) only where its policy names them among its channels (seeds 001 and 002)."""
    return tuple(c for c in CHANNELS if c != "representative" or "branch_offices" in profile.channels)


def check_intake(
    fields: Mapping[str, str], channels: tuple[str, ...] = CHANNELS
) -> tuple[Intake | None, list[Problem]]:
    """The channel (one of `channels`); for a representative, their name and office are both required."""
    channel = fields.get("channel", "")
    if channel not in channels:
        return None, [Problem("channel", "walkin_error_channel")]
    if channel != "representative":
        return Intake(channel), []
    name, office = _short(fields.get("rep_name", "")), _short(fields.get("rep_office", ""))
    problems = [
        Problem(key, "walkin_error_representative")
        for key, value in (("rep_name", name), ("rep_office", office))
        if not value or len(value) > MAX_REPRESENTATIVE
    ]
    return (None, problems) if problems else (Intake(channel, name, office), [])


def check_help_form(fields: Mapping[str, str], conditions: Sequence[str], profile: Profile) -> Checked:
    """The chat form's questions with the chat's validators and choices, and its eligibility rules: a rule the
    profile explains refuses the request (as the chat ends the form), a rule it flags is left to staff."""
    out = Checked()
    kind = _beneficiary_type(fields, profile, out)
    skipped = {"household_size", "income_bracket"} if kind is not None and kind.form == "short" else set()
    validators = (
        ("full_name", help_rules.check_name),
        ("national_id", help_rules.check_national_id),
        ("phone", help_rules.check_phone),
        ("household_size", help_rules.check_household),
        ("description", help_rules.check_description),
    )
    for name, check in (v for v in validators if v[0] not in skipped):
        value, hint = check(fields.get(name, ""))
        if hint is None:
            out.values[name] = value
        else:
            out.problems.append(Problem(name, hint, chat=True))
    choices = (
        ("city", [c.key for c in profile.service_area] + [help_rules.OTHER_CITY]),
        ("residency", list(help_rules.RESIDENCIES)),
        ("income_bracket", list(help_rules.INCOMES)),
        ("category", [c.key for c in profile.categories if not (kind and kind.categories) or c.key in kind.categories]),
    )
    for name, allowed in (c for c in choices if c[0] not in skipped):
        value = fields.get(name, "")
        if value in allowed:
            out.values[name] = value
        else:
            out.problems.append(Problem(name, "walkin_error_choose"))
    cat = help_rules.category(profile, out.values.get("category"))
    known = {c.key for c in cat.conditions} if cat else set()
    if any(c not in known for c in conditions):
        out.problems.append(Problem("conditions", "walkin_error_choose"))
    out.values["conditions"] = [c for c in dict.fromkeys(conditions) if c in known]
    out.problems.extend(_explained(out.values, profile))
    return out


def desk_types(profile: Profile) -> list[BeneficiaryType]:
    """The beneficiary types a request can be entered for (a type without a form files none)."""
    return [kind for kind in profile.beneficiary_types if kind.form != "none"]


def _beneficiary_type(fields: Mapping[str, str], profile: Profile, out: Checked) -> BeneficiaryType | None:
    """The type chosen among the profile's (seed 004), or its only one; None where it defines none."""
    if len(profile.beneficiary_types) < 2:
        return help_rules.beneficiary_type(profile, {})
    kind = next((k for k in desk_types(profile) if k.key == fields.get("beneficiary_type")), None)
    if kind is None:
        out.problems.append(Problem("beneficiary_type", "walkin_error_choose"))
    else:
        out.values["beneficiary_type"] = kind.key
    return kind


def _explained(form: dict, profile: Profile) -> list[Problem]:
    """The eligibility rules the profile explains (the chat stops the form there): the request is not filed."""
    rules, found = profile.eligibility, []
    if form.get("city") == help_rules.OTHER_CITY and rules.outside_area == "explain":
        found.append(Problem("city", "walkin_error_outside_area"))
    if form.get("residency") == "other" and rules.residency_required and rules.when_not_resident == "explain":
        found.append(Problem("residency", "walkin_error_not_resident"))
    cat = help_rules.category(profile, form.get("category"))
    if cat is not None and cat.conditions and not form.get("conditions") and cat.when_unmet == "explain":
        found.append(Problem("conditions", "walkin_error_conditions"))
    return found


COMPLAINT_KINDS = ("complaint", "suggestion")


def check_complaint(fields: Mapping[str, str]) -> Checked:
    """A complaint or suggestion received by phone or letter: whose (national ID, the chat's validator), its
    kind, and its text within the chat's limits."""
    out = Checked()
    for name, check in (("national_id", help_rules.check_national_id), ("text", check_text)):
        value, hint = check(fields.get(name, ""))
        if hint is None:
            out.values[name] = value
        else:
            out.problems.append(Problem(name, hint, chat=True))
    if fields.get("kind") in COMPLAINT_KINDS:
        out.values["kind"] = fields["kind"]
    else:
        out.problems.append(Problem("kind", "walkin_error_choose"))
    return out


async def person_for(tx: AsyncSession, keyring: Keyring, national_id: str, language: str, now: datetime) -> Beneficiary:
    """The person with this national ID, or a new record holding it (encrypted, with its keyed hash)."""
    person = await by_national_id(tx, keyring, national_id)
    if person is None:
        person = Beneficiary(language=language, created_at=now, national_id_enc=keyring.encrypt(national_id),
                             national_id_hash=keyring.id_hash(national_id))  # fmt: skip
        tx.add(person)
        await tx.flush()
    return person


async def file_complaint(
    tx: AsyncSession, keyring: Keyring, profile: Profile, *, form: dict, intake: Intake, reference: str,
    language: str, now: datetime,
) -> Complaint:
    """A complaint or suggestion received outside the chat, due like one sent in the chat."""
    person = await person_for(tx, keyring, form["national_id"], language, now)
    complaint = Complaint(
        reference=reference, beneficiary_id=person.id,
        conversation_key=await reachable_key(tx, person.id) or f"desk:{person.id}", channel=intake.channel,
        kind=form["kind"], text=form["text"], due_at=complaint_due_at(profile, now), created_at=now,
    )  # fmt: skip
    tx.add(complaint)
    await tx.flush()
    return complaint


async def by_national_id(tx: AsyncSession, keyring: Keyring, national_id: str) -> Beneficiary | None:
    """The person whose record holds this national ID (matched by its keyed hash, under any key), skipping
    merged and erased records; the oldest when there are several."""
    query = (
        select(Beneficiary)
        .where(
            Beneficiary.national_id_hash.in_(keyring.id_hashes(national_id)),
            Beneficiary.merged_into_id.is_(None),
            Beneficiary.erased_at.is_(None),
        )
        .order_by(Beneficiary.id)
    )
    return (await tx.scalars(query)).first()


async def reachable_key(tx: AsyncSession, beneficiary_id: int) -> str | None:
    """The conversation of the person's most recent chat identity that can still be written to, if any."""
    query = (
        select(ChannelIdentity.channel, ChannelIdentity.external_id)
        .join(Conversation, Conversation.key == ChannelIdentity.channel + ":" + ChannelIdentity.external_id)
        .where(ChannelIdentity.beneficiary_id == beneficiary_id, ChannelIdentity.unreachable.is_(None))
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id.desc())
        .limit(1)
    )
    row = (await tx.execute(query)).first()
    return f"{row[0]}:{row[1]}" if row else None


async def decision_key(tx: AsyncSession, request: HelpRequest | Complaint) -> str | None:
    """Where news of a request or complaint goes: the chat it was filed in, or for one entered at the desk the
    person's most recent chat (None: they have no chat, staff tell them another way)."""
    if request.channel not in CHANNELS:
        return request.conversation_key
    return await reachable_key(tx, request.beneficiary_id)


async def file_request(
    tx: AsyncSession,
    keyring: Keyring,
    profile: Profile,
    *,
    form: dict,
    intake: Intake,
    reference: str,
    staff_id: int,
    language: str,
    now: datetime,
) -> HelpRequest:
    """File the request for the person with this national ID (their record created when there is none), with
    the flags the chat would set, its history line and the intake record (the caller adds the declaration)."""
    name_enc, id_enc = keyring.encrypt(form["full_name"]), keyring.encrypt(form["national_id"])
    id_hash = keyring.id_hash(form["national_id"])
    person = await by_national_id(tx, keyring, form["national_id"])
    if person is None:
        person = Beneficiary(language=language, created_at=now)
        tx.add(person)
    person.full_name_enc, person.national_id_enc, person.national_id_hash = name_enc, id_enc, id_hash
    for name in PERSON_FIELDS:
        if name in form:  # household and income: not for a type whose form does not ask them
            setattr(person, name, form[name])
    await tx.flush()
    flags = list(help_rules.flags(form, profile))
    request = HelpRequest(
        reference=reference,
        beneficiary_id=person.id,
        conversation_key=await reachable_key(tx, person.id) or f"desk:{person.id}",
        channel=intake.channel,
        language=person.language or language,
        category=form["category"],
        city=form["city"],
        residency=form["residency"],
        beneficiary_type=form.get("beneficiary_type", ""),
        household_size=int(form.get("household_size") or 0),
        income_bracket=form.get("income_bracket", ""),
        conditions=list(form["conditions"]),
        **sealed.sealed_description(keyring, form["description"]),
        full_name_enc=name_enc,
        national_id_enc=id_enc,
        national_id_hash=id_hash,
        phone=form["phone"],
        flags=flags,
        due_at=now + timedelta(days=profile.deadlines.decision_days),
        submitted_at=now,
        updated_at=now,
    )
    tx.add(request)
    await tx.flush()
    tx.add(RequestEvent(request_id=request.id, at=now, actor=f"staff:{staff_id}", kind="submitted",
                        detail={"flags": flags}))
    return request


async def record_intake(
    tx: AsyncSession, kind: str, record_id: int, beneficiary_id: int, intake: Intake, staff_id: int, now: datetime,
    declaration: str | None = None, attachment_id: int | None = None,
) -> DeskIntake:
    """Who entered a record, how it came in, and (for a help request) the paper declaration."""
    row = DeskIntake(
        kind=kind, record_id=record_id, beneficiary_id=beneficiary_id, channel=intake.channel, entered_by=staff_id,
        representative_name=intake.representative_name, representative_office=intake.representative_office,
        declaration=declaration, declaration_attachment_id=attachment_id, created_at=now,
    )
    tx.add(row)
    await tx.flush()
    return row


async def intake_of(tx: AsyncSession, kind: str, record_id: int) -> DeskIntake | None:
    query = select(DeskIntake).where(DeskIntake.kind == kind, DeskIntake.record_id == record_id)
    return (await tx.scalars(query)).first()
