"""The audit log in words: each stored action as a sentence about its record, and its details as labelled rows,
so that staff never read the keys and JSON the writers store."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.appkeys import ENGINE
from conversations import languages
from handlers.admin.pages import TEXTS, Html, cat, el, label, lang_of, t, time_text
from store.models import AuditLog

STATUS_LABELS = {  # the catalog prefix of a `status`/`was` detail, by the kind of record the action is about
    "request": "status", "complaint": "cstatus", "broadcast": "bstatus", "program": "pstatus", "registration": "reg",
}  # fmt: skip
PROGRAM_FIELDS = {"registration_deadline": "pf_deadline", "capacity": "col_seats"}  # else pf_<field>
PAGES = {
    "request": "/admin/requests/{}", "complaint": "/admin/complaints/{}", "handoff": "/admin/inbox/{}",
    "program": "/admin/programs/{}", "broadcast": "/admin/broadcasts/{}", "beneficiary": "/admin/beneficiaries/{}",
    "staff": "/admin/staff/{}", "import": "/admin/beneficiaries/import/{}",
}  # fmt: skip


def number(request: web.Request, value: object) -> str:
    """A count or record number in the page language's digits."""
    return languages.get(lang_of(request)).show_digits(str(value))


def _has(request: web.Request, key: str) -> bool:
    return key in TEXTS.languages()[lang_of(request)]


def subject_of(row: AuditLog) -> tuple[str, str]:
    """(the kind of record, its reference or number): `request:R-…` → ("request", "R-…"); `undelivered` → it."""
    kind, _, ref = (row.subject or "").partition(":")
    return kind, ref


def _record(request: web.Request, subject: str) -> object:
    """Another record a detail names (`request:R-…`, `beneficiary:3`), as a link in words."""
    kind, _, ref = subject.partition(":")
    if not ref or not _has(request, f"about_{kind}"):
        return t(request, "about_none")
    text = t(request, f"about_{kind}", reference=number(request, ref) if ref.isdigit() else ref)
    return el("a", text, href=PAGES[kind].format(ref)) if kind in PAGES else text


def sentence(request: web.Request, row: AuditLog, staff: dict[int, str]) -> Html:
    """What was done to which record: `said_<action>_<kind>`, else `said_<action>`, with the record linked."""
    kind, ref = subject_of(row)
    key = next((k for k in (f"said_{row.action}_{kind}", f"said_{row.action}") if _has(request, k)), None)
    if key is None:
        return el("span", label(request, "action", row.action))
    if kind == "staff" and ref.isdigit():
        shown = staff.get(int(ref)) or t(request, "staff_gone", number=number(request, ref))
    else:
        shown = number(request, ref) if ref.isdigit() else ref
    text = t(request, key, ref="\u2068" + shown + "\u2069") if ref else t(request, key)
    link = PAGES.get(kind)
    return el("a", text, href=link.format(ref)) if link and ref else el("span", text)


def _value(request: web.Request, row: AuditLog, key: str, value: object, staff: dict[int, str]) -> object:
    """One detail's value in words."""
    kind, _ = subject_of(row)
    if isinstance(value, bool):
        return t(request, "answer_yes" if value else "answer_no")
    if key in ("status", "was"):
        return label(request, STATUS_LABELS.get(kind, "status"), str(value))
    if key == "role":
        return label(request, "role", str(value))
    if key in ("channel", "sent_to"):
        return label(request, "channel", str(value))
    if key == "kind":
        return label(request, "kind", str(value))
    if key == "format":
        return str(value).upper()
    if key == "reason" and row.action == "login_failed":
        return label(request, "login_refused", str(value))
    if key == "to":
        return staff.get(value, t(request, "nobody")) if isinstance(value, int) else t(request, "nobody")
    if key in ("about", "into"):
        return _record(request, str(value))
    if key == "program_id":
        return el(
            "a",
            t(request, "about_program", reference=number(request, value)),
            href=f"/admin/programs/{value}",
        )
    if key == "fields":
        names = [t(request, PROGRAM_FIELDS.get(f, f"pf_{f}")) for f in value or []]
        return joined(request, names) or "—"
    if key == "kept":
        return joined(request, list(map(str, value))) if value else t(request, "kept_nothing")
    if key == "send_at":
        return time_text(request, datetime.fromisoformat(value)) if value else "—"
    if key == "audience":
        return audience_words(request, value or {})
    if key == "number":
        return el("span", str(value), dir="ltr")
    if isinstance(value, int):
        return number(request, value)
    return el("span", str(value), class_="typed", dir="auto")


def audience_words(request: web.Request, audience: dict) -> str:
    """Who an announcement was for, worded as the announcement's own page words it."""
    # imported here, not at the top: broadcasts.py imports the audit writer, which imports this module
    from handlers.admin.broadcasts import audience_text

    return audience_text(request, audience)


def joined(request: web.Request, names: list[str]) -> str:
    return request.app[ENGINE].texts(lang_of(request), "list_separator").join(names)


def settings_change(request: web.Request, row: AuditLog) -> str:
    """A settings change in words: the section and what in it changed, or the FAQ question saved or retired."""
    detail = row.detail or {}
    if detail.get("section") == "faq":
        return t(request, f"set_audit_{detail.get('change')}", question=detail.get("question", ""))
    section, known = detail.get("section"), TEXTS.languages()[lang_of(request)]
    words = [name if section == "holidays" else known.get(f"set_text_{name}" if section == "texts" else f"set_{name}")
             for name in detail.get("changed", [])]  # fmt: skip
    said = joined(request, [w for w in words if isinstance(w, str)])
    return t(request, f"set_section_{section}") + (f": {said}" if said else "")


def details(request: web.Request, row: AuditLog, staff: dict[int, str]) -> Html | str:
    """The row's details as labelled rows; a merge, a role change and a settings change as one line each."""
    detail = dict(row.detail or {})
    lines: list[tuple[str, object]] = []
    if row.action == "settings_changed":
        return settings_change(request, row)
    if row.action == "settings_reviewed":
        return "—"
    if row.action == "beneficiary_merge":
        moved, stayed = sum(detail.pop("moved", {}).values()), sum(detail.pop("stayed", {}).values())
        drop = detail.pop("merged", None)
        moved_text = t(request, "audit_merge_moved", count=moved)
        stayed_text = t(request, "audit_merge_stayed", count=stayed)
        lines.append((t(request, "detail_merge"), t(request, "audit_merge_detail", drop=number(request, drop),
                                                         moved=moved_text, stayed=stayed_text)))  # fmt: skip
    if "before" in detail or "after" in detail:
        before, after = (label(request, "role", str(detail.pop(k, ""))) for k in ("before", "after"))
        lines.append((t(request, "detail_role"), t(request, "audit_role_detail", before=before, after=after)))
    for key, value in sorted(detail.items()):
        if value is None or value == "" or (key in ("request", "complaint") and not value):
            continue
        caption = (
            t(request, f"detail_{key}") if _has(request, f"detail_{key}") else key
        )  # the crawl test fails on it
        lines.append((caption, _value(request, row, key, value, staff)))
    if not lines:
        return "—"
    return el("dl", *(cat(el("dt", caption), el("dd", value)) for caption, value in lines), class_="facts")
