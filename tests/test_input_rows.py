"""The plain statements an input runs (store/input_rows.py), on SQLite and PostgreSQL: what they write reads back
through the ORM exactly as the ORM would have written it (times, JSON, flags), and a stale version is refused."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from conversations.types import PersonView
from store import queries
from store.db import make_engine, make_sessions
from store.input_rows import BatchUndone, NewInput, OutboxRow, VersionConflict, rows_of
from store.models import Beneficiary, ChannelIdentity, Conversation, InboundMessage, OutboxMessage, Program, Registration
from tests.conftest import _truncate

AT = datetime(2026, 11, 25, 8, 30, 15, 123456, tzinfo=timezone.utc)



@pytest.fixture
async def pg_sessions(postgres_url: str):  # type: ignore[no-untyped-def]
    """Sessions on PostgreSQL alone, for what only it does (SQLite's write lock orders transactions whole)."""
    await _truncate(postgres_url)
    engine = make_engine(postgres_url)
    yield make_sessions(engine)
    await engine.dispose()


def _input(n: int, key: str = "telegram:42") -> NewInput:
    return NewInput(channel="telegram", provider_message_id=f"u{n}", sender_id=key.split(":")[1],
                          conversation_key=key, text="", payload={"kind": "text", "note": "نص"}, received_at=AT)


async def test_an_input_is_kept_once_and_read_back_oldest_first(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        assert await rows.record([_input(1), _input(2), _input(1)]) == [True, True, False]
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        assert await rows.record([_input(2), _input(3)]) == [False, True]
        first, more = await rows.next_inputs("telegram:42")
    assert (first.provider_message_id, more) == ("u1", True)
    assert first.payload == {"kind": "text", "note": "نص"}
    assert first.received_at == AT


async def test_a_conversation_saved_and_its_input_finished_read_back_through_the_orm(sessions):
    async with sessions() as tx, tx.begin():
        await (await rows_of(tx)).record([_input(1)])
        await (await rows_of(tx)).first_contact("telegram:42", "telegram", "42", "Amina", "ar", AT)
    later = AT + timedelta(minutes=5)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        conv = await rows.conversation("telegram:42")
        message, _ = await rows.next_inputs("telegram:42")
        identity = await rows.identity("telegram", "42")
        message.text, message.payload = "masked", {"kind": "text"}
        reply = OutboxRow(channel="telegram", recipient="42", conversation_key="telegram:42",
                          payload={"kind": "reply", "text": "مرحبا"}, status="sending", attempts=1,
                          next_attempt_at=later, created_at=later)
        await rows.applied(conv, "help:name", {"lang": "ur"}, message, later, resealed=True, identity=identity,
                           touched_at=later, outbox=[reply])
    assert reply.id is not None
    async with sessions() as tx:
        saved = (await tx.scalars(select(Conversation))).one()
        kept = (await tx.scalars(select(InboundMessage))).one()
        who = (await tx.scalars(select(ChannelIdentity))).one()
        person = (await tx.scalars(select(Beneficiary))).one()
        out = await tx.get(OutboxMessage, reply.id)
        due = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.next_attempt_at <= later))).all()
    assert (saved.state, saved.flow, saved.data, saved.version, saved.updated_at) == ("help:name", "help", {"lang": "ur"}, 1, later)
    assert (kept.status, kept.processed_at, kept.text, kept.payload) == ("processed", later, "masked", {"kind": "text"})
    assert (who.last_inbound_at, who.unreachable, who.opted_out) == (later, None, False)
    assert (person.id, person.display_name, person.language, person.created_at) == (who.beneficiary_id, "Amina", "ar", AT)
    assert saved.beneficiary_id == person.id
    assert (out.status, out.payload["text"], out.next_attempt_at) == ("sending", "مرحبا", later)
    assert [r.id for r in due] == [reply.id]  # a time written here compares with one the ORM writes


