"""The outbox dispatcher's final states, on SQLite and PostgreSQL: blocked, opted out, needs a template, order."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.dispatcher import Dispatcher, NeedsTemplate, PermanentFailure, TemporaryFailure
from bot.incoming import Incoming
from conversations.types import Inbound
from store import sealed
from store.models import ChannelIdentity, OutboxMessage


class Scripted:
    """A sender that raises what it is told for each text, and records what it delivered, in order."""

    def __init__(self, raises: dict[str, Exception] | None = None, pause: float = 0.0):
        self.raises = raises or {}
        self.pause = pause
        self.delivered: list[tuple[str, str]] = []

    async def send(self, row, recipient) -> str:
        await asyncio.sleep(self.pause)
        error = self.raises.get(row.payload["text"])
        if error is not None:
            raise error
        self.delivered.append((row.recipient, row.payload["text"]))
        return f"p-{row.id}"


async def queue(sessions, clock, recipient: str, texts: list[str], kind: str = "reply") -> None:
    async with sessions() as tx, tx.begin():
        for text in texts:
            tx.add(
                OutboxMessage(
                    channel="web", recipient=recipient, conversation_key=f"web:{recipient}",
                    payload={"kind": kind, "text": text, "choices": []}, next_attempt_at=clock.now,
                )
            )


async def statuses(sessions, keyring) -> dict[str, tuple[str, str | None]]:
    """Each row's status and error, by its text (read in clear: a conversation's replies are sealed)."""
    async with sessions() as tx:
        rows = (await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return {sealed.output_payload(keyring, r)["text"]: (r.status, r.error) for r in rows}


async def identity(sessions, external_id: str) -> ChannelIdentity:
    async with sessions() as tx:
        return (await tx.scalars(select(ChannelIdentity).where(ChannelIdentity.external_id == external_id))).one()


async def test_blocked_recipient_fails_for_good_and_is_marked_unreachable(engine, sessions, keyring, clock):
    await engine.handle(Incoming("web", "u1", "m1", Inbound("text", text="مرحبا")))
    await queue(sessions, clock, "u1", ["blocked"])
    sender = Scripted({"blocked": PermanentFailure("Forbidden: bot was blocked by the user", unreachable=True)})
    dispatcher = Dispatcher(sessions, {"web": sender}, clock, keyring=keyring)
    await dispatcher.run_once()
    assert (await statuses(sessions, keyring))["blocked"] == ("failed", "Forbidden: bot was blocked by the user")
    assert (await identity(sessions, "u1")).unreachable == "Forbidden: bot was blocked by the user"
    await queue(sessions, clock, "u1", ["later"])
    await dispatcher.run_once()
    assert (await statuses(sessions, keyring))["later"][0] == "failed"  # not tried again against a blocked chat
    assert ("u1", "later") not in sender.delivered


async def test_opted_out_get_no_announcements_but_still_their_replies(engine, sessions, keyring, clock):
    await engine.handle(Incoming("web", "u1", "m1", Inbound("text", text="مرحبا")))
    await engine.handle(Incoming("web", "u1", "m2", Inbound("text", text="إيقاف")))
    assert (await identity(sessions, "u1")).opted_out
    await queue(sessions, clock, "u1", ["program news"], kind="announcement")
    await queue(sessions, clock, "u1", ["your request was decided"], kind="decision")
    sender = Scripted()
    await Dispatcher(sessions, {"web": sender}, clock, keyring=keyring).run_once()
    result = await statuses(sessions, keyring)
    assert result["program news"] == ("skipped", "opted out")
    assert result["your request was decided"][0] == "sent"
    await engine.handle(Incoming("web", "u1", "m3", Inbound("text", text="START")))
    assert not (await identity(sessions, "u1")).opted_out


async def test_outside_the_window_without_template_is_kept_visible(sessions, keyring, clock):
    await queue(sessions, clock, "u9", ["late"])
    sender = Scripted({"late": NeedsTemplate("outside the 24-hour window; no template for kind reply")})
    await Dispatcher(sessions, {"web": sender}, clock).run_once()
    assert (await statuses(sessions, keyring))["late"] == ("needs_template", "outside the 24-hour window; no template for kind reply")


async def test_retry_after_from_the_provider_is_honoured(sessions, clock):
    await queue(sessions, clock, "u9", ["slow down"])
    await Dispatcher(sessions, {"web": Scripted({"slow down": TemporaryFailure("429", retry_after=42)})}, clock).run_once()
    async with sessions() as tx:
        row = (await tx.scalars(select(OutboxMessage))).one()
    assert row.status == "pending" and (row.next_attempt_at - clock.now).total_seconds() == 42


async def test_each_recipient_gets_their_messages_in_order_while_recipients_run_in_parallel(sessions, clock):
    for r in ("a", "b", "c"):
        await queue(sessions, clock, r, [f"{r}{n}" for n in range(5)])
    sender = Scripted(pause=0.001)
    assert await Dispatcher(sessions, {"web": sender}, clock).run_once() == 15
    for r in ("a", "b", "c"):
        assert [t for who, t in sender.delivered if who == r] == [f"{r}{n}" for n in range(5)]
    assert [who for who, _ in sender.delivered][:3] != ["a", "a", "a"]  # interleaved across recipients


async def test_a_pass_longer_than_a_batch_sends_each_row_once_in_order_and_records_every_outcome(sessions, keyring, clock):
    for r in ("a", "b", "c"):
        await queue(sessions, clock, r, [f"{r}{n}" for n in range(7)])
    sender = Scripted({"b3": PermanentFailure("blocked")})
    assert await Dispatcher(sessions, {"web": sender}, clock, batch=4).run_once() == 21  # six batches, one pass
    assert sorted(sender.delivered) == sorted({(r, f"{r}{n}") for r in "abc" for n in range(7)} - {("b", "b3")})
    for r in ("a", "b", "c"):
        assert [t for who, t in sender.delivered if who == r] == [f"{r}{n}" for n in range(7) if f"{r}{n}" != "b3"]
    told = await statuses(sessions, keyring)
    assert told.pop("b3") == ("failed", "blocked")
    assert set(told.values()) == {("sent", None)}


async def test_the_reply_to_an_input_is_sent_at_once_without_a_pass(sessions, profile, texts, keyring, clock):
    from bot.engine import Engine

    sender = Scripted()
    dispatcher = Dispatcher(sessions, {"web": sender}, clock, keyring=keyring)
    engine = Engine(sessions, profile, texts, keyring, clock=clock, dispatcher=dispatcher)
    replies = await engine.handle(Incoming("web", "u1", "m1", Inbound("text", text="مرحبا")))
    assert [text for _, text in sender.delivered] == [r.payload["text"] for r in replies]
    assert {status for status, _ in (await statuses(sessions, keyring)).values()} == {"sent"}
    assert await dispatcher.run_once() == 0  # nothing is left for a pass, so nothing goes twice


async def test_a_reply_taken_by_a_process_that_died_before_sending_goes_after_the_lease(
    sessions, profile, texts, keyring, clock
):
    from datetime import timedelta

    from bot.engine import Engine

    class Dies:
        async def send_now(self, rows, who) -> None:
            raise ConnectionError("the process died between commit and send")

    dying = Dispatcher(sessions, {"web": Scripted()}, clock, keyring=keyring)
    dying.send_now = Dies().send_now  # type: ignore[method-assign]
    engine = Engine(sessions, profile, texts, keyring, clock=clock, dispatcher=dying)
    replies = await engine.handle(Incoming("web", "u1", "m1", Inbound("text", text="مرحبا")))
    assert {status for status, _ in (await statuses(sessions, keyring)).values()} == {"sending"}
    survivor = Scripted()
    after = Dispatcher(sessions, {"web": survivor}, clock, keyring=keyring)
    assert await after.run_once() == 0  # still under the dead process's lease
    clock.now += timedelta(seconds=61)
    assert await after.run_once() == len(replies)
    assert [text for _, text in survivor.delivered] == [r.payload["text"] for r in replies]


def test_only_the_holder_of_a_rate_limited_channel_sends_new_replies_itself(sessions, clock):
    from types import SimpleNamespace

    locks = SimpleNamespace(limited={"telegram"}, held=set())
    dispatcher = Dispatcher(sessions, {"telegram": Scripted(), "web": Scripted()}, clock, locks=locks)
    assert not dispatcher.sends_now("telegram")  # another process holds the lock: its pass sends them
    assert dispatcher.sends_now("web") and not dispatcher.sends_now("whatsapp")
    locks.held.add("telegram")
    assert dispatcher.sends_now("telegram")


async def test_a_reply_written_by_a_process_without_the_channel_lock_wakes_the_holder(
    postgres_url, profile, texts, keyring, clock
):
    from bot.channel_locks import ChannelLocks
    from bot.engine import Engine
    from bot.ratelimit import RateLimit
    from store.db import make_engine, make_sessions
    from tests.conftest import _truncate

    await _truncate(postgres_url)
    pools = [make_engine(postgres_url) for _ in range(2)]
    holder_sender, other_sender = Scripted(), Scripted()
    holder, other = (
        Dispatcher(make_sessions(pool), {"telegram": sender}, clock, limits={"telegram": RateLimit(100)},
                   locks=ChannelLocks(pool, {"telegram"}), keyring=keyring)
        for pool, sender in zip(pools, (holder_sender, other_sender))
    )
    try:
        await holder.run_once()  # takes the channel's lock
        await other.run_once()  # finds it taken
        assert holder.sends_now("telegram") and not other.sends_now("telegram")
        running = asyncio.create_task(holder.run_forever(idle=600))  # it would not look again by itself
        await asyncio.sleep(0.2)
        engine = Engine(other.sessions, profile, texts, keyring, clock=clock, dispatcher=other)
        replies = await engine.handle(Incoming("telegram", "42", "u-1", Inbound("text", text="مرحبا")))
        for _ in range(100):  # the notification wakes the holder, which sends at once
            if len(holder_sender.delivered) == len(replies):
                break
            await asyncio.sleep(0.1)
        running.cancel()
        assert [text for _, text in holder_sender.delivered] == [r.payload["text"] for r in replies]
        assert other_sender.delivered == []
    finally:
        for dispatcher in (holder, other):
            await dispatcher.locks.close()
        for pool in pools:
            await pool.dispose()


async def test_a_sender_cancelled_while_its_outcomes_wait_does_not_hold_up_the_others_in_that_write(sessions, clock):
    dispatcher = Dispatcher(sessions, {"web": Scripted()}, clock)
    first = asyncio.create_task(dispatcher._written([]))
    second = asyncio.create_task(dispatcher._written([]))
    await asyncio.sleep(0)  # both wait for the same group commit
    first.cancel()
    await asyncio.wait_for(second, 10)
