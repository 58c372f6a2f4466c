"""A program's acceptance conditions (see store.models.Program.conditions) as the questions to ask and the
checks of the answers, whether signing up is still open, and the checks of what a beneficiary types when signing
up; pure, no texts, shared by the chat and the desk."""

from __future__ import annotations

from datetime import datetime

from conversations.checked import Checked, count_within, text_within
from conversations.types import PersonView, ProgramView

AGE_RANGE = (5, 110)
NOTE_LENGTH = (3, 500)
ASKED_FIRST = ("age", "gender", "city", "residency")  # then each yes/no question, in the program's order



def answer_key(index: int, condition: dict) -> str | None:
    """The answer a condition reads: `age` for both age limits, `question_<index>` for a question,
    `rule_<key>` for a participation rule the profile asks about; None for a condition only stated (a rule
    without a question) or one this version does not know (it is left to staff)."""
    key = condition.get("key")
    if key in ("age_min", "age_max"):
        return "age"
    if key == "question":
        return f"question_{index}"
    if key == "rule":
        return f"rule_{condition.get('value')}" if condition.get("ask") else None
    return key if key in ASKED_FIRST else None


def questions(conditions: tuple | list) -> tuple[str, ...]:
    """The answers the conditions need, each once, in the order they are asked."""
    keys = [answer_key(i, c) for i, c in enumerate(conditions)]
    first = tuple(k for k in ASKED_FIRST if k in keys)
    return first + tuple(k for k in keys if k and k.startswith(("question_", "rule_")))


def stated_rules(conditions: tuple | list) -> list[str]:
    """The participation rules a program states without asking (the interview, attendance, …), by key."""
    return [c.get("value") for c in conditions if c.get("key") == "rule" and not c.get("ask")]


def _listed(value: object) -> list:
    return value if isinstance(value, list | tuple) else [value]


def meets(condition: dict, answer: object) -> bool:
    """Whether one answer meets one condition."""
    key, value = condition.get("key"), condition.get("value")
    if key == "age_min":
        return isinstance(answer, int) and answer >= value
    if key == "age_max":
        return isinstance(answer, int) and answer <= value
    if key == "gender":
        return answer == value
    if key in ("city", "residency"):
        return answer in _listed(value)
    if key == "question":
        return answer == condition.get("expect", "yes")
    if key == "rule":
        return answer == "yes" or not condition.get("ask")
    return True


def first_unmet(conditions: tuple | list, answers: dict) -> dict | None:
    """The first condition whose answer is known and does not meet it."""
    for index, condition in enumerate(conditions):
        key = answer_key(index, condition)
        if key in answers and not meets(condition, answers[key]):
            return condition
    return None


def next_question(conditions: tuple | list, answers: dict) -> str | None:
    """The first answer still needed, or None when every condition has its answer."""
    return next((k for k in questions(conditions) if k not in answers), None)


def known_answers(conditions: tuple | list, person: PersonView) -> dict:
    """What the beneficiary's data already answers (their city, their residency), among what is needed."""
    needed = questions(conditions)
    known = {"city": person.city, "residency": person.residency}
    return {k: v for k, v in known.items() if k in needed and v}


def closed_reason(program: ProgramView, now: datetime) -> str | None:
    """Why signing up is no longer possible (a catalog key), or None."""
    if program.registration_deadline is not None and now > program.registration_deadline:
        return "prog_closed_deadline"
    if program.kind != "service" and program.starts_at <= now:
        return "prog_closed_started"
    return None


def check_age(typed: str) -> Checked:
    """An age in years, in any digits or in words, words after it allowed («٣٠ سنة»), from 5 to 110."""
    return count_within(typed, AGE_RANGE, "prog_age_number", "prog_age_range")


def check_note(typed: str) -> Checked:
    """A volunteer's skills or a service request's details: 3 to 500 characters."""
    return text_within(typed, NOTE_LENGTH, "prog_note_short", "prog_note_long")