async def test_a_known_channel_id_gets_a_conversation_on_its_own_record(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.first_contact("telegram:7", "telegram", "7", "", "ar", AT)
        first = await rows.conversation("telegram:7")
        await tx.execute(Conversation.__table__.delete())  # e.g. a conversation closed by staff
        await rows.first_contact("telegram:7", "telegram", "7", "", "ar", AT)
        again = await rows.conversation("telegram:7")
        people = (await tx.scalars(select(Beneficiary))).all()
    assert again.beneficiary_id == first.beneficiary_id == people[0].id and len(people) == 1


async def test_a_stale_version_is_refused(sessions):
    async with sessions() as tx, tx.begin():
        await (await rows_of(tx)).record([_input(1, "web:v")])
        await (await rows_of(tx)).first_contact("web:v", "web", "v", "", "ar", AT)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        conv, identity = await rows.conversation_and_identity("web:v")
        message, _ = await rows.next_inputs("web:v")
        write = {"resealed": False, "identity": identity, "touched_at": None, "outbox": []}
        await rows.applied(conv, "menu:main", {}, message, AT, **write)
        with pytest.raises(VersionConflict):
            await rows.applied(conv, "menu:main", {}, message, AT, **write)  # still the version read before


async def test_a_timer_moved_on_replaces_the_pending_one_and_a_cancelled_one_never_fires(sessions):
    due = AT + timedelta(hours=24)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1), _input(2)])
        await rows.first_contact("telegram:42", "telegram", "42", "", "ar", AT)
        for timers in ({"help_reminder": due - timedelta(hours=1), "help_expiry": due, "rating_prompt:7": due},
                       {"help_reminder": due, "help_expiry": None}):
            conv, identity, message, _ = await rows.next_input("telegram:42")
            await rows.applied(conv, "help:name", {}, message, AT, resealed=False, identity=identity,
                               touched_at=None, outbox=[], timers=timers)
    async with sessions() as tx, tx.begin():
        fired = await queries.claim_due_timers(tx, due + timedelta(minutes=1))
    assert sorted((t.kind, t.due_at, t.sender_id) for t in fired) == [
        ("help_reminder", due, "42"), ("rating_prompt:7", due, "42")]


async def test_an_applied_input_writes_its_state_its_finish_its_identity_and_its_replies_together(sessions):
    later = AT + timedelta(minutes=1)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1)])
        await rows.first_contact("telegram:42", "telegram", "42", "", "ar", AT)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        conv, (message, _), identity = (await rows.conversation("telegram:42"), await rows.next_inputs("telegram:42"),
                                        await rows.identity("telegram", "42"))
        replies = [OutboxRow(channel="telegram", recipient="42", conversation_key="telegram:42",
                              payload={"kind": "reply", "text": text}, next_attempt_at=later, created_at=later)
                   for text in ("أهلا", "القائمة")]
        message.text = "masked"
        await rows.applied(conv, "menu:main", {"lang": "ar"}, message, later, resealed=True, identity=identity,
                           touched_at=later, outbox=replies)
        with pytest.raises(VersionConflict):  # the version it read is gone: nothing more is written
            await rows.applied(conv, "menu:main", {}, message, later, resealed=False, identity=identity,
                               touched_at=None, outbox=[])
    assert replies[0].id < replies[1].id and identity.last_inbound_at == later
    async with sessions() as tx:
        saved = (await tx.scalars(select(Conversation))).one()
        kept = (await tx.scalars(select(InboundMessage))).one()
        who = (await tx.scalars(select(ChannelIdentity))).one()
        sent = (await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert (saved.state, saved.data, saved.version) == ("menu:main", {"lang": "ar"}, 1)
    assert (kept.status, kept.text, kept.processed_at) == ("processed", "masked", later)
    assert who.last_inbound_at == later
    assert [(r.id, r.payload["text"]) for r in sent] == [(replies[0].id, "أهلا"), (replies[1].id, "القائمة")]


async def test_a_conversation_comes_with_its_identity(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        assert await rows.conversation_and_identity("whatsapp:+966500000001") == (None, None)
        await rows.first_contact("whatsapp:+966500000001", "whatsapp", "+966500000001", "", "ar", AT)
        conv, identity = await rows.conversation_and_identity("whatsapp:+966500000001")
    assert (identity.channel, identity.external_id, identity.beneficiary_id) == ("whatsapp", "+966500000001", conv.beneficiary_id)


async def test_a_person_as_a_step_may_know_them(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.first_contact("web:p", "web", "p", "", "ar", AT)
        conv = await rows.conversation("web:p")
        assert await rows.person(conv.beneficiary_id) == PersonView()  # nothing known, no name
        person = await tx.get(Beneficiary, conv.beneficiary_id)
        person.phone, person.city, person.household_size, person.consent_at = "+966500000009", "riyadh", 4, AT
        person.full_name_enc = "sealed name"
        await tx.flush()
        known = await rows.person(conv.beneficiary_id)
    assert known == PersonView(phone="+966500000009", city="riyadh", household_size=4, consented=True, named=True)
    async with sessions() as tx, tx.begin():
        assert await (await rows_of(tx)).person(10_000) == PersonView()


async def test_the_next_input_comes_with_its_conversation_and_identity_in_one_read(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1), _input(2)])
        assert [x is None for x in (await rows.next_input("telegram:42"))[:2]] == [True, True]  # a first contact
        first_contact = await rows.next_input("telegram:42")
        await rows.first_contact("telegram:42", "telegram", "42", "", "ar", AT)
        conv, identity, message, more = await rows.next_input("telegram:42")
        assert (first_contact[2].provider_message_id, first_contact[3]) == ("u1", True)
        assert (conv.key, identity.external_id, identity.beneficiary_id) == ("telegram:42", "42", conv.beneficiary_id)
        assert (message.provider_message_id, message.payload, message.received_at, more) == ("u1", _input(1).payload, AT, True)
        await rows.applied(conv, "menu:main", {}, message, AT, resealed=False, identity=identity, touched_at=None, outbox=[])
        conv, identity, message, more = await rows.next_input("telegram:42")
        assert (conv.version, message.provider_message_id, more) == (1, "u2", False)
        await rows.applied(conv, "menu:main", {}, message, AT, resealed=False, identity=identity, touched_at=None, outbox=[])
        conv, identity, message, more = await rows.next_input("telegram:42")
    assert (conv.version, message, more) == (2, None, False)


async def test_an_input_another_process_applied_while_this_one_waited_for_the_lock_is_not_applied_again(pg_sessions):
    """PostgreSQL reads the inputs as of the statement's start, before the lock is granted: the input the other
    transaction applied meanwhile shows as still to apply, and writing it is refused."""
    async with pg_sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1), _input(2)])
        await rows.first_contact("telegram:42", "telegram", "42", "", "ar", AT)
    async with pg_sessions() as first, first.begin():
        one = await rows_of(first)
        conv, identity, message, _ = await one.next_input("telegram:42")  # locked by `first`

        async def second() -> None:
            async with pg_sessions() as tx, tx.begin():
                other = await rows_of(tx)
                conv, identity, message, _ = await other.next_input("telegram:42")  # waits for `first`
                assert message.provider_message_id == "u1"  # applied by `first` by now, read as before
                await other.applied(conv, "menu:main", {}, message, AT, resealed=False, identity=identity,
                                    touched_at=None, outbox=[])

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        await one.applied(conv, "menu:main", {}, message, AT, resealed=False, identity=identity, touched_at=None, outbox=[])
    with pytest.raises(VersionConflict):
        await waiting
    async with pg_sessions() as tx:
        saved = (await tx.scalars(select(Conversation))).one()
        statuses = (await tx.scalars(select(InboundMessage.status).order_by(InboundMessage.id))).all()
    assert (saved.version, statuses) == (1, ["processed", "received"])


