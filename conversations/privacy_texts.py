"""The texts of a beneficiary's data rights: the copy of their data, and what erasure removed and kept."""

from __future__ import annotations

from typing import Any, Iterable

from conversations.profile import Profile
from conversations import languages
from conversations.catalog import Catalog
from conversations.dates import date_text
from conversations.national_id import mask


def _label(options: Iterable[Any], key: str | None, lang: str) -> str | None:
    found = next((o for o in options if o.key == key), None)
    return found.name.get(lang) if found else key


def export_text(
    t: Catalog, lang: str, profile: Profile, *, name: str, national_id: str, person: Any, channels: list[str], requests: list
) -> str:
    """Everything held about the person, sensitive numbers masked (a chat is no place for a whole ID)."""
    unknown = t(lang, "export_unknown")

    def line(key: str, value: object) -> str:
        return t(lang, key, value=value if value not in (None, "") else unknown)

    residency = t(lang, f"help_residency_{person.residency}") if person.residency else None
    income = t(lang, f"help_income_{person.income_bracket}") if person.income_bracket else None
    lines = [
        t(lang, "export_title", association=profile.short_name.get(lang)),
        line("export_name", name),
        line("export_national_id", mask(national_id) if national_id else None),
        line("export_phone", person.phone),
        line("export_city", _label(profile.service_area, person.city, lang)),
        line("export_residency", residency),
        line("export_household", person.household_size),
        line("export_income", income),
        line("export_language", languages.get(person.language).name),
        line("export_channels", ", ".join(channels)),
        "",
        t(lang, "export_requests"),
    ]
    for r in requests:
        lines.append(
            t(
                lang,
                "export_request_line",
                reference=r.reference,
                category=_label(profile.categories, r.category, lang),
                status=t(lang, f"req_status_{r.status}"),
                date=date_text(t, lang, r.submitted_at.date()),
            )
        )
    if not requests:
        lines.append(t(lang, "export_no_requests"))
    lines += ["", t(lang, "export_footer")]
    return "\n".join(lines)


def erased_text(t: Catalog, lang: str, kept_references: list[str]) -> str:
    """What erasure removed, and what it kept and why."""
    kept = (
        t(lang, "erase_kept", references=t(lang, "list_separator").join(kept_references))
        if kept_references
        else t(lang, "erase_nothing_kept")
    )
    return f"{t(lang, 'erase_done')}\n{kept}"
