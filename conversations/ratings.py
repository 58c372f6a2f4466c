"""Satisfaction ratings (policy §1, §11): after a service the host sends a rating prompt; rating is the
beneficiary's right and a tool for improvement, never for blame. The beneficiary answers 1–5 and may add a
comment; nothing interrupts a form or a live chat with staff.

    event rating_prompt:{id} (text "{service_kind}:{service_ref}")
        ──not open──> nothing
        ──mid-form, a question expecting typed input, a live chat──> ScheduleTimer(rating_prompt:{id}, +30m)
        ──otherwise──> SetRatingStatus prompted, ScheduleTimer(rating_reminder:{id}) ──> rating:score
    rating:score ──1–5 (digits, Arabic-Indic digits, a label, stars)──> rating:comment
                 ──later──> where they were (the reminder comes)
    rating:comment ──text (up to 500) / skip──> RecordRating, CancelTimer reminder and expiry, thanks
        ──> where they were (its prompt again), or menu:main
    event rating_reminder:{id} ──open──> the prompt once more (SetRatingStatus reminded),
        ScheduleTimer(rating_expire:{id}); mid-form: re-armed in 30 min
    event rating_expire:{id} ──open──> SetRatingStatus expired, nothing shown
"""

from __future__ import annotations

import re
from datetime import timedelta

from conversations import programs_common
from conversations.effects import CancelTimer, Effect, RecordRating, Reply, ScheduleTimer, SetRatingStatus
from conversations.flow import Flow, choice, goto, known, reask, text
from conversations.normalize import digits_to_ascii, normalize, strip_invisible
from conversations.states import Complaints, Help, Inquiry, Menu, Programs, Rating, Requests
from conversations.types import Choice, Context, Inbound, Step

# Where a prompt may appear at once: places that show something and wait for a pick, not for typed input.
IDLE = frozenset(
    {
        Menu.MAIN,
        Requests.LIST,
        Programs.KINDS,
        Programs.LIST,
        Programs.DETAILS,
        Programs.MY_LIST,
        Programs.MY_ITEM,
        Programs.AFTER,
        Help.ENDED,
        Complaints.MENU,
        Complaints.FOLLOWED,
        *Inquiry,
    }
)
FLOW = Flow("ratings")
WAIT = timedelta(minutes=30)  # how long a prompt waits for the beneficiary to finish what they are doing
SCORES = range(1, 6)
COMMENT_LIMIT = 500
LOW = 2  # a score at or below this gets a line that staff will look into it
LATER_WORDS = frozenset(
    normalize(w) for w in ("later", "not now", "لاحقا", "لاحقاً", "ليس الآن", "مو الحين", "بعدين")
)
SKIP_WORDS = frozenset(
    normalize(w)
    for w in ("skip", "no", "no comment", "no thanks", "تخطي", "تخطٍ", "لا", "لا شكرا", "بدون تعليق")
)
_NUMBER = re.compile(r"(\d{1,3})(?:\s*(?:/|من|out of|of)\s*5)?")


def _rating(data: dict) -> dict:
    """The rating being answered: id, score once picked, and the state to go back to."""
    return data.get("rating") or {}


def _services(data: dict) -> dict:
    """What each open rating of this conversation is for, by id (the timers' events carry only the id)."""
    return data.get("rating_services") or {}


def _without(data: dict, rating_id: int) -> dict:
    """Forget what a rating that was answered or expired was for."""
    return {**data, "rating_services": {k: v for k, v in _services(data).items() if k != str(rating_id)}}


def _id(inbound: Inbound) -> int | None:
    """The rating id of an event named "rating_…:{id}"."""
    _, _, tail = (inbound.choice or "").partition(":")
    return int(tail) if tail.isdecimal() else None


def is_idle(here: str) -> bool:
    """True where a prompt may appear now: not a form, a typed question, a live chat or another rating."""
    return here in IDLE