async def test_a_first_contact_makes_the_person_their_identity_and_the_conversation_and_reads_them_back(sessions):
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        conv, identity = await rows.first_contact("telegram:9", "telegram", "9", "Amina", "ur", AT)
        assert (conv.key, conv.state, conv.data, conv.version) == ("telegram:9", "", {}, 0)
        assert (identity.channel, identity.external_id, identity.beneficiary_id) == ("telegram", "9", conv.beneficiary_id)
        assert (identity.last_inbound_at, identity.opted_out, identity.unreachable) == (None, False, None)
        await tx.execute(Conversation.__table__.delete())  # e.g. a conversation closed by staff
        again, same = await rows.first_contact("telegram:9", "telegram", "9", "Someone else", "ar", AT)
    assert (again.beneficiary_id, same.id) == (conv.beneficiary_id, identity.id)  # the channel id is known: no new person
    async with sessions() as tx:
        people = (await tx.scalars(select(Beneficiary))).all()
        saved = (await tx.scalars(select(Conversation))).one()
    assert [(p.id, p.display_name, p.language, p.created_at) for p in people] == [(conv.beneficiary_id, "Amina", "ur", AT)]
    assert (saved.id, saved.beneficiary_id, saved.updated_at) == (again.id, conv.beneficiary_id, AT)


async def test_conversations_read_together_give_what_each_read_alone_gives(sessions):
    keys = ["telegram:1", "telegram:2", "telegram:3", "telegram:4"]
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(n, key) for n, key in enumerate(keys)] + [_input(9, "telegram:2")])
        for key in keys[:3]:  # telegram:4 is a first contact
            await rows.first_contact(key, "telegram", key.split(":")[1], "", "ar", AT)
    alone = {}
    for key in keys:
        async with sessions() as tx, tx.begin():
            alone[key] = await (await rows_of(tx)).next_input(key)
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.prefetch(list(reversed(keys)))
        together = {key: await rows.next_input(key) for key in keys}
        again = await rows.next_input("telegram:2")  # taken once: read again, as it is now
    assert together == alone
    assert [together[k][3] for k in keys] == [False, True, False, False]  # telegram:2 has two inputs waiting
    assert together["telegram:4"][:2] == (None, None) and together["telegram:4"][2].provider_message_id == "u3"
    assert again == alone["telegram:2"]


