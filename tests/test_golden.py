"""Golden transcripts: conversations as data files (inputs and the replies expected), run through the pure
router. `UPDATE_GOLDEN=1 make test` rewrites the expectations; read the diff before committing it."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from conversations import router
from conversations.effects import HandOffToStaff, Reply
from conversations.faq import FaqIndex
from conversations.types import Context, Inbound, OpenHandoff
from tests.conftest import References

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def _inbound(step: dict) -> Inbound:
    if "choose" in step:
        return Inbound("choice", text=step.get("label", ""), choice=step["choose"])
    if step.get("start"):
        return Inbound("start")
    if step.get("unsupported"):
        return Inbound("unsupported")
    return Inbound("text", text=step["send"])


def replay(case: dict, profile, texts) -> list[list[dict]]:
    """Run every input of a case; the replies of each, as the beneficiary would read them."""
    state, data, waiting, references = "", {}, None, References()
    faq = FaqIndex(profile)
    out = []
    for step in case["steps"]:
        ctx = Context(
            profile=profile,
            texts=texts,
            faq=faq,
            now=datetime.fromisoformat(step.get("now", case["now"])),
            channel=case.get("channel", "web"),
            reference=references(),
            open_handoff=waiting,
        )
        result = router.step(state, data, _inbound(step), ctx)
        state, data = result.state, result.data
        for effect in result.effects:
            if isinstance(effect, HandOffToStaff):
                waiting = OpenHandoff(effect.reference, effect.answer_due_at)
        out.append(
            [
                {"text": e.text, "choices": [c.label for c in e.choices]} if e.choices else {"text": e.text}
                for e in result.effects
                if isinstance(e, Reply)
            ]
        )
        assert state in router.STATES, f"ended in unknown state {state}"
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_transcript(path: Path, profile, texts):
    case = json.loads(path.read_text(encoding="utf-8"))
    actual = replay(case, profile, texts)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        for step, replies in zip(case["steps"], actual):
            step["expect"] = replies
        path.write_text(json.dumps(case, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for n, (step, replies) in enumerate(zip(case["steps"], actual), start=1):
        assert replies == step["expect"], f"{path.name} step {n} ({step})"


def test_there_are_transcripts_in_both_languages():
    names = {p.stem for p in CASES}
    for flow in ("greeting", "menu", "inquiry"):
        assert {f"{flow}_ar", f"{flow}_en"} <= names
