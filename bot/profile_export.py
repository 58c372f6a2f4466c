"""`python -m bot export-settings`: the running settings (the profile file with the console's changes over it)
written out as a profile TOML file that loads back to the same profile; a small TOML writer for that."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from datetime import time

from bot.live_settings import compose
from conversations.profile import Profile, load
from bot.settings import Settings
from store import settings as stored
from store.db import make_engine, make_sessions

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else _string(key)  # fullmatch: "$" would let a final newline through


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str:
    if isinstance(value, time):
        return value.isoformat()  # a TOML local time, as profile files write hours
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None) + " }"
    raise TypeError(f"no TOML for {type(value).__name__}")


def _is_tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(table: dict, path: tuple[str, ...] = ()) -> str:
    """A TOML document for `table` (None values are left out: TOML has no null)."""
    lines = [
        f"{_key(k)} = {_value(v)}"
        for k, v in table.items()
        if v is not None and not isinstance(v, dict) and not _is_tables(v)
    ]
    for key, value in table.items():
        name = ".".join(_key(p) for p in (*path, key))
        if isinstance(value, dict):
            lines += ["", f"[{name}]", dumps(value, (*path, key)).strip("\n")]
        elif _is_tables(value):
            for item in value:
                lines += ["", f"[[{name}]]", dumps(item, (*path, key)).strip("\n")]
    return "\n".join(line for n, line in enumerate(lines) if line or n) + "\n"


def profile_toml(profile: Profile) -> str:
    header = "# Written by `python -m bot export-settings`: the profile file, the console's settings over it.\n"
    data = profile.model_dump(mode="json")
    data["working_hours"] |= {"opens": profile.working_hours.opens, "closes": profile.working_hours.closes}
    return header + dumps(data)


async def current(settings: Settings) -> Profile:
    """The settings in force: the profile file with the stored changes over it."""
    db = make_engine(settings.database_url)
    try:
        async with make_sessions(db)() as tx:
            over = await stored.overlay(tx)
    finally:
        await db.dispose()
    return compose(load(settings.profile), over)


def export_settings_command(settings: Settings, args: argparse.Namespace) -> None:
    """`python -m bot export-settings [--out FILE]`."""
    from store.migrate import upgrade

    upgrade(settings.database_url)
    text = profile_toml(asyncio.run(current(settings)))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"settings written to {args.out}")
