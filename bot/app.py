"""The aiohttp application factory: database, engine, dispatcher and scheduler as cleanup contexts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.appkeys import DISPATCHER, ENGINE, FETCHER, KEYRING, SETTINGS, TELEGRAM_API, TELEGRAM_BOT, TWILIO_CLIENT
from bot.broadcast import fan_out_due
from bot.channel_locks import ChannelLocks
from bot.channels import email, telegram, whatsapp
from bot.channels.web import CHANNEL as WEB, WebSender
from bot.dispatcher import Dispatcher, Sender
from bot.engine import Engine, utc_now
from bot.live_settings import refresh as refresh_settings
from bot.media_fetch import MediaFetcher, downloads
from conversations.profile import Profile, load as load_profile
from bot.ratelimit import RateLimit
from bot.routes import setup_routes
from bot.settings import Settings
from bot.transcribe import transcriber
from conversations.catalog import Catalog
from handlers import bounds, telegram_intake
from handlers.admin.alerts import queue_staff_alerts
from handlers.admin.digest import queue_weekly_digest
from store.db import make_engine, make_sessions

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


@web.middleware
async def security_headers(request: web.Request, handler: Callable) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'",
    )
    return response


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    senders: dict[str, Sender] | None = None,
    background: bool = True,
) -> web.Application:
    """The whole bot as one aiohttp app. `background=False` leaves the dispatcher and scheduler off (tests
    then drive them by hand)."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[security_headers, bounds.refuse_nul])
    app[SETTINGS] = settings
    profile = load_profile(settings.profile, demo=settings.demo)
    texts = Catalog.load(profile.texts)
    keyring = app[KEYRING] = settings.keyring()

    async def services(app: web.Application) -> AsyncIterator[None]:
        db = make_engine(settings.database_url)
        sessions = make_sessions(db)
        channel_senders, limits = await _channels(app, settings, profile, clock, sessions)
        locks = None if settings.is_sqlite else ChannelLocks(db, set(limits))  # one sender per channel
        dispatcher = Dispatcher(
            sessions,
            {**channel_senders, **(senders or {})},
            clock,
            limits=limits,
            lease=timedelta(seconds=settings.dispatch_lease_seconds),
            locks=locks,
            keyring=keyring,
        )
        app[DISPATCHER] = dispatcher
        engine = app[ENGINE] = Engine(sessions, profile, texts, keyring, clock=clock, dispatcher=dispatcher)
        await _watch_settings(engine)  # the settings staff edited in the console, before the first input
        fetches = downloads(settings, app.get(TELEGRAM_BOT))
        fetcher = app[FETCHER] = MediaFetcher(engine, settings.files_dir, fetches, transcriber(settings))
        tasks: list[asyncio.Task] = []
        scheduler = AsyncIOScheduler(timezone="UTC")
        if background:
            tasks.append(asyncio.create_task(dispatcher.run_forever(), name="dispatcher"))
            tasks.append(asyncio.create_task(fetcher.run_forever(), name="file fetcher"))
            if settings.telegram_enabled and settings.telegram_mode == "polling":
                tasks.append(asyncio.create_task(telegram_intake.poll(app[TELEGRAM_BOT], app[TELEGRAM_API], engine), name="telegram polling"))
            scheduler.add_job(  # the first sweep at start-up: what a crash left unapplied goes on at once
                _sweep, "interval", seconds=settings.sweep_seconds, args=[app, clock], max_instances=1, coalesce=True,
                next_run_time=datetime.now(timezone.utc),
            )
            scheduler.add_job(
                _watch_settings, "interval", seconds=settings.settings_poll_seconds, args=[engine],
                max_instances=1, coalesce=True,
            )
            if settings.telegram_staff_chat_id and not settings.telegram_enabled:
                log.warning("TELEGRAM_STAFF_CHAT_ID is set but Telegram is off: no weekly digest is sent")
            scheduler.start()
        yield
        if scheduler.running:
            scheduler.shutdown(wait=False)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await engine.drain()
        if locks is not None:
            await locks.close()
        if TELEGRAM_BOT in app:
            await app[TELEGRAM_BOT].shutdown()
            await app[TELEGRAM_API].close()
        if TWILIO_CLIENT in app:
            await app[TWILIO_CLIENT].http_client.close()
        await db.dispose()

    app.cleanup_ctx.append(services)
    setup_routes(app)
    return app


async def _channels(
    app: web.Application,
    settings: Settings,
    profile: Profile,
    clock: Callable[[], datetime],
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[dict[str, Sender], dict[str, RateLimit]]:
    """The senders and rate limits of the channels whose settings are present."""
    senders: dict[str, Sender] = {WEB: WebSender()}
    limits: dict[str, RateLimit] = {}
    if settings.telegram_enabled:
        bot = app[TELEGRAM_BOT] = telegram.make_bot(settings)
        await bot.initialize()
        api = app[TELEGRAM_API] = telegram.make_api(bot)
        senders[telegram.CHANNEL] = telegram.TelegramSender(bot, api, settings.files_dir)
        limits[telegram.CHANNEL] = RateLimit(settings.telegram_rate_per_second, settings.telegram_rate_per_chat)
        log.info("Telegram on (%s)", settings.telegram_mode)
    if settings.whatsapp_enabled:
        client = app[TWILIO_CLIENT] = whatsapp.make_client(settings)
        senders[whatsapp.CHANNEL] = whatsapp.WhatsAppSender(
            client, settings, profile, clock=clock, sessions=sessions, keyring=app[KEYRING]
        )
        limits[whatsapp.CHANNEL] = RateLimit(settings.whatsapp_rate_per_second)
        log.info("WhatsApp (Twilio) on")
    if settings.email_enabled:
        senders[email.CHANNEL] = email.EmailSender(settings)
        log.info("e-mail alerts on (%s)", settings.smtp_host)
    return senders, limits


async def _watch_settings(engine: Engine) -> None:
    """Periodic: take up a settings change made in the console by any process."""
    try:
        await refresh_settings(engine)
    except Exception:  # noqa: BLE001  (logged; the next check tries again)
        log.exception("checking the settings failed")


async def _sweep(app: web.Application, clock: Callable[[], datetime]) -> None:
    """Periodic: fire timers that came due, fan out due broadcasts, resume inputs a crash left unapplied,
    queue the weekly digest when it is due and the staff alerts, and wake the dispatcher."""
    engine = app[ENGINE]
    try:
        await engine.fire_timers()
        if await fan_out_due(engine.sessions, clock):
            app[DISPATCHER].wake()
        await engine.resume_stale()
        await queue_weekly_digest(engine, app[SETTINGS])
        await queue_staff_alerts(engine, app[SETTINGS])
    except Exception:  # noqa: BLE001  (logged; the next sweep tries again)
        log.exception("sweep failed")
    app[DISPATCHER].wake()
