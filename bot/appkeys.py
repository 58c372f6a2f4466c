"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from bot.dispatcher import Dispatcher
from bot.engine import Engine
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
