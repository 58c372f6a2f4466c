"""My data and privacy (PDPL; seed 003 confidentiality): what the association holds and why, and the
beneficiary's rights to a copy, to correct it and to erase it.

    privacy:menu ──copy──> ExportMyData ──> menu:main
                 ──correct──> update:pick (help_update.py)
                 ──erase──> privacy:erase ──yes──> EraseMyData, the unfinished form dropped ──> menu:main
                                          ──no──> menu:main, nothing erased
"""

from __future__ import annotations

from conversations.effects import CancelTimer, EraseMyData, ExportMyData, Reply
from conversations.flow import choice, goto, reask, state, text
from conversations.help_fields import EXPIRY, MENU, REMINDER
from conversations.help_update import PICK
from conversations.types import Context, Inbound, Step

PRIVACY = "privacy:menu"
ERASE = "privacy:erase"


def _privacy_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "privacy:copy", "priv_copy"),
        choice(ctx, data, "privacy:correct", "priv_correct"),
        choice(ctx, data, "privacy:erase", "priv_erase"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    return (Reply(text(ctx, data, "priv_intro"), options),)


@state(PRIVACY, parent="requests:list", prompt=_privacy_prompt)
def on_privacy(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "privacy:copy":
        return goto(MENU, data, ctx, Reply(text(ctx, data, "priv_copy_sent")), ExportMyData())
    if inbound.choice == "privacy:correct":
        return goto(PICK, data, ctx)
    if inbound.choice == "privacy:erase":
        return goto(ERASE, data, ctx)
    return reask(PRIVACY, data, ctx, "help_choose_hint")


def _erase_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "privacy:erase_yes", "priv_erase_yes"),
        choice(ctx, data, "privacy:erase_no", "priv_erase_no"),
    )
    return (Reply(text(ctx, data, "priv_erase_confirm"), options),)


@state(ERASE, parent=PRIVACY, prompt=_erase_prompt)
def on_erase(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "privacy:erase_yes":
        kept = {"lang": data["lang"]}  # an unfinished form is personal data too
        effects = (
            Reply(text(ctx, data, "priv_erased")),
            CancelTimer(REMINDER),
            CancelTimer(EXPIRY),
            EraseMyData(),  # its applier then confirms what was erased and what was kept
        )
        return goto(MENU, kept, ctx, *effects)
    if inbound.choice == "privacy:erase_no":
        return goto(MENU, data, ctx, Reply(text(ctx, data, "priv_erase_kept")))
    return reask(ERASE, data, ctx, "help_choose_hint")
