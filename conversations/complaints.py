"""Complaints and suggestions (accountability, policy §2): filed with a reference, answered within the
profile's working days, handled fairly and confidentially; the beneficiary follows up only their own.

    menu ──complaints──> complaints:menu ──a complaint / a suggestion──> complaints:text
                                         ──follow up──> complaints:follow
    complaints:text ──10–2000 characters──> complaints:attach (a file sent here is acknowledged and kept)
                    ──too short / too long──> a polite hint, the same question
    complaints:attach ──a file──> acknowledged (counted) ──> complaints:attach
                      ──send / skip──> FileComplaint, the reference and the answer deadline ──> menu:main
    complaints:follow ──a reference of their own (typed or picked)──> its status, dates, staff's reply
                          ──> complaints:followed
                      ──anyone else's, or unknown──> «not found» (reveals nothing) ──> complaints:follow
    event complaint_replied:{ref} (text: staff's reply) ──> the reply with the reference; the place is kept
    event complaint_resolved:{ref} ──> resolved, thanks; the place is kept
"""

from __future__ import annotations

from datetime import datetime

from conversations import references
from conversations.calendar import local
from conversations.complaint_rules import TEXT_LENGTH, check_text, complaint_due_at
from conversations.dates import date_text
from conversations.effects import Effect, FileComplaint, Reply
from conversations.flow import Flow, choice, goto, lang, reask, text
from conversations.normalize import normalize
from conversations.states import Complaints, Menu
from conversations.types import Choice, ComplaintView, Context, Inbound, Step

FLOW = Flow("complaints")
KINDS = ("complaint", "suggestion")
SHOWN_REFERENCES = 5  # their newest references offered as buttons in the follow-up
SEND_WORDS = frozenset(normalize(w) for w in ("send", "done", "إرسال", "ارسل", "أرسل", "تم", "انتهيت"))
SKIP_WORDS = frozenset(normalize(w) for w in ("skip", "no", "no file", "تخطي", "لا", "بدون مرفق", "دون مرفق", "لا يوجد"))


def show(data: dict, ctx: Context) -> Step:
    """"Complaint or suggestion" from the menu."""
    return goto(Complaints.MENU, data, ctx)


def _draft(data: dict) -> dict:
    """The complaint or suggestion being written: kind, started_at, text, files."""
    return data.get("complaint") or {}


def _with_draft(data: dict, **changes: object) -> dict:
    return {**data, "complaint": {**_draft(data), **changes}}


def _day(ctx: Context, data: dict, moment: datetime) -> str:
    return date_text(ctx.texts, lang(data), local(ctx.profile, moment).date())


def own(ctx: Context, typed: str) -> ComplaintView | None:
    """The beneficiary's own complaint or suggestion with this reference (in any spelling), never anyone else's."""
    return next((c for c in ctx.complaints if references.same(typed, c.reference)), None)


def _noun(ctx: Context, data: dict, reference: str) -> str:
    """«شكواك» or «اقتراحك», as staff's event is about one or the other."""
    filed = own(ctx, reference)
    return text(ctx, data, f"cmp_noun_{filed.kind if filed else 'complaint'}")