def parse_score(typed: str, words: dict[int, str]) -> int | None:
    """1–5 from "4", "٤", "4/5", "4 من 5", "⭐⭐⭐⭐", or a score's own word (`words`: score → label)."""
    raw = strip_invisible(typed).strip()
    stars = raw.replace("\ufe0f", "").replace(" ", "")
    if stars and set(stars) <= {"⭐", "★"}:
        return len(stars) if len(stars) in SCORES else None
    found = _NUMBER.fullmatch(" ".join(digits_to_ascii(raw).casefold().split()))
    if found:
        score = int(found.group(1))
        return score if score in SCORES else None
    folded = normalize(raw)
    matches = [score for score, word in words.items() if folded and folded == normalize(word)]
    return matches[0] if len(matches) == 1 else None


def _score_words(ctx: Context, data: dict) -> dict[int, str]:
    return {n: text(ctx, data, f"rating_score_{n}") for n in SCORES}


def service_text(ctx: Context, data: dict, service: str) -> str:
    """What the rating is for, from "{service_kind}:{service_ref}": «طلب المساعدة H-…», «برنامج «…»»…"""
    kind, _, ref = service.partition(":")
    if kind in ("program", "service"):
        program = next((p for p in ctx.programs if str(p.id) == ref), None)
        if program is None:
            return text(ctx, data, "rating_for_other")
        return text(ctx, data, f"rating_for_{kind}", title=programs_common.title(program, data))
    if kind == "complaint":
        filed = next((c for c in ctx.complaints if c.reference == ref), None)
        noun = "suggestion" if filed is not None and filed.kind == "suggestion" else "complaint"
        return text(ctx, data, f"rating_for_{noun}", reference=ref)
    if kind == "help_request" and ref:
        return text(ctx, data, "rating_for_help_request", reference=ref)
    if kind == "handoff":
        return text(ctx, data, "rating_for_handoff")
    return text(ctx, data, "rating_for_other")


def _score_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    """What the rating is for, that it is their right, then 1–5 with their labels and "later"."""
    service = _services(data).get(str(_rating(data).get("id")), "")
    words = _score_words(ctx, data)
    options = tuple(
        Choice(f"rating:score:{n}", text(ctx, data, "rating_choice", score=n, label=words[n])) for n in SCORES
    )
    asked = text(ctx, data, "rating_prompt", service=service_text(ctx, data, service))
    later = choice(ctx, data, "rating:later", "rating_later")
    return (Reply(asked, (*options, later), kind="rating_prompt"),)


def _comment_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    skip = choice(ctx, data, "rating:skip", "rating_skip")
    return (Reply(text(ctx, data, "rating_comment_prompt", limit=COMMENT_LIMIT), (skip,)),)


def _back(data: dict, ctx: Context, *effects: Effect) -> Step:
    """Out of the rating to the place it interrupted (its prompt again), or the menu."""
    back = _rating(data).get("return_to", Menu.MAIN)
    data = {k: v for k, v in data.items() if k != "rating"}
    return goto(back if known(back) else Menu.MAIN, data, ctx, *effects)


def _closed(data: dict, ctx: Context) -> Step | None:
    """A rating that expired (or was answered elsewhere) meanwhile: say so and go back."""
    rating_id = _rating(data).get("id")
    if rating_id in ctx.open_ratings:
        return None
    return _back(_without(data, rating_id), ctx, Reply(text(ctx, data, "rating_closed")))


@FLOW.state(Rating.SCORE, parent=Menu.MAIN, prompt=_score_prompt)
def on_score(inbound: Inbound, data: dict, ctx: Context) -> Step:
    closed = _closed(data, ctx)
    if closed is not None:
        return closed
    later = inbound.kind == "text" and normalize(inbound.text) in LATER_WORDS
    if inbound.choice == "rating:later" or later:
        return _back(data, ctx, Reply(text(ctx, data, "rating_later_ok")))
    score = None
    if (inbound.choice or "").startswith("rating:score:"):
        score = int(inbound.choice.rsplit(":", 1)[-1])
    elif inbound.kind == "text":
        score = parse_score(inbound.text, _score_words(ctx, data))
    if score not in SCORES:
        return reask(Rating.SCORE, data, ctx, "rating_score_hint")
    return goto(Rating.COMMENT, {**data, "rating": {**_rating(data), "score": score}}, ctx)


