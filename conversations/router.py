"""One input in, one step out: resolve typed choices, honour the words that work everywhere, then hand
the input to the state the conversation is in. This is the only entry point the host calls."""

from __future__ import annotations

from functools import cache

from conversations import greetings, handoff, help_review, language, languages, menu, programs_events, turns
from conversations.effects import Reply, SetOptOut
from conversations.flow import choice, goto, text
from conversations.flows import EVENTS, STATES
from conversations.normalize import digits_to_ascii, normalize, word_set
from conversations.states import Handoff, Language, Menu
from conversations.types import Context, Inbound, Step

KEEP = ("lang", "rating_services")  # what survives a cancel: everything else in `data` belongs to the flow being left


MENU_WORDS = word_set("menu", "main menu", "القائمة", "القائمة الرئيسية", "قائمة", "الرئيسية")
BACK_WORDS = word_set("back", "رجوع", "ارجع", "الرجوع", "عودة", "السابق", "previous")
CANCEL_WORDS = word_set("cancel", "إلغاء", "الغاء", "ألغ", "الغي", "ابي الغي")
OPT_OUT_WORDS = word_set("stop", "unsubscribe", "إيقاف", "ايقاف", "إلغاء الاشتراك", "الغاء الاشتراك", "أوقف الرسائل")
OPT_IN_WORDS = word_set("start", "subscribe", "اشتراك", "تفعيل الاشتراك", "إعادة الاشتراك")
THANKS_WORDS = word_set("شكرا", "شكراً لك", "مشكور", "مشكورين", "يعطيك العافية", "جزاك الله خير", "thanks", "thank you")
GLOBAL_CHOICES = ("menu", "talk_to_staff")  # buttons that mean the same wherever they were pressed
RECEIVED = {"contact": "phone_saved", "location": "location_received", "attachment": "attachment_received"}


@cache
def _command_words(codes: tuple[str, ...], command: str) -> frozenset[str]:
    return word_set(*(w for code in codes for w in languages.get(code).commands.get(command, ())))


def command_words(ctx: Context, command: str) -> frozenset[str]:
    """A command's words in the offered languages beyond Arabic and English («مینو», «বাতিল», «kembali»)."""
    return _command_words(tuple(ctx.profile.languages), command)


def language_words(ctx: Context) -> frozenset[str]:
    """"language" in every offered language («اللغة», «زبان», «ভাষা», «भाषा», «bahasa», «wika»)."""
    return word_set(*(w for code in ctx.profile.languages for w in languages.get(code).words))


def _pending(data: dict) -> list[tuple[str, str]]:
    return [(k, label) for k, label in data.get("choices", [])]


def _resolve_typed_choice(inbound: Inbound, data: dict) -> Inbound:
    """"2", "٢" or an option's own label typed out picks that option."""
    if inbound.kind != "text":
        return inbound
    options = _pending(data)
    typed = normalize(digits_to_ascii(inbound.text))
    if typed.isdecimal() and 1 <= int(typed) <= len(options):
        return Inbound("choice", text=inbound.text, choice=options[int(typed) - 1][0])
    for key, label in options:
        if typed and typed == normalize(label):
            return Inbound("choice", text=inbound.text, choice=key)
    return inbound


def _remember_choices(step: Step) -> Step:
    """The choices of the last question asked are what a typed number refers to next time."""
    offered: list[list[str]] = []
    for effect in step.effects:
        if isinstance(effect, Reply) and effect.choices:
            offered = [[c.key, c.label] for c in effect.choices]
    return Step(step.state, {**step.data, "choices": offered}, step.effects)


