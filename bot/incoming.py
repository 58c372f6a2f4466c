"""The one shape every channel turns its input into before the engine sees it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from conversations.types import Inbound
from store import message_ids


@dataclass(frozen=True)
class AttachmentRef:
    """A file the beneficiary sent, by the channel's own reference (kept, fetched later by staff)."""

    kind: str  # photo, document, media, voice
    reference: str  # a Telegram file_id, a Twilio media URL, or the stored name of a web upload
    content_type: str = ""
    file_name: str = ""
    stored_name: str = ""  # set when the file is in the file store already (a web-chat upload)


@dataclass(frozen=True)
class Incoming:
    """An input from a channel: who sent it, the provider's id for it (the dedupe key) and what it says."""

    channel: str
    sender_id: str
    provider_message_id: str
    inbound: Inbound
    display_name: str = ""
    phone: str | None = None  # E.164, only when the channel vouches it is the sender's own number
    attachments: tuple[AttachmentRef, ...] = ()
    location: tuple[float, float] | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """NUL characters are dropped from whatever a channel sent: nobody means one, and no database text
        column takes one (PostgreSQL refuses the row, and the channel would be told to retry for ever)."""
        said = (self.inbound.text, self.inbound.choice, self.sender_id, self.provider_message_id, self.display_name,
                self.phone)
        if self.attachments or any(value and "\x00" in value for value in said):
            self._drop_nul()
        if message_ids.is_internal(self.provider_message_id):  # a channel's id must never pass for a timer's
            raise ValueError(f"{self.channel} gave an id in the internal namespace")

    def _drop_nul(self) -> None:
        """Every text the channel gave, without NUL (only run when there is one, or files to look through)."""
        inbound = replace(self.inbound, text=_plain(self.inbound.text), choice=_plain(self.inbound.choice))
        object.__setattr__(self, "inbound", inbound)
        for name in ("sender_id", "provider_message_id", "display_name", "phone"):
            object.__setattr__(self, name, _plain(getattr(self, name)))
        files = tuple(
            replace(a, reference=_plain(a.reference), content_type=_plain(a.content_type),
                    file_name=_plain(a.file_name))
            for a in self.attachments
        )  # fmt: skip
        object.__setattr__(self, "attachments", files)

    @property
    def conversation_key(self) -> str:
        return f"{self.channel}:{self.sender_id}"


def _plain(value: str | None) -> str | None:
    return value.replace("\x00", "") if value else value
