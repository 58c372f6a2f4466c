"""Golden transcripts: conversations as data files (inputs and the replies expected), run through the pure
router. `UPDATE_GOLDEN=1 make test` rewrites the expectations; read the diff before committing it.

A case may give `person` and `requests` (what the host knows of the beneficiary), and `"effects": true`
to list the other effects too ({"effect": "SubmitHelpRequest", …}), so a transcript proves what is filed.
A step sends text (`send`), picks a choice (`choose`), sends a file (`attach`: its caption), shares a
contact (`contact`), or is an event (`event`, with `text`); `now` moves the clock. The replay plays the
host's part for the effects a later step reads: consent, updated or erased data, filed requests, handoffs.

A case may also give `programs` and `registrations` (ProgramView / RegistrationView fields, times as ISO
text); the replay records sign-ups, cancellations and check-ins, and the status a staff event implies
(program_accepted → accepted, …) as the host would have before sending it.

A case may also give `complaints` (ComplaintView fields, times as ISO text) and `open_ratings` (rating ids
waiting for an answer); the replay files complaints (due after the profile's working days), closes a rating
once it is recorded or expired, and sets a complaint's reply or resolution before staff's event arrives.

A case may name a shipped `profile` ("sha3af") to run on it and its texts instead of the test profile: the
communities' transcripts (community_<language>.json) run on sha3af, which offers every shipped language."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations.profile import load
from conversations import languages, router
from conversations.catalog import Catalog
from conversations.calendar import add_working_days, local
from conversations.effects import (
    CancelRegistration,
    CheckIn,
    EraseMyData,
    FileComplaint,
    HandOffToStaff,
    RecordConsent,
    RememberContact,
    RecordRating,
    RegisterForProgram,
    Reply,
    SetRatingStatus,
    SubmitHelpRequest,
    UpdatePersonData,
)
from conversations.faq import FaqIndex
from conversations.types import (
    ComplaintView,
    Context,
    Inbound,
    OpenHandoff,
    PersonView,
    ProgramView,
    RegistrationView,
    RequestView,
)
from tests.conftest import References

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))
# The router checks handoff.GLOBAL_WORDS («الباحث», "staff"…) once it is wired; until then those cases wait.
WORDS_WIRED = "GLOBAL_WORDS" in inspect.getsource(router)
# The router calls programs_events.checkin before the global words once it is wired; until then those wait.
CHECKIN_WIRED = "checkin(" in inspect.getsource(router)
PROGRAM_TIMES = ("starts_at", "ends_at", "registration_deadline")
# The status a staff event on a program implies, set by the host before the event reaches the conversation.
STAFF_STATUS = {
    "program_accepted": "accepted",
    "program_rejected": "rejected",
    "waitlist_promoted": "pending",
    "program_cancelled": "cancelled",
    "service_delivered": "delivered",
}


def _inbound(step: dict) -> Inbound:
    if "choose" in step:
        return Inbound("choice", text=step.get("label", ""), choice=step["choose"])
    if "event" in step:
        return Inbound("event", text=step.get("text", ""), choice=step["event"])
    if "attach" in step:
        return Inbound("attachment", text=step["attach"])
    if "contact" in step:
        return Inbound("contact", text=step["contact"])
    if step.get("start"):
        return Inbound("start")
    if step.get("unsupported"):
        return Inbound("unsupported")
    return Inbound("text", text=step["send"])


def _plain(value: object) -> object:
    """An effect's field as JSON: times as ISO text, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "started_at"}  # the clock, already in the case
    return value


def _shown(effect: object) -> dict:
    if isinstance(effect, Reply):
        return (
            {"text": effect.text, "choices": [c.label for c in effect.choices]}
            if effect.choices
            else {"text": effect.text}
        )
    fields = {f.name: _plain(getattr(effect, f.name)) for f in dataclasses.fields(effect)}
    return {"effect": type(effect).__name__, **fields}


