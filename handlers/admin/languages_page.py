"""/admin/languages: the languages the bot offers this association's beneficiaries and how each catalog was
translated, so that the association knows which texts a native speaker should still read."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from conversations import languages
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import el, lang_of, language_name, layout, t, table

COLUMNS = ("col_language", "col_direction", "col_translation", "col_reviewed")


@requires(*ANYONE)
async def languages_page(request: web.Request) -> web.Response:
    offered = [languages.get(code) for code in request.app[ENGINE].profile.languages]
    rows = [
        (
            [
                el("span", language.name, lang=language.code, dir=language.direction),
                t(request, f"direction_{language.direction}"),
                t(request, f"translation_{language.translation}"),
                t(request, "reviewed_yes" if language.reviewed else "reviewed_no"),
            ],
            None,
        )
        for language in offered
    ]
    separator = request.app[ENGINE].texts(lang_of(request), "list_separator")
    unreviewed = [language_name(request, language.code) for language in offered if not language.reviewed]
    notice = (
        el("p", t(request, "languages_unreviewed", names=separator.join(unreviewed)), class_="notice")
        if unreviewed
        else None
    )
    return layout(
        request,
        t(request, "languages_title"),
        el("p", t(request, "languages_intro"), class_="hint"),
        notice,
        table(request, COLUMNS, rows),
    )
