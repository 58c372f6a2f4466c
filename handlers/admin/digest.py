"""The weekly digest: help requests and complaints past their deadline, and the low ratings (1–2) of the last
seven days with their comments (to improve the service, never to blame anyone: no names, no staff), and the
policy's annual review when it is due (seed 004: more than a year since the last one, or none yet). The page
is in the console; `queue_weekly_digest`, called by every process's sweep, puts a short version in the outbox
for the staff's Telegram chat once a week: the week's run is a row with a unique key, so it goes once however
many processes run, and still goes when every process was down at its time (Sunday 08:00)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.engine import Engine
from bot.settings import Settings
from handlers.admin.complaints import page_of
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import TEXTS, Html, day_text, el, label, layout, short_day, t, table
from store.report_queries import Comment, comments, late_complaints, late_requests, recent
from handlers.admin.reports import comment_table
from store.models import Complaint, HelpRequest, OutboxMessage
from store import settings as stored
from store.periodic import claim_run

log = logging.getLogger(__name__)
LOW = 2  # a rating of at most this is low
DAYS = 7
LISTED = 10  # references named in the Telegram text
DUE_WEEKDAY, DUE_AT = 6, time(8)  # Sunday 08:00 in the association's time zone
STAFF_CHAT_KEY = "staff:digest"  # the outbox rows' conversation key: no beneficiary's conversation


@dataclass(frozen=True)
class Digest:
    """What needs attention this week."""

    requests: list[HelpRequest]
    complaints: list[Complaint]
    low_ratings: list[Comment]
    review: stored.Review
    review_due: bool


async def gather(tx: AsyncSession, now: datetime) -> Digest:
    """Open requests and complaints past due (most overdue first), and the week's low rated comments."""
    review = await stored.review(tx)
    return Digest(
        await late_requests(tx, now),
        await late_complaints(tx, now),
        await comments(tx, recent(now, DAYS), most=LOW),
        review,
        stored.review_due(review, now),
    )


def _requests(request: web.Request, rows: list[HelpRequest]) -> Html:
    cells = [
        (
            [
                el("a", row.reference, href=f"/admin/requests/{row.reference}", dir="ltr"),
                label(request, "status", row.status),
                short_day(request, row.due_at),
            ],
            "late",
        )
        for row in rows
    ]
    return table(request, ("col_reference", "col_status", "col_due"), cells, empty="empty_late_requests")


def _complaints(request: web.Request, rows: list[Complaint]) -> Html:
    cells = [
        (
            [
                el("a", row.reference, href=page_of(row.reference), dir="ltr"),
                label(request, "ckind", row.kind),
                short_day(request, row.due_at),
            ],
            "late",
        )
        for row in rows
    ]
    return table(request, ("col_complaint_reference", "col_kind", "col_due"), cells, empty="empty_late_complaints")


@requires(*ANYONE)
async def digest_page(request: web.Request) -> web.Response:
    """This week's digest."""
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        digest = await gather(tx, engine.clock())
    sections = [
        ("digest_requests", _requests(request, digest.requests)),
        ("digest_complaints", _complaints(request, digest.complaints)),
        ("digest_low_ratings", comment_table(request, digest.low_ratings)),
    ]
    body = [el("section", el("h2", t(request, key, count=count)), content)
            for (key, content), count in zip(sections, _counts(digest), strict=True)]  # fmt: skip
    intro = el("p", t(request, "digest_intro", days=DAYS), class_="hint")
    return layout(request, t(request, "digest_title"), intro, _review(request, digest), *body)


def _review(request: web.Request, digest: Digest) -> Html | None:
    """The annual review's reminder, with the way to the settings page where it is recorded."""
    if not digest.review_due:
        return None
    said = (t(request, "digest_review_never") if digest.review.at is None
            else t(request, "digest_review_due", when=day_text(request, digest.review.at)))  # fmt: skip
    return el("p", el("a", said, href="/admin/settings#review"), class_="notice late")


def _counts(digest: Digest) -> tuple[int, int, int]:
    return len(digest.requests), len(digest.complaints), len(digest.low_ratings)


def _named(references: list[str]) -> str:
    """Up to LISTED references, and an ellipsis for the rest."""
    shown = "، ".join(references[:LISTED])
    return f"{shown}، …" if len(references) > LISTED else shown


def digest_text(digest: Digest, lang: str, link: str) -> str:
    """The short text for the staff chat: counts, references, the link to the page (no comments, no names)."""
    requests, complaints, low = _counts(digest)
    lines = [
        TEXTS(lang, "digest_title"),
        TEXTS(lang, "digest_requests", count=requests),
        _named([r.reference for r in digest.requests]),
        TEXTS(lang, "digest_complaints", count=complaints),
        _named([c.reference for c in digest.complaints]),
        TEXTS(lang, "digest_low_ratings", count=low),
        _review_text(digest, lang),
        link,
    ]
    return "\n".join(line for line in lines if line)


def _review_text(digest: Digest, lang: str) -> str | None:
    if not digest.review_due:
        return None
    if digest.review.at is None:
        return TEXTS(lang, "digest_review_never")
    return TEXTS(lang, "digest_review_due", when=digest.review.at.date().isoformat())


def latest_due(now: datetime, zone: str) -> datetime:
    """The last Sunday 08:00 (association's time) at or before `now`, in UTC."""
    here = now.astimezone(ZoneInfo(zone))
    day = here.date() - timedelta(days=(here.weekday() - DUE_WEEKDAY) % 7)
    due = datetime.combine(day, DUE_AT, tzinfo=ZoneInfo(zone))
    if due > here:
        due -= timedelta(days=7)
    return due.astimezone(timezone.utc)


def run_key(due: datetime, zone: str) -> str:
    """The week's unique key, e.g. digest:2026-W48 (the ISO week of the Sunday it is due)."""
    year, week, _ = due.astimezone(ZoneInfo(zone)).isocalendar()
    return f"digest:{year}-W{week:02d}"


async def queue_weekly_digest(engine: Engine, settings: Settings) -> bool:
    """If this week's digest is due and no process has queued it, queue it (an outbox row to
    TELEGRAM_STAFF_CHAT_ID, sent by the dispatcher within Telegram's limits); True when this call did."""
    chat_id = settings.telegram_staff_chat_id
    if not chat_id or not settings.telegram_enabled:
        return False
    now, zone = engine.clock(), engine.profile.timezone
    due = latest_due(now, zone)
    link = f"{settings.public_base_url.rstrip('/')}/admin/digest"
    async with engine.sessions() as tx, tx.begin():
        if not await claim_run(tx, run_key(due, zone), due, now):
            return False
        text = digest_text(await gather(tx, now), engine.profile.default_language, link)
        tx.add(
            OutboxMessage(
                channel=TELEGRAM, recipient=chat_id, conversation_key=STAFF_CHAT_KEY,
                payload={"kind": "digest", "text": text, "choices": []}, next_attempt_at=now, created_at=now,
            )
        )  # fmt: skip
    log.info("weekly digest %s queued for the staff chat", run_key(due, zone))
    return True