class Host:
    """What the host would know after applying the effects, for the next step's context."""

    def __init__(self, case: dict, profile):
        self.profile = profile
        self.waiting: OpenHandoff | None = None
        self.person = PersonView(**case.get("person", {}))
        self.requests = tuple(
            RequestView(
                **{
                    **r,
                    "submitted_at": datetime.fromisoformat(r["submitted_at"]),
                    "due_at": datetime.fromisoformat(r["due_at"]),
                }
            )
            for r in case.get("requests", [])
        )
        self.programs = tuple(_program(p) for p in case.get("programs", []))
        self.registrations = {r["program_id"]: RegistrationView(**r) for r in case.get("registrations", [])}
        self.complaints = tuple(_complaint(c) for c in case.get("complaints", []))
        self.open_ratings = tuple(case.get("open_ratings", []))

    def _register(self, program_id: int, **changes: object) -> None:
        known = self.registrations.get(program_id) or RegistrationView(program_id, "pending")
        self.registrations[program_id] = dataclasses.replace(known, **changes)

    def apply(self, effects: tuple, inbound: Inbound, now: datetime) -> None:
        for effect in effects:
            if isinstance(effect, HandOffToStaff):
                self.waiting = OpenHandoff(effect.reference, effect.answer_due_at)
            elif isinstance(effect, RecordConsent):
                self.person = dataclasses.replace(self.person, consented=True)
            elif isinstance(effect, UpdatePersonData):
                self.person = dataclasses.replace(self.person, **effect.fields)
            elif isinstance(effect, EraseMyData):
                self.person = PersonView()
            elif isinstance(effect, SubmitHelpRequest):
                filed = RequestView(
                    effect.reference, "submitted", effect.form["category"], now, effect.due_at
                )
                self.requests = (filed, *self.requests)
                self.person = dataclasses.replace(self.person, named=True, phone=self.person.phone or effect.form["phone"])
            elif isinstance(effect, RememberContact):
                named, phone = self.person.named or bool(effect.full_name), self.person.phone or effect.phone or None
                self.person = dataclasses.replace(self.person, named=named, phone=phone)
            elif isinstance(effect, RegisterForProgram):
                self._register(effect.program_id, status=effect.status)
            elif isinstance(effect, CancelRegistration):
                self._register(effect.program_id, status="cancelled")
            elif isinstance(effect, CheckIn):
                self._register(effect.program_id, attended=True)
            elif isinstance(effect, FileComplaint):
                self.complaints = (self._filed(effect, now), *self.complaints)
            elif isinstance(effect, RecordRating) or (
                isinstance(effect, SetRatingStatus) and effect.status == "expired"
            ):
                self.open_ratings = tuple(r for r in self.open_ratings if r != effect.rating_id)
        if inbound.kind == "event" and inbound.choice == "handoff_closed":
            self.waiting = None

    def _filed(self, effect: FileComplaint, now: datetime) -> ComplaintView:
        """The complaint as the host records it: due at the close of the profile's last working day."""
        days = self.profile.deadlines.complaint_answer_working_days
        due_day = add_working_days(self.profile, local(self.profile, now).date(), days)
        due_at = datetime.combine(due_day, time(23, 59), ZoneInfo(self.profile.timezone))
        return ComplaintView(effect.reference, effect.kind, "open", now, due_at)

    def _change_complaint(self, reference: str, **changes: object) -> None:
        self.complaints = tuple(
            dataclasses.replace(c, **changes) if c.reference == reference else c for c in self.complaints
        )

    def before(self, inbound: Inbound) -> None:
        """A staff event comes after staff changed the registration or complaint: record that change first."""
        name, _, key = (inbound.choice or "").partition(":")
        if inbound.kind != "event":
            return
        if name in STAFF_STATUS and key.isdigit():
            self._register(int(key), status=STAFF_STATUS[name])
        elif name == "complaint_replied":
            self._change_complaint(key, status="answered", reply=inbound.text)
        elif name == "complaint_resolved":
            self._change_complaint(key, status="resolved")


