"""The help-request form's rules, shared by the chat, the walk-in desk and the store: the values its
choices take, the checks of what is typed, the type and category a form names and the eligibility flags;
pure, no texts, no states."""

from __future__ import annotations

import unicodedata

from conversations import national_id
from conversations.checked import Checked, count_within, text_within
from conversations.normalize import strip_invisible
from conversations.phones import to_e164
from conversations.profile import BeneficiaryType, Category, Profile

RESIDENCIES = ("citizen", "resident", "other")
INCOMES = ("none", "under_3000", "3000_5999", "6000_9999", "10000_plus")
OTHER_CITY = "other"
NAME_LENGTH = (5, 100)
HOUSEHOLD_RANGE = (1, 30)
DESCRIPTION_LENGTH = (10, 1000)



def check_name(typed: str) -> Checked:
    """Letters only, in any script (with their marks: Arabic harakat, the vowel signs of Bengali and
    Devanagari; and the hyphen or apostrophe of «Al-Qahtani»), at least two words, 5–100 characters."""
    name = " ".join(strip_invisible(typed).split())
    if not all(ch.isalpha() or ch in " -'" or unicodedata.category(ch) in ("Mn", "Mc") for ch in name):
        return None, "help_name_letters"
    if sum(any(ch.isalpha() for ch in word) for word in name.split()) < 2:
        return None, "help_name_two_words"
    if len(name) < NAME_LENGTH[0]:
        return None, "help_name_short"
    if len(name) > NAME_LENGTH[1]:
        return None, "help_name_long"
    return name, None


def check_national_id(typed: str) -> Checked:
    """A national ID or iqama number; each problem has its own hint."""
    digits, problem = national_id.check(typed)
    return (digits, None) if problem is None else (None, f"help_id_{problem.value}")


def check_phone(typed: str) -> Checked:
    phone = to_e164(typed)
    return (phone, None) if phone else (None, "help_phone_invalid")


def check_household(typed: str) -> Checked:
    """A number from 1 to 30, in any digits or in words («ستة»), words after it allowed («٥ أفراد»)."""
    return count_within(typed, HOUSEHOLD_RANGE, "help_household_number", "help_household_range")


def check_description(typed: str) -> Checked:
    return text_within(typed, DESCRIPTION_LENGTH, "help_description_short", "help_description_long")


def category(profile: Profile, key: str | None) -> Category | None:
    return next((c for c in profile.categories if c.key == key), None)


def beneficiary_type(profile: Profile, form: dict) -> BeneficiaryType | None:
    """The type the beneficiary chose, or the profile's only one; None where the profile has none."""
    types = profile.beneficiary_types
    chosen = next((t for t in types if t.key == form.get("beneficiary_type")), None)
    return chosen or (types[0] if len(types) == 1 else None)


def flags(form: dict, profile: Profile) -> tuple[str, ...]:
    """The eligibility rules the profile leaves to staff that this form does not meet."""
    rules = profile.eligibility
    cat = category(profile, form.get("category"))
    found = []
    if form.get("city") == OTHER_CITY and rules.outside_area == "flag":
        found.append("outside_area")
    if form.get("residency") == "other" and rules.residency_required and rules.when_not_resident == "flag":
        found.append("not_resident")
    if cat is not None and cat.conditions and not form.get("conditions") and cat.when_unmet == "flag":
        found.append("conditions_unmet")
    return tuple(found)
