"""My data and privacy (PDPL; seed 003 confidentiality): what the association holds and why, and the
beneficiary's rights to a copy, to correct it and to erase it.

    privacy:menu ──copy──> ExportMyData ──> menu:main
                 ──correct──> update:pick (help_update.py)
                 ──erase──> privacy:erase ──yes──> EraseMyData, the unfinished form dropped ──> menu:main
                                          ──no──> menu:main, nothing erased
"""

from __future__ import annotations

from conversations.effects import CancelTimer, EraseMyData, ExportMyData, Reply
from conversations.flow import Flow, choice, goto, reask, text
from conversations.help_fields import EXPIRY, REMINDER
from conversations.states import Menu, Privacy, Requests, Update
from conversations.types import Context, Inbound, Step

FLOW = Flow("help_privacy")


def _privacy_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "privacy:copy", "priv_copy"),
        choice(ctx, data, "privacy:correct", "priv_correct"),
        choice(ctx, data, "privacy:erase", "priv_erase"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    return (Reply(text(ctx, data, "priv_intro"), options),)


@FLOW.state(Privacy.MENU, parent=Requests.LIST, prompt=_privacy_prompt)
def on_privacy(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "privacy:copy":
        return goto(Menu.MAIN, data, ctx, Reply(text(ctx, data, "priv_copy_sent")), ExportMyData())
    if inbound.choice == "privacy:correct":
        return goto(Update.PICK, data, ctx)
    if inbound.choice == "privacy:erase":
        return goto(Privacy.ERASE, data, ctx)
    return reask(Privacy.MENU, data, ctx, "help_choose_hint")


def _erase_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "privacy:erase_yes", "priv_erase_yes"),
        choice(ctx, data, "privacy:erase_no", "priv_erase_no"),
    )
    return (Reply(text(ctx, data, "priv_erase_confirm"), options),)


@FLOW.state(Privacy.ERASE, parent=Privacy.MENU, prompt=_erase_prompt)
def on_erase(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "privacy:erase_yes":
        kept = {"lang": data["lang"]}  # an unfinished form is personal data too
        effects = (
            Reply(text(ctx, data, "priv_erased")),
            CancelTimer(REMINDER),
            CancelTimer(EXPIRY),
            EraseMyData(),  # its applier then confirms what was erased and what was kept
        )
        return goto(Menu.MAIN, kept, ctx, *effects)
    if inbound.choice == "privacy:erase_no":
        return goto(Menu.MAIN, data, ctx, Reply(text(ctx, data, "priv_erase_kept")))
    return reask(Privacy.ERASE, data, ctx, "help_choose_hint")