def _complaint(fields: dict) -> ComplaintView:
    times = {k: datetime.fromisoformat(fields[k]) for k in ("created_at", "due_at")}
    return ComplaintView(**{**fields, **times})


def _program(fields: dict) -> ProgramView:
    times = {k: datetime.fromisoformat(fields[k]) if fields.get(k) else None for k in PROGRAM_TIMES}
    return ProgramView(**{**fields, **times, "conditions": tuple(fields.get("conditions", ()))})


def replay(case: dict, profile, texts) -> list[list[dict]]:
    """Run every input of a case; the replies of each (and the other effects if the case asks)."""
    state, data, host, references = "", {}, Host(case, profile), References()
    faq = FaqIndex(profile)
    out = []
    for step in case["steps"]:
        now = datetime.fromisoformat(step.get("now", case["now"]))
        inbound = _inbound(step)
        host.before(inbound)
        ctx = Context(
            profile=profile,
            texts=texts,
            faq=faq,
            now=now,
            channel=case.get("channel", "web"),
            reference=references(),
            open_handoff=host.waiting,
            person=host.person,
            requests=host.requests,
            programs=host.programs,
            registrations=tuple(host.registrations.values()),
            complaints=host.complaints,
            open_ratings=host.open_ratings,
        )
        result = router.step(state, data, inbound, ctx)
        state, data = result.state, result.data
        host.apply(result.effects, inbound, now)
        out.append([_shown(e) for e in result.effects if case.get("effects") or isinstance(e, Reply)])
        assert state in router.STATES, f"ended in unknown state {state}"
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_transcript(path: Path, profile, texts):
    case = json.loads(path.read_text(encoding="utf-8"))
    if case.get("needs") == "global_words" and not WORDS_WIRED:
        pytest.skip("the router does not check handoff.GLOBAL_WORDS yet")
    if case.get("needs") == "checkin" and not CHECKIN_WIRED:
        pytest.skip("the router does not call programs_events.checkin yet")
    if case.get("profile"):
        profile = load(case["profile"])
        texts = Catalog.load(profile.texts)
    actual = replay(case, profile, texts)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        for step, replies in zip(case["steps"], actual):
            step["expect"] = replies
        path.write_text(json.dumps(case, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for n, (step, replies) in enumerate(zip(case["steps"], actual), start=1):
        assert replies == step["expect"], f"{path.name} step {n} ({step})"


def test_there_are_transcripts_in_both_languages():
    names = {p.stem for p in CASES}
    flows = ("greeting", "menu", "inquiry", "help_happy", "help_validation", "help_edit", "help_cancel")
    flows += (
        "help_resume",
        "help_timers",
        "help_outside",
        "help_conditions",
        "help_decline",
        "help_staff_events",
    )
    flows += ("requests_list", "requests_update", "requests_privacy", "handoff_live", "handoff_words")
    flows += ("programs_browse", "programs_register", "programs_unmet", "programs_unmet_city")
    flows += ("programs_waitlist", "programs_volunteer", "programs_service", "programs_mine")
    flows += ("programs_events", "programs_checkin")
    flows += ("ratings_comment", "ratings_skip", "ratings_later", "ratings_expiry", "ratings_wait")
    flows += ("ratings_menu", "ratings_low", "complaints_attachment", "complaints_suggestion", "complaints_short")
    flows += ("complaints_follow", "complaints_staff_events")
    for flow in flows:
        assert {f"{flow}_ar", f"{flow}_en"} <= names, flow


def test_there_is_a_community_transcript_in_every_shipped_language():
    """Greeting from a first message, the menu, an FAQ answer, the help form to its summary with digits in the
    language's script, and a complaint: in each language, on the profile that offers them all."""
    for code in languages.known():
        path = GOLDEN / f"community_{code}.json"
        assert path.is_file(), code
        assert json.loads(path.read_text(encoding="utf-8"))["profile"] == "sha3af", code
