"""A voice note's transcript, when transcription is on, arrives after the note was taken (as the event
`voice_transcript`): the beneficiary sees what was understood and may type it instead; a question the note
asked is answered from the FAQ, and a help request's description the note gave is filled with its words.

    any state ──voice_transcript──> the same state, "we understood: …"
    inquiry:no_match ──voice_transcript──> the question asked again in words (an answer, choices or no match)
"""

from __future__ import annotations

from conversations.effects import Reply
from conversations.flow import Flow, spec, text
from conversations.states import Inquiry
from conversations.types import Context, Inbound, Step

FLOW = Flow("voice")


@FLOW.on_event("voice_transcript")
def on_transcript(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    words = " ".join(inbound.text.split())
    if not words:
        return Step(here, data)
    understood = Reply(text(ctx, data, "voice_understood", words=words))
    if here == Inquiry.NO_MATCH:  # the note was the question: ask it again in words
        asked = spec(Inquiry.ASK).handle(Inbound("text", text=words), data, ctx)
        return Step(asked.state, asked.data, (understood, *asked.effects))
    help_form = (data.get("help") or {}).get("form") or {}
    if help_form.get("description") == text(ctx, data, "voice_note_answer"):
        data = {**data, "help": {**data["help"], "form": {**help_form, "description": words}}}
    return Step(here, data, (understood,))
