"""Telegram Updates as the engine's inputs, read straight from the webhook's JSON: the few fields the engine
needs, type-checked, without building PTB's object tree for every update."""

from __future__ import annotations

import math

from bot.incoming import AttachmentRef, Incoming
from conversations.phones import to_e164
from conversations.types import Inbound

CHANNEL = "telegram"


class NotAnUpdate(ValueError):
    """JSON that is not shaped like a Telegram Update (a missing id, a chat without an id, …)."""


def to_incoming(update: dict) -> Incoming | None:
    """One Update from a private chat as the engine's input; None for anything else (groups, channels,
    edited messages and other update kinds are ignored). `NotAnUpdate` for JSON Telegram would not send."""
    update_id = _integer(update.get("update_id"), "update_id")
    query = _callback_query(update.get("callback_query"))
    message = _message(update.get("message"))
    if query is None and message is None:
        return None
    if message is not None:
        source, chat = message, _mapping(message.get("chat"))
    else:  # a pressed button: the chat is the one of the message that carried the keyboard
        source, chat = query, _mapping((_mapping(query.get("message")) or {}).get("chat"))
    user = _mapping(source.get("from"))
    if chat is None or user is None or chat.get("type") != "private":
        return None
    common = {"channel": CHANNEL, "sender_id": str(_integer(chat.get("id"), "chat id")),
              "provider_message_id": str(update_id), "display_name": _full_name(user)}  # fmt: skip
    if message is None:
        data = query.get("data")  # only a string can be a key we sent
        picked = isinstance(data, str) and data
        inbound = Inbound("choice", choice=data) if picked else Inbound("unsupported")
        return Incoming(**common, inbound=inbound)
    return _from_message(message, user, common)


def callback_query_id(update: dict) -> str | None:
    """The id to answer a pressed button with, if the Update is one."""
    found = (_mapping(update.get("callback_query")) or {}).get("id")
    return found if isinstance(found, str) and found else None


def _from_message(message: dict, user: dict, common: dict) -> Incoming:
    """A new message: text, a command, a shared contact or location, a photo or document, or unsupported."""
    text = message.get("text")
    if isinstance(text, str) and text:
        return Incoming(**common, inbound=_from_text(text, message.get("entities")))
    contact = _mapping(message.get("contact"))
    if contact is not None:
        number = _string(contact.get("phone_number"))
        phone = _e164(number)
        own = phone if contact.get("user_id") == user.get("id") else None  # someone else's card must not link
        return Incoming(**common, inbound=Inbound("contact", text=phone or number), phone=own)
    location = _mapping(message.get("location"))
    if location is not None:
        spot = _coordinates(location.get("latitude"), location.get("longitude"))
        if spot is None:  # not a place on Earth: the update was not made by a Telegram client
            return Incoming(**common, inbound=Inbound("unsupported"))
        return Incoming(**common, inbound=Inbound("location", text=f"{spot[0]},{spot[1]}"), location=spot)
    attachment = _attachment(message)
    if attachment is not None:
        kind = "voice" if attachment.kind == "voice" else "attachment"
        caption = _string(message.get("caption"))
        return Incoming(**common, inbound=Inbound(kind, text=caption), attachments=(attachment,))
    return Incoming(**common, inbound=Inbound("unsupported"))


def _from_text(text: str, entities: object) -> Inbound:
    """`/start PAYLOAD` is a (re)start; another command is its word typed (`/menu` → "menu"); else text."""
    length = _command_length(entities)
    if not length:
        return Inbound("text", text=text)
    name = text[1:length].split("@", 1)[0].lower()
    rest = text[length:].strip()
    if name == "start":
        return Inbound("start", text=rest)
    return Inbound("text", text=f"{name} {rest}".strip())


