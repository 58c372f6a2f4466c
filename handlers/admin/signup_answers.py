"""What a sign-up's participation-rule answer answered, as staff read it: the profile's own question for the rule
(«هل لديك موافقة جهة عملك؟»), never the stored key."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.pages import lang_of, t


def rule_question(request: web.Request, key: str) -> str:
    """The question a `rule_<key>` answer answered (the profile's participation rule), in the page's language."""
    engine, lang = request.app[ENGINE], lang_of(request)
    rule = next((r for r in engine.profile.participation_rules if r.key == key.removeprefix("rule_")), None)
    return (rule.question or rule.text).get(lang) if rule else t(request, "answer_other")
