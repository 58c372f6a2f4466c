"""The command line: `python -m bot run | chat | migrate | set-webhook | new-key | rotate-keys | create-staff |
backup | restore | export-settings`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

from bot.logs import configure_logging
from conversations.profile import ProfileError, load as load_profile
from bot.settings import Settings, SettingsError, load_settings
from bot.whatsapp_templates.command import TemplatesError
from store.backup import BackupError


def _run(settings: Settings, _args: argparse.Namespace) -> None:
    from aiohttp import web

    from bot.app import create_app
    from store.migrate import upgrade

    upgrade(settings.database_url)
    _fill_id_hashes(settings)
    app = create_app(settings)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Website chat:  {base}/", flush=True)
    print(f"Staff console: {base}/admin", flush=True)
    print(f"Health check:  {base}/healthz", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


def _migrate(settings: Settings, _args: argparse.Namespace) -> None:
    from store.migrate import outcome, upgrade

    applied = upgrade(settings.database_url)
    _fill_id_hashes(settings)
    print(f"database {outcome(applied)}: {settings.database_url.split('@')[-1]}")


def _fill_id_hashes(settings: Settings) -> None:
    """National IDs stored before their keyed hash existed get one, and descriptions stored before they were
    sealed are encrypted (the migrations cannot read the key)."""
    from store.db import make_engine, make_sessions
    from store.rotation import fill_id_hashes, seal_descriptions

    async def fill() -> tuple[int, int]:
        engine = make_engine(settings.database_url)
        try:
            sessions, keyring = make_sessions(engine), settings.keyring()
            return await fill_id_hashes(sessions, keyring), await seal_descriptions(sessions, keyring)
        finally:
            await engine.dispose()

    filled, sealed = asyncio.run(fill())
    if filled:
        print(f"hashed {filled} stored national IDs for duplicate checks")
    if sealed:
        print(f"encrypted {sealed} stored request descriptions (health details are sensitive)")


def _chat(settings: Settings, args: argparse.Namespace) -> None:
    from bot.terminal import chat
    from store.migrate import upgrade

    upgrade(settings.database_url)
    user = uuid.uuid4().hex[:12] if args.new else args.user
    asyncio.run(chat(settings, user))


def _set_webhook(settings: Settings, _args: argparse.Namespace) -> None:
    from bot.channels import telegram

    if not settings.telegram_enabled:
        raise SettingsError("setting TELEGRAM_BOT_TOKEN: needed to register the Telegram webhook")
    if not settings.public_base_url.startswith("https://"):
        raise SettingsError("setting PUBLIC_BASE_URL: Telegram only calls https:// webhooks")
    print(f"Telegram webhook registered: {asyncio.run(telegram.set_webhook(settings))}")


def _new_key(_settings: Settings, _args: argparse.Namespace) -> None:
    from store.crypto import new_key

    print(new_key())


def _rotate_keys(settings: Settings, _args: argparse.Namespace) -> None:
    from store.db import make_engine, make_sessions
    from store.rotation import rotate_all

    async def rotate() -> int:
        engine = make_engine(settings.database_url)
        try:
            return await rotate_all(make_sessions(engine), settings.keyring())
        finally:
            await engine.dispose()

    print(f"re-encrypted {asyncio.run(rotate())} values with the newest key (and recomputed the national-ID hashes);"
          " older keys can now be removed")


def _backup(settings: Settings, args: argparse.Namespace) -> None:
    from handlers.admin.files import UPLOADS
    from store.backup import KEY_REMINDER, backup

    done = backup(settings.database_url, Path(args.path), UPLOADS, settings.files_dir)
    print(f"backed up the {done.database} database and {done.files} uploaded files to {args.path}")
    print(KEY_REMINDER)


def _restore(settings: Settings, args: argparse.Namespace) -> None:
    from handlers.admin.files import UPLOADS
    from store.backup import KEY_REMINDER, restore

    done = restore(settings.database_url, Path(args.path), UPLOADS, settings.files_dir)
    print(f"restored the {done.database} database and {done.files} uploaded files from {args.path};"
          " `python -m bot migrate` brings it up to this version")
    print(KEY_REMINDER)


def _create_staff(settings: Settings, args: argparse.Namespace) -> None:
    from handlers.admin.staff import create_staff_command

    create_staff_command(settings, args)


def _whatsapp_templates(settings: Settings, args: argparse.Namespace) -> None:
    from store.migrate import upgrade
    from bot.whatsapp_templates.command import run

    upgrade(settings.database_url)
    print("\n".join(run(settings, args.action)))


def _export_settings(settings: Settings, args: argparse.Namespace) -> None:
    from bot.profile_export import export_settings_command

    export_settings_command(settings, args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The association's digital front desk.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve the website chat (and the channels that are configured)")
    commands.add_parser("migrate", help="apply the database migrations")
    commands.add_parser("set-webhook", help="register PUBLIC_BASE_URL/webhooks/telegram with Telegram")
    commands.add_parser("new-key", help="print a new encryption key for DATA_KEYS")
    from handlers.admin.staff import add_create_staff_arguments

    add_create_staff_arguments(commands.add_parser("create-staff", help="create a console user (first: --role admin)"))
    commands.add_parser("rotate-keys", help="re-encrypt sensitive fields with the first key of DATA_KEYS")
    backup = commands.add_parser("backup", help="copy the database and uploaded files (while running)")
    backup.add_argument("path", help="a new directory for the backup")
    restore = commands.add_parser("restore", help="restore a backup directory into an empty database")
    restore.add_argument("path", help="a directory made by `backup`")
    templates = commands.add_parser("whatsapp-templates", help="WhatsApp message templates at Twilio")
    templates.add_argument("action", choices=("sync", "status"), help="sync: create and submit the missing; status: refresh")
    export = commands.add_parser("export-settings", help="write the current settings (file and console) as a profile file")
    export.add_argument("--out", type=Path, help="the file to write (default: standard output)")
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="console", help="who you are in the conversation (default: console)")
    chat.add_argument("--new", action="store_true", help="start a fresh conversation")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings, quiet=args.command == "chat")
        if args.command in ("run", "migrate", "chat"):
            load_profile(settings.profile, demo=settings.demo)  # a profile that cannot serve stops start-up here
        commands_run = {
            "run": _run,
            "migrate": _migrate,
            "chat": _chat,
            "set-webhook": _set_webhook,
            "new-key": _new_key,
            "rotate-keys": _rotate_keys,
            "create-staff": _create_staff,
            "backup": _backup,
            "restore": _restore,
            "whatsapp-templates": _whatsapp_templates,
            "export-settings": _export_settings,
        }
        commands_run[args.command](settings, args)
    except (SettingsError, ProfileError, BackupError, TemplatesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
