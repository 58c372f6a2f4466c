"""`python -m bot chat`: the same engine and outbox, in a terminal (reads lines, prints replies)."""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from bot.channels.terminal import CHANNEL, TerminalSender
from bot.dispatcher import Dispatcher
from bot.engine import Engine, utc_now
from bot.incoming import Incoming
from bot.live_settings import refresh
from conversations.profile import load as load_profile
from bot.settings import Settings
from conversations.catalog import Catalog
from conversations.types import Inbound
from store.db import make_engine, make_sessions


async def chat(settings: Settings, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Greet, then apply each line typed as one input and print what the bot sends back."""
    profile = load_profile(settings.profile, demo=settings.demo)
    db = make_engine(settings.database_url)
    sessions = make_sessions(db)
    keyring = settings.keyring()
    dispatcher = Dispatcher(sessions, {CHANNEL: TerminalSender(stdout)}, utc_now, keyring=keyring)
    engine = Engine(sessions, profile, Catalog.load(profile.texts), keyring)
    await refresh(engine)  # the settings staff edited in the console
    interactive = stdin.isatty()

    async def say(inbound: Inbound) -> None:
        await engine.handle(Incoming(CHANNEL, user, uuid.uuid4().hex, inbound))
        while await dispatcher.run_once():
            pass

    try:
        await say(Inbound("start"))
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                stdout.write(f"> {line}\n")
            await say(Inbound("text", text=line))
    finally:
        await db.dispose()