@FLOW.state(Rating.COMMENT, parent=Rating.SCORE, prompt=_comment_prompt)
def on_comment(inbound: Inbound, data: dict, ctx: Context) -> Step:
    closed = _closed(data, ctx)
    if closed is not None:
        return closed
    comment = "" if inbound.kind != "text" else " ".join(strip_invisible(inbound.text).split())
    if inbound.choice == "rating:skip" or normalize(comment) in SKIP_WORDS:
        comment = ""
    elif len(comment) > COMMENT_LIMIT:
        return goto(Rating.COMMENT, data, ctx, Reply(text(ctx, data, "rating_comment_long", limit=COMMENT_LIMIT)))
    rating_id, score = _rating(data)["id"], _rating(data)["score"]
    thanks = text(ctx, data, "rating_thanks")
    if score <= LOW:
        thanks += "\n" + text(ctx, data, "rating_thanks_low")
    return _back(
        _without(data, rating_id),
        ctx,
        RecordRating(rating_id, score, comment),
        CancelTimer(f"rating_reminder:{rating_id}"),
        CancelTimer(f"rating_expire:{rating_id}"),
        Reply(thanks),
    )


def _answering(here: str, data: dict, rating_id: int) -> bool:
    """True while the beneficiary is in the middle of this very rating."""
    return here in (Rating.SCORE, Rating.COMMENT) and _rating(data).get("id") == rating_id


def _ask(rating_id: int, here: str, data: dict, ctx: Context, *effects: Effect) -> Step:
    """Show the prompt for `rating_id`, remembering where to come back to."""
    return goto(Rating.SCORE, {**data, "rating": {"id": rating_id, "return_to": here}}, ctx, *effects)


@FLOW.on_event("rating_prompt")
def on_prompt(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """The host's prompt after a service: shown now where the beneficiary is free, else in 30 minutes."""
    rating_id = _id(inbound)
    if rating_id not in ctx.open_ratings or _answering(here, data, rating_id):
        return Step(here, data)
    if inbound.text.strip():
        data = {**data, "rating_services": {**_services(data), str(rating_id): inbound.text.strip()}}
    if not is_idle(here):
        return Step(here, data, (ScheduleTimer(f"rating_prompt:{rating_id}", ctx.now + WAIT),))
    reminder = ctx.now + timedelta(hours=ctx.profile.deadlines.rating_reminder_hours)
    prompted = SetRatingStatus(rating_id, "prompted")
    return _ask(rating_id, here, data, ctx, prompted, ScheduleTimer(f"rating_reminder:{rating_id}", reminder))


@FLOW.on_event("rating_reminder")
def on_reminder(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """Once, the same prompt again; then the rating expires after the profile's hours."""
    rating_id = _id(inbound)
    if rating_id not in ctx.open_ratings:
        return Step(here, data)
    hours = ctx.profile.deadlines.rating_expiry_hours
    expiry = ScheduleTimer(f"rating_expire:{rating_id}", ctx.now + timedelta(hours=hours))
    if _answering(here, data, rating_id):
        return Step(here, data, (SetRatingStatus(rating_id, "reminded"), expiry))
    if not is_idle(here):
        return Step(here, data, (ScheduleTimer(f"rating_reminder:{rating_id}", ctx.now + WAIT),))
    return _ask(rating_id, here, data, ctx, SetRatingStatus(rating_id, "reminded"), expiry)


@FLOW.on_event("rating_expire")
def on_expire(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """Unanswered: recorded as expired, nothing shown."""
    rating_id = _id(inbound)
    if rating_id not in ctx.open_ratings:
        return Step(here, data)
    return Step(here, _without(data, rating_id), (SetRatingStatus(rating_id, "expired"),))
