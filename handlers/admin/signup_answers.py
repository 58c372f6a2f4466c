"""A sign-up's answers to its program's conditions as staff read them («العمر: 30 · هل لديك موافقة جهة عملك؟ نعم»),
never as stored keys."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.pages import lang_of, t
from handlers.admin.signups import city_name
from store.models import Program, Registration


def _question(request: web.Request, program: Program, key: str) -> str:
    """What a yes/no answer answered: the program's own question, or the profile's participation rule."""
    engine, lang = request.app[ENGINE], lang_of(request)
    if key.startswith("rule_"):
        rule = next((r for r in engine.profile.participation_rules if r.key == key.removeprefix("rule_")), None)
        return (rule.question or rule.text).get(lang) if rule else t(request, "answer_other")
    index = key.removeprefix("question_")
    conditions = program.conditions or []
    if index.isdecimal() and int(index) < len(conditions):
        asked = conditions[int(index)]
        return asked.get(lang) or asked.get("ar", "")
    return t(request, "answer_other")


def answer_lines(request: web.Request, program: Program, row: Registration) -> list[str]:
    """Each answer in words, in the order given."""
    engine, lang = request.app[ENGINE], lang_of(request)
    lines = []
    for key, value in (row.answers or {}).items():
        if key == "age":
            lines.append(t(request, "answer_age", age=value))
        elif key == "gender":
            lines.append(t(request, f"answer_gender_{value}") if value in ("f", "m") else str(value))
        elif key == "city":
            lines.append(city_name(engine.profile, lang, value))
        elif key == "residency":
            lines.append(engine.texts(lang, f"help_residency_{value}"))
        else:
            answer = t(request, f"answer_{value}") if value in ("yes", "no") else str(value)
            lines.append(f"{_question(request, program, key)} {answer}")
    return lines