async def test_inputs_applied_together_are_all_written_by_the_end_and_a_stale_one_writes_none(sessions):
    keys = [f"telegram:{n}" for n in range(1, 4)]
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(n, key) for n, key in enumerate(keys)])
        for key in keys:
            await rows.first_contact(key, "telegram", key.split(":")[1], "", "ar", AT)
    replies = []
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.prefetch(keys)
        async with rows.deferred():
            for n, key in enumerate(keys):
                conv, identity, message, _ = await rows.next_input(key)
                reply = OutboxRow(channel="telegram", recipient=key.split(":")[1], conversation_key=key,
                                  payload={"kind": "reply", "text": f"{n}"}, next_attempt_at=AT, created_at=AT)
                replies.append(reply)
                timers = {"help_reminder": AT + timedelta(hours=n + 1)}
                await rows.applied(conv, f"help:step{n}", {"n": n}, message, AT, resealed=False, identity=identity,
                                   touched_at=AT, outbox=[reply], timers=timers)
    assert [r.id is not None for r in replies] == [True] * 3 and replies[0].id < replies[1].id < replies[2].id
    async with sessions() as tx:
        states = dict((await tx.execute(select(Conversation.key, Conversation.state))).all())
        statuses = (await tx.scalars(select(InboundMessage.status))).all()
        touched = (await tx.scalars(select(ChannelIdentity.last_inbound_at))).all()
        sent = (await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    async with sessions() as tx, tx.begin():
        fired = await queries.claim_due_timers(tx, AT + timedelta(days=1))
    assert states == {key: f"help:step{n}" for n, key in enumerate(keys)}
    assert statuses == ["processed"] * 3 and touched == [AT] * 3
    assert [(r.conversation_key, r.payload["text"]) for r in sent] == [(key, f"{n}") for n, key in enumerate(keys)]
    assert sorted((t.conversation_key, t.due_at) for t in fired) == [(key, AT + timedelta(hours=n + 1)) for n, key in enumerate(keys)]


async def test_a_stale_input_among_those_applied_together_undoes_them_all(pg_sessions):
    """PostgreSQL writes them in one statement at the end: one stale version and none is written."""
    async with pg_sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1, "telegram:1"), _input(2, "telegram:2")])
        for key in ("telegram:1", "telegram:2"):
            await rows.first_contact(key, "telegram", key.split(":")[1], "", "ar", AT)
    with pytest.raises(BatchUndone):
        async with pg_sessions() as tx, tx.begin():
            rows = await rows_of(tx)
            async with rows.deferred():
                for key in ("telegram:1", "telegram:2"):
                    conv, identity, message, _ = await rows.next_input(key)
                    if key == "telegram:2":
                        conv.version -= 1  # as if read before another process's write
                    await rows.applied(conv, "menu:main", {}, message, AT, resealed=False, identity=identity,
                                       touched_at=None, outbox=[])
    async with pg_sessions() as tx:
        states = (await tx.scalars(select(Conversation.state))).all()
        statuses = (await tx.scalars(select(InboundMessage.status))).all()
    assert states == ["", ""] and statuses == ["received", "received"]


async def test_a_conversation_says_whether_its_person_has_any_sign_up(sessions):
    """Without one, the step's lookup of their sign-ups (a check-in code typed) costs no query."""
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.record([_input(1, "telegram:1"), _input(2, "telegram:2")])
        first, _ = await rows.first_contact("telegram:1", "telegram", "1", "", "ar", AT)
        await rows.first_contact("telegram:2", "telegram", "2", "", "ar", AT)
        program = Program(kind="registration", status="published", title_ar="دورة", title_en="Course",
                          starts_at=AT + timedelta(days=3))
        tx.add(program)
        await tx.flush()
        tx.add(Registration(program_id=program.id, beneficiary_id=first.beneficiary_id, conversation_key="telegram:1",
                            status="pending"))
        await tx.flush()
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await tx.execute(Conversation.__table__.delete().where(Conversation.key == "telegram:1"))  # closed by staff
        again, _ = await rows.first_contact("telegram:1", "telegram", "1", "", "ar", AT)  # the same person again
        read = [(await rows.conversation(key)).signed_up for key in ("telegram:1", "telegram:2")]
        paired = [(await rows.conversation_and_identity(key))[0].signed_up for key in ("telegram:1", "telegram:2")]
    async with sessions() as tx, tx.begin():
        rows = await rows_of(tx)
        await rows.prefetch(["telegram:1", "telegram:2"])
        ahead = [(await rows.next_input(key))[0].signed_up for key in ("telegram:1", "telegram:2")]
    assert (first.signed_up, again.signed_up) == (False, True)
    assert read == paired == ahead == [True, False]
