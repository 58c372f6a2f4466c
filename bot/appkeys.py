"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web
from telegram import Bot
from twilio.rest import Client

from bot.channels.telegram_api import BotApi
from bot.dispatcher import Dispatcher
from bot.engine import Engine
from bot.media_fetch import MediaFetcher
from bot.settings import Settings
from store.crypto import Keyring

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
KEYRING = web.AppKey("keyring", Keyring)
TELEGRAM_BOT = web.AppKey("telegram_bot", Bot)
TELEGRAM_API = web.AppKey("telegram_api", BotApi)  # the hot calls as JSON
TWILIO_CLIENT = web.AppKey("twilio_client", Client)
FETCHER = web.AppKey("fetcher", MediaFetcher)
