"""The website chat's side of the outbox: the page reads its replies itself, so sending only marks them."""

from __future__ import annotations

from bot.dispatcher import Recipient
from store.models import OutboxMessage

CHANNEL = "web"


class WebSender:
    """Delivery on the web chat is the page fetching the row; the provider id is the row's own."""

    sent_on_commit = True  # the dispatcher marks a reply sent in the transaction that writes it: no round trip

    @staticmethod
    def provider_id(row: OutboxMessage) -> str:
        return f"web-{row.id}"

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str:
        return self.provider_id(row)
