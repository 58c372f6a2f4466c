"""Program sign-ups staff take at the desk (in person, by phone, by letter, or through a branch representative):
the chat's own rules — the program open for sign-up, each of its conditions answered and met, one sign-up per
person, the last seat decided under the program's lock — with the person found by the keyed hash of their
national ID (or created), so the sign-up list shows who they are and a decision reaches their chat if they
have one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from conversations import help_rules
from conversations.programs_rules import check_age, check_note, closed_reason, first_unmet, questions
from store.crypto import Keyring
from store.models import Program, Registration
from store.program_signups import seats_taken
from store.walk_ins import Intake, Problem, person_for, reachable_key, record_intake

KINDS = ("registration", "volunteer", "service")  # an open program needs no sign-up
GENDERS = ("f", "m")
ANSWERS = ("yes", "no")
STATUS = {"volunteer": "interested", "service": "requested"}  # a registration is pending, or waitlisted when full


@dataclass
class Checked:
    """The clean values and every problem at once; `unmet` is the first condition the answers do not meet."""

    values: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unmet: dict | None = None


def answer_choices(profile: Profile, key: str) -> tuple[str, ...] | None:
    """The allowed answers to one of the program's questions; None for the age, which is typed."""
    if key == "gender":
        return GENDERS
    if key == "city":
        return (*(c.key for c in profile.service_area), help_rules.OTHER_CITY)
    if key == "residency":
        return tuple(help_rules.RESIDENCIES)
    if key.startswith(("question_", "rule_")):  # a yes/no question, or a participation rule asked (seed 000 §9)
        return ANSWERS
    return None


def check(fields: Mapping[str, str], program: Program, profile: Profile, now: datetime) -> Checked:
    """Who (the chat form's validators), whether the program takes sign-ups now, and the answers its
    conditions need, each checked as the chat checks it; an answer that does not meet a condition refuses the
    sign-up as the chat does."""
    out = Checked()
    if program.status != "published" or program.kind not in KINDS:
        out.problems.append(Problem("program", "desk_error_not_open"))
        return out
    reason = closed_reason(program, now)  # type: ignore[arg-type]  (a Program has every field it reads)
    if reason is not None:
        out.problems.append(Problem("program", reason, chat=True))
        return out
    for name, validate in (("full_name", help_rules.check_name), ("national_id", help_rules.check_national_id),
                           ("phone", help_rules.check_phone)):  # fmt: skip
        value, hint = validate(fields.get(name, ""))
        if hint is None:
            out.values[name] = value
        else:
            out.problems.append(Problem(name, hint, chat=True))
    for key in questions(program.conditions) if program.kind == "registration" else ():
        typed, allowed = fields.get(f"answer_{key}", ""), answer_choices(profile, key)
        if allowed is None:
            value, hint = check_age(typed)
            if hint is None:
                out.answers[key] = value
            else:
                out.problems.append(Problem(f"answer_{key}", hint, chat=True))
        elif typed in allowed:
            out.answers[key] = typed
        else:
            out.problems.append(Problem(f"answer_{key}", "walkin_error_choose"))
    if program.kind in STATUS:
        note, hint = check_note(fields.get("note", ""))
        if hint is None:
            out.values["note"] = note
        else:
            out.problems.append(Problem("note", hint, chat=True))
    if not out.problems:
        out.unmet = first_unmet(program.conditions, out.answers)
        if out.unmet is not None:
            out.problems.append(Problem("conditions", "desk_error_unmet"))
    return out


class AlreadySignedUp(Exception):
    """This person already has a sign-up for this program (its page shows it)."""


async def sign_up(
    tx: AsyncSession, keyring: Keyring, program_id: int, checked: Checked, intake: Intake, staff_id: int,
    language: str, now: datetime,
) -> Registration:
    """The sign-up, under the program's lock (the last seat is decided here, as the chat's is), with who entered
    it and how it came in. The person's name and mobile are kept where their record has none yet (what the
    person said, never proof of who they are)."""
    program = await tx.get(Program, program_id, with_for_update=True)
    assert program is not None
    person = await person_for(tx, keyring, checked.values["national_id"], language, now)
    if person.full_name_enc is None:
        person.full_name_enc = keyring.encrypt(checked.values["full_name"])
    if person.phone is None:
        person.phone = checked.values["phone"]
    mine = select(Registration.id).where(Registration.program_id == program_id, Registration.beneficiary_id == person.id)
    if (await tx.scalar(mine)) is not None:
        raise AlreadySignedUp
    status = STATUS.get(program.kind, "pending")
    if status == "pending" and program.capacity is not None and await seats_taken(tx, program_id) >= program.capacity:
        status = "waitlisted"
    row = Registration(
        program_id=program_id, beneficiary_id=person.id,
        conversation_key=await reachable_key(tx, person.id) or f"desk:{person.id}", status=status,
        answers=checked.answers, note=checked.values.get("note", ""), created_at=now,
    )  # fmt: skip
    tx.add(row)
    await tx.flush()
    await record_intake(tx, "registration", row.id, person.id, intake, staff_id, now)
    return row
