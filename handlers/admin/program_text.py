"""A program in words, in a given language: its conditions, its schedule and place, and the announcement
text the compose page starts from (Gregorian with Hijri dates, in the association's time zone)."""

from __future__ import annotations

from conversations.profile import Profile
from conversations.catalog import Catalog
from conversations.dates import datetime_text
from handlers.admin.pages import TEXTS
from store.models import Program


def _names(texts: Catalog, lang: str, items: list[str]) -> str:
    return texts(lang, "list_separator").join(items)


def _city_names(profile: Profile, lang: str, keys: list[str]) -> list[str]:
    names = {c.key: c.name.get(lang) for c in profile.service_area}
    return [names.get(k, k) for k in keys]


def _ages(lang: str, ages: dict[str, int]) -> str:
    if "age_min" in ages and "age_max" in ages:
        return TEXTS(lang, "cond_age_range", min=ages["age_min"], max=ages["age_max"])
    if "age_min" in ages:
        return TEXTS(lang, "cond_age_min", min=ages["age_min"])
    return TEXTS(lang, "cond_age_max", max=ages["age_max"])


def condition_lines(texts: Catalog, lang: str, profile: Profile, conditions: list[dict]) -> list[str]:
    """Each acceptance condition as a sentence (see Program.conditions for the vocabulary)."""
    lines: list[str] = []
    ages = {c["key"]: c["value"] for c in conditions if c.get("key") in ("age_min", "age_max")}
    if ages:
        lines.append(_ages(lang, ages))
    for c in conditions:
        key = c.get("key")
        if key == "gender":
            lines.append(TEXTS(lang, f"cond_gender_{c['value']}"))
        elif key == "city":
            lines.append(
                TEXTS(lang, "cond_city", cities=_names(texts, lang, _city_names(profile, lang, c["value"])))
            )
        elif key == "residency":
            kinds = [texts(lang, f"help_residency_{r}") for r in c["value"]]
            lines.append(TEXTS(lang, "cond_residency", kinds=_names(texts, lang, kinds)))
        elif key == "question":
            answer = TEXTS(lang, f"answer_{c.get('expect', 'yes')}")
            lines.append(TEXTS(lang, "cond_question", question=c.get(lang) or c.get("ar", ""), answer=answer))
        elif key == "rule":
            rule = next((r for r in profile.participation_rules if r.key == c.get("value")), None)
            if rule is not None:
                lines.append(rule.text.get(lang))
    return lines


def place_line(lang: str, program: Program) -> str:
    """Where it happens: the place for in person, the link for remote."""
    if program.mode == "remote":
        return TEXTS(lang, "ann_remote", link=program.link)
    place = (program.place_en if lang == "en" else program.place_ar) or program.place_ar
    return TEXTS(lang, "ann_place", place=place)


def announcement(texts: Catalog, lang: str, profile: Profile, program: Program) -> str:
    """The announcement of a program: what, when, where, and how to register with the conditions."""
    title = (program.title_en if lang == "en" else "") or program.title_ar  # the English title is optional
    description = program.description_en if lang == "en" else program.description_ar
    lines = [TEXTS(lang, "ann_title", title=title)]
    if description:
        lines.append(description)
    lines.append(TEXTS(lang, "ann_kind", kind=TEXTS(lang, f"kind_{program.kind}")))
    lines.append(TEXTS(lang, "ann_when", when=datetime_text(texts, lang, profile, program.starts_at)))
    lines.append(place_line(lang, program))
    menu = texts(lang, "menu_programs")
    if program.kind == "registration":
        lines.append(TEXTS(lang, "ann_register", menu=menu))
        if program.registration_deadline is not None:
            deadline = datetime_text(texts, lang, profile, program.registration_deadline)
            lines.append(TEXTS(lang, "ann_deadline", deadline=deadline))
        conditions = condition_lines(texts, lang, profile, program.conditions)
        if conditions:
            lines.append(TEXTS(lang, "ann_conditions"))
            lines.extend(f"• {line}" for line in conditions)
    elif program.kind == "volunteer":
        lines.append(TEXTS(lang, "ann_volunteer", menu=menu))
    elif program.kind == "service":
        lines.append(TEXTS(lang, "ann_service", menu=menu))
    return "\n".join(lines)
