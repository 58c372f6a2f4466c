"""The main menu: every service the association offers, plus a question typed straight in.

menu:main ──inquiry──> inquiry:ask
          ──help_request──> help:consent, or help:resume when a form is unfinished (help_request.py)
          ──my_requests──> requests:list (my_requests.py)
          ──programs──> programs:kinds (programs.py)
          ──talk_to_staff──> (handoff recorded) ──> handoff:live
          ──language──> language:choose
          ──complaints──> complaints:menu (complaints.py)
          ──free text──> FAQ answer, or the menu again with a hint
    rating prompts (ratings.py) appear here and in other places that wait for a pick, then come back
"""

from __future__ import annotations

from conversations import complaints, handoff, help_request, inquiry, my_requests, programs
from conversations.effects import Reply
from conversations.flow import Flow, choice, goto, reask, text
from conversations.states import Inquiry, Language, Menu
from conversations.types import Context, Inbound, Step

FLOW = Flow("menu")
ITEMS = (
    ("inquiry", "menu_inquiry"),
    ("help_request", "menu_help_request"),
    ("programs", "menu_programs"),
    ("my_requests", "menu_my_requests"),
    ("complaints", "menu_complaints"),
    ("talk_to_staff", "menu_talk_to_staff"),
    ("language", "menu_language"),
)


def _prompt(data: dict, ctx: Context) -> tuple:
    return (
        Reply(
            text(ctx, data, "menu_prompt"), tuple(choice(ctx, data, f"menu:{k}", label) for k, label in ITEMS)
        ),
    )


def show(data: dict, ctx: Context, *effects) -> Step:
    """The main menu, after any effects already decided."""
    return goto(Menu.MAIN, data, ctx, *effects)


@FLOW.state(Menu.MAIN, parent=Menu.MAIN, prompt=_prompt)
def on_menu(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.kind == "choice":
        item = (inbound.choice or "").removeprefix("menu:")
        if item == "inquiry":
            return goto(Inquiry.ASK, data, ctx)
        if item == "help_request":
            return help_request.start(data, ctx)
        if item == "my_requests":
            return my_requests.show(data, ctx)
        if item == "programs":
            return programs.show(data, ctx)
        if item == "talk_to_staff":
            return handoff.staff(data, ctx)
        if item == "language":
            return goto(Language.CHOOSE, data, ctx)
        if item == "complaints":
            return complaints.show(data, ctx)
    if inbound.kind == "text":
        step = inquiry.answer_if_meaningful(inbound.text, data, ctx)
        if step is not None:
            return step
    return reask(Menu.MAIN, data, ctx, "menu_hint")