def _command_length(entities: object) -> int:
    """How long the bot command at the start of the text is; 0 when there is none."""
    for entity in entities if isinstance(entities, list) else ():
        if isinstance(entity, dict) and entity.get("type") == "bot_command" and entity.get("offset") == 0:
            return max(0, _number(entity.get("length")))
    return 0


def _attachment(message: dict) -> AttachmentRef | None:
    """The largest size of a photo, a document, or a voice note or audio file, by its file_id (fetched
    later)."""
    photos = message.get("photo")
    sizes = [p for p in photos if isinstance(p, dict) and _file_id(p)] if isinstance(photos, list) else []
    if sizes:
        largest = max(sizes, key=lambda p: (_number(p.get("width")) * _number(p.get("height")),
                                            _number(p.get("file_size"))))  # fmt: skip
        return AttachmentRef(kind="photo", reference=_file_id(largest), content_type="image/jpeg")
    sound = _mapping(message.get("voice")) or _mapping(message.get("audio"))
    if sound is not None and _file_id(sound):
        kind = _string(sound.get("mime_type")) or "audio/ogg"
        return AttachmentRef("voice", _file_id(sound), kind, _string(sound.get("file_name")))
    doc = _mapping(message.get("document"))
    if doc is not None and _file_id(doc):
        content_type = _string(doc.get("mime_type")) or "application/octet-stream"
        return AttachmentRef(
            kind="document", reference=_file_id(doc), content_type=content_type,
            file_name=_string(doc.get("file_name")),
        )  # fmt: skip
    return None


def _full_name(user: dict) -> str:
    first, last = _string(user.get("first_name")), _string(user.get("last_name"))
    return f"{first} {last}" if last else first


def _e164(raw: str) -> str | None:
    """Telegram gives international numbers without the "+"; a card from the address book may be local."""
    return to_e164(raw) or (to_e164("+" + raw) if raw.isdecimal() else None)


def _coordinates(lat: object, lon: object) -> tuple[float, float] | None:
    """A latitude and longitude that are numbers and on the globe, else None."""
    if isinstance(lat, bool) or isinstance(lon, bool) or not isinstance(lat, (int, float)) \
            or not isinstance(lon, (int, float)):  # fmt: skip
        return None
    try:
        spot = float(lat), float(lon)
    except OverflowError:  # an integer too large for a float
        return None
    if not (math.isfinite(spot[0]) and math.isfinite(spot[1]) and abs(spot[0]) <= 90 and abs(spot[1]) <= 180):
        return None
    return spot


def _message(value: object) -> dict | None:
    """A message as the Bot API describes one (an id, a date, a chat with an id), else `NotAnUpdate`."""
    if value is None:
        return None
    message = _object(value, "message")
    _integer(message.get("message_id"), "message_id")
    _integer(message.get("date"), "date")
    chat = _object(message.get("chat"), "chat")
    _integer(chat.get("id"), "chat id")
    if not isinstance(chat.get("type"), str):
        raise NotAnUpdate("chat type is not a string")
    if "from" in message:
        _user(message["from"])
    return message


def _callback_query(value: object) -> dict | None:
    """A pressed button (an id, who pressed it, the chat instance, maybe its message), else `NotAnUpdate`."""
    if value is None:
        return None
    query = _object(value, "callback_query")
    if not isinstance(query.get("id"), str) or not isinstance(query.get("chat_instance"), str):
        raise NotAnUpdate("callback_query without an id or a chat instance")
    _user(query.get("from"))
    _message(query.get("message"))
    return query


def _user(value: object) -> None:
    user = _object(value, "user")
    _integer(user.get("id"), "user id")
    if not isinstance(user.get("first_name"), str):
        raise NotAnUpdate("user without a first name")


def _object(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise NotAnUpdate(f"{what} is not an object")
    return value


def _mapping(value: object) -> dict | None:
    return value if isinstance(value, dict) else None


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _file_id(part: dict) -> str:
    return _string(part.get("file_id"))


def _integer(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotAnUpdate(f"{what} is not an integer")
    return value