def _menu_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    options = (
        choice(ctx, data, "complaints:new:complaint", "cmp_new_complaint"),
        choice(ctx, data, "complaints:new:suggestion", "cmp_new_suggestion"),
        choice(ctx, data, "complaints:follow", "cmp_follow"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    return (Reply(text(ctx, data, "cmp_menu_prompt"), options),)


@FLOW.state(Complaints.MENU, parent=Menu.MAIN, prompt=_menu_prompt)
def on_menu(inbound: Inbound, data: dict, ctx: Context) -> Step:
    picked = inbound.choice or ""
    if picked.startswith("complaints:new:") and picked.rsplit(":", 1)[-1] in KINDS:
        kind = picked.rsplit(":", 1)[-1]
        draft = {"kind": kind, "started_at": ctx.now.isoformat(), "files": 0}
        return goto(Complaints.TEXT, {**data, "complaint": draft}, ctx)
    if picked == "complaints:follow":
        return goto(Complaints.FOLLOW, data, ctx)
    return reask(Complaints.MENU, data, ctx, "cmp_choose_hint")


def _text_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    return (Reply(text(ctx, data, f"cmp_text_prompt_{_draft(data).get('kind', 'complaint')}")),)


@FLOW.state(Complaints.TEXT, parent=Complaints.MENU, prompt=_text_prompt, accepts=("attachment", "voice"))
def on_text(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if not _draft(data):
        return goto(Complaints.MENU, data, ctx)
    if inbound.kind == "attachment":
        data = _with_draft(data, files=_draft(data).get("files", 0) + 1)
        return goto(Complaints.TEXT, data, ctx, Reply(text(ctx, data, "cmp_file_before_text")))
    body, hint = check_text(inbound.text) if inbound.kind == "text" else (None, "cmp_text_hint")
    if hint is not None:
        limits = {"minimum": TEXT_LENGTH[0], "maximum": TEXT_LENGTH[1]}
        return goto(Complaints.TEXT, data, ctx, Reply(text(ctx, data, hint, **limits)))
    return goto(Complaints.ATTACH, _with_draft(data, text=body), ctx)


def _attach_choices(data: dict, ctx: Context) -> tuple[Choice, ...]:
    if _draft(data).get("files"):
        return (choice(ctx, data, "complaints:send", "cmp_send"),)
    return (choice(ctx, data, "complaints:send", "cmp_send_without"),)


def _attach_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    return (Reply(text(ctx, data, "cmp_attach_prompt"), _attach_choices(data, ctx)),)


def _file(data: dict, ctx: Context) -> Step:
    """File the complaint or suggestion and tell the reference and the answer deadline; back to the menu."""
    draft = _draft(data)
    data = {k: v for k, v in data.items() if k != "complaint"}
    days = ctx.profile.deadlines.complaint_answer_working_days
    due = complaint_due_at(ctx.profile, ctx.now).date()  # the day the host records as its deadline
    reference = references.of(draft["kind"], ctx.reference)
    filed = FileComplaint(reference=reference, kind=draft["kind"], text=draft["text"], started_at=draft["started_at"])
    ack = text(
        ctx,
        data,
        f"cmp_filed_{draft['kind']}",
        reference=reference,
        due=date_text(ctx.texts, lang(data), due),
        days=days,
    )
    return goto(Menu.MAIN, data, ctx, filed, Reply(ack))


@FLOW.state(Complaints.ATTACH, parent=Complaints.TEXT, prompt=_attach_prompt, accepts=("attachment",))
def on_attach(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if not _draft(data).get("text"):
        return goto(Complaints.MENU, data, ctx)
    if inbound.kind == "attachment":
        count = _draft(data).get("files", 0) + 1
        data = _with_draft(data, files=count)
        received = Reply(text(ctx, data, "cmp_file_received", count=count), _attach_choices(data, ctx))
        return Step(Complaints.ATTACH, data, (received,))
    typed = normalize(inbound.text) if inbound.kind == "text" else ""
    if inbound.choice == "complaints:send" or typed in SEND_WORDS or typed in SKIP_WORDS:
        return _file(data, ctx)
    return reask(Complaints.ATTACH, data, ctx, "cmp_attach_hint")


def _follow_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    newest = ctx.complaints[:SHOWN_REFERENCES]
    mine = tuple(Choice(f"complaints:ref:{c.reference}", c.reference) for c in newest)
    back = (choice(ctx, data, "complaints:menu", "cmp_back"), choice(ctx, data, "menu", "choice_menu"))
    key = "cmp_follow_prompt_mine" if mine else "cmp_follow_prompt"
    return (Reply(text(ctx, data, key), (*mine, *back)),)


def describe(complaint: ComplaintView, data: dict, ctx: Context) -> str:
    """One of their own complaints or suggestions: kind, reference, status, dates, staff's reply."""
    lines = [
        text(
            ctx,
            data,
            "cmp_item",
            kind=text(ctx, data, f"cmp_kind_{complaint.kind}"),
            reference=complaint.reference,
            status=text(ctx, data, f"cmp_status_{complaint.status}"),
            submitted=_day(ctx, data, complaint.created_at),
        )
    ]
    if complaint.status == "open":
        lines.append(text(ctx, data, "cmp_item_due", due=_day(ctx, data, complaint.due_at)))
    if complaint.reply:
        lines.append(text(ctx, data, "cmp_item_reply", reply=complaint.reply))
    return "\n".join(lines)


@FLOW.state(Complaints.FOLLOW, parent=Complaints.MENU, prompt=_follow_prompt)
def on_follow(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "complaints:menu":
        return goto(Complaints.MENU, data, ctx)
    picked = (inbound.choice or "").removeprefix("complaints:ref:")
    typed = picked if inbound.kind == "choice" else inbound.text
    found = own(ctx, typed) if typed else None
    if found is None:
        return reask(Complaints.FOLLOW, data, ctx, "cmp_not_found")
    return goto(Complaints.FOLLOWED, data, ctx, Reply(describe(found, data, ctx)))


def _followed_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    options = (
        choice(ctx, data, "complaints:follow", "cmp_follow_another"),
        choice(ctx, data, "complaints:menu", "cmp_back"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    return (Reply(text(ctx, data, "cmp_followed_prompt"), options),)


@FLOW.state(Complaints.FOLLOWED, parent=Complaints.FOLLOW, prompt=_followed_prompt)
def on_followed(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "complaints:follow":
        return goto(Complaints.FOLLOW, data, ctx)
    if inbound.choice == "complaints:menu":
        return goto(Complaints.MENU, data, ctx)
    if inbound.kind == "text" and own(ctx, inbound.text):
        return on_follow(inbound, data, ctx)
    return reask(Complaints.FOLLOWED, data, ctx, "cmp_choose_hint")


def _reference(inbound: Inbound) -> str:
    return (inbound.choice or "").split(":", 1)[-1]


@FLOW.on_event("complaint_replied")
def on_replied(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """Staff's reply, with the reference; the beneficiary's place is kept."""
    reference, reply = _reference(inbound), inbound.text.strip()
    if not reference or not reply:
        return Step(here, data)
    what = _noun(ctx, data, reference)
    message = text(ctx, data, "cmp_replied", what=what, reference=reference, reply=reply)
    return Step(here, data, (Reply(message),))


@FLOW.on_event("complaint_resolved")
def on_resolved(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """The complaint or suggestion is resolved: told, with thanks; the place is kept."""
    reference = _reference(inbound)
    if not reference:
        return Step(here, data)
    message = text(ctx, data, "cmp_resolved", what=_noun(ctx, data, reference), reference=reference)
    return Step(here, data, (Reply(message),))