def _subscription(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step | None:
    """STOP / إيقاف and START / اشتراك (and the profile's own words) work in every state, even the greeting."""
    if inbound.kind != "text":
        return None
    typed = normalize(inbound.text)
    if typed in OPT_OUT_WORDS | command_words(ctx, "stop") or typed in word_set(*ctx.profile.opt_out_words):
        return goto(state, data, ctx, SetOptOut(True), Reply(text(ctx, data, "opted_out")))
    if typed in OPT_IN_WORDS | command_words(ctx, "start") or typed in word_set(*ctx.profile.opt_in_words):
        return goto(state, data, ctx, SetOptOut(False), Reply(text(ctx, data, "opted_in")))
    return None


def _global(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step | None:
    """Menu, back, cancel, language and thanks work in every state."""
    if inbound.kind == "choice":
        if inbound.choice == "menu":
            return menu.show(data, ctx)
        code = language.picked(inbound.choice, ctx)
        if code is not None:  # the web page's language switch, or an old button
            return language.set_language(code, data, ctx)
        return None
    typed = normalize(inbound.text)
    if typed in MENU_WORDS or typed in command_words(ctx, "menu"):
        return menu.show(data, ctx)
    if typed in BACK_WORDS or typed in command_words(ctx, "back"):
        return goto(STATES[state].parent, data, ctx)
    if typed in CANCEL_WORDS or typed in command_words(ctx, "cancel"):
        kept = {k: v for k, v in data.items() if k in KEEP}
        if "help" in data:  # an unfinished form: say that nothing of it was kept, and stop its timers
            return help_review.cancel(kept, ctx)
        return menu.show(kept, ctx, Reply(text(ctx, data, "cancelled")))
    if typed in language_words(ctx):
        return goto(Language.CHOOSE, data, ctx)
    for words, start in handoff.GLOBAL_WORDS.items():  # «الباحث», «موظف», "staff": a person, from anywhere
        if typed in words:
            return start(data, ctx)
    if typed in command_words(ctx, "staff"):  # «عملہ», «কর্মী», "petugas"
        return handoff.staff(data, ctx)
    if (typed in THANKS_WORDS or typed in command_words(ctx, "thanks")) and state != Handoff.LIVE:  # in a live chat, thanks are for the staff member
        return menu.show(data, ctx, Reply(text(ctx, data, "you_are_welcome")))
    return None


def _voice(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step:
    """A voice note (kept as a file by the host): where a free answer is asked for, it is that answer (its
    transcript, or words saying a note is attached); where a file is, it is one; else a choice is needed."""
    accepts = STATES[state].accepts
    if "voice" in accepts:
        words = inbound.text or text(ctx, data, "voice_note_answer")
        return STATES[state].handle(Inbound("text", text=words), data, ctx)
    if "attachment" in accepts:
        return STATES[state].handle(Inbound("attachment", text=inbound.text), data, ctx)
    person = (choice(ctx, data, "talk_to_staff", "choice_talk_to_staff"),)
    return goto(state, data, ctx, Reply(text(ctx, data, "voice_needs_choice"), person))


def _event(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step:
    """A timer or staff action: its registered handler; unknown ones change nothing. The options the
    beneficiary was last offered stay valid unless the event asks a new question."""
    handler = EVENTS.get((inbound.choice or "").split(":", 1)[0])
    if handler is None:
        return Step(state, data)
    result = handler(inbound, state, data, ctx)
    asks = any(isinstance(e, Reply) and e.choices for e in result.effects)
    return _remember_choices(result) if asks or result.state != state else result


def step(state: str, data: dict, inbound: Inbound, ctx: Context) -> Step:
    """Apply one input to a conversation in `state` with `data`; pure. The turn's notices go joined to the
    reply after them (conversations/turns.py): one message where one will do."""
    result = _step(state, data, inbound, ctx)
    effects = turns.joined(result.effects, ctx.channel, event=inbound.kind == "event")
    return Step(result.state, result.data, effects)


def _step(state: str, data: dict, inbound: Inbound, ctx: Context) -> Step:
    """The step as the words that work everywhere and the states answer it, each reply as they wrote it."""
    if not state or state not in STATES or "lang" not in data:
        first = language.start(data, ctx, inbound)
        return _remember_choices(_subscription(inbound, first.state, first.data, ctx) or first)
    if inbound.kind == "start":
        return _remember_choices(menu.show(data, ctx, Reply(text(ctx, data, "welcome_back"))))
    if inbound.kind == "event":
        return _event(inbound, state, data, ctx)
    if inbound.kind == "unsupported":
        return _remember_choices(goto(state, data, ctx, Reply(text(ctx, data, "unsupported"))))
    if inbound.kind == "voice":
        return _remember_choices(_voice(inbound, state, data, ctx))
    if inbound.kind in RECEIVED and inbound.kind not in STATES[state].accepts:
        return _remember_choices(goto(state, data, ctx, Reply(text(ctx, data, RECEIVED[inbound.kind]))))
    inbound = _resolve_typed_choice(inbound, data)
    result = _subscription(inbound, state, data, ctx) or programs_events.checkin(inbound, state, data, ctx)
    if result is None and state != Language.GREETING:
        result = _global(inbound, state, data, ctx)
    if result is None and state not in (Language.GREETING, Handoff.LIVE) and (state == Menu.MAIN or _pending(data)):
        result = greetings.answer(inbound, state, data, ctx)  # «السلام عليكم» where a choice is expected
    if result is None and inbound.kind == "choice":
        pending = {k for k, _ in _pending(data)}
        if inbound.choice not in pending:
            if (inbound.choice or "").startswith("menu:") or inbound.choice in GLOBAL_CHOICES:
                result = STATES[Menu.MAIN].handle(inbound, data, ctx)
            else:
                result = goto(state, data, ctx, Reply(text(ctx, data, "stale_choice")))
    if result is None:
        result = STATES[state].handle(inbound, data, ctx)
    return _remember_choices(result)
