"""Ready answers (canned replies) per language: admins add and remove them; staff insert them in a reply."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import (
    LANGS,
    SIGNED,
    TEXTS,
    el,
    field,
    layout,
    post_form,
    problem,
    see_other,
    t,
    table,
    typed,
)
from store import inbox as chats

PAGE = "/admin/ready-answers"
MAX_TITLE, MAX_TEXT = 120, 2000


@requires("admin")
async def ready_answers_page(request: web.Request) -> web.Response:
    """Every ready answer, with a form to add one and a button to remove each."""
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        answers = await chats.ready_answers(tx)
    rows = [
        (
            [
                TEXTS(a.language, "lang_name"),
                el("bdi", a.title),
                typed(a.text, "span"),
                post_form(request, f"{PAGE}/{a.id}/remove", button=t(request, "ready_remove")),
            ],
            None,
        )
        for a in answers
    ]
    languages = el("select", [el("option", TEXTS(lang, "lang_name"), value=lang) for lang in LANGS], name="language")
    form = post_form(
        request,
        PAGE,
        field(t(request, "ready_language"), languages),
        field(t(request, "ready_title"), el("input", name="title", maxlength=str(MAX_TITLE), required=True)),
        field(t(request, "ready_text"), el("textarea", name="text", rows="4", maxlength=str(MAX_TEXT), required=True)),
        button=t(request, "ready_add"),
    )
    columns = ("col_language", "col_title", "col_text", "col_actions")
    intro = el("p", t(request, "ready_intro"), class_="hint")
    listing = table(request, columns, rows, empty="empty_ready_answers")
    return layout(request, t(request, "ready_answers"), intro, listing, el("h2", t(request, "ready_add")), form)


@requires("admin")
async def add_ready_answer(request: web.Request) -> web.Response:
    engine, staff, form = request.app[ENGINE], request[SIGNED].staff, request[FORM]
    language = form.get("language")
    title, text = (form.get("title") or "").strip(), (form.get("text") or "").strip()
    if language not in LANGS or not title or not text or len(title) > MAX_TITLE or len(text) > MAX_TEXT:
        return problem(request, 400, "error_ready", back=PAGE)
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        row = await chats.add_ready_answer(tx, language, title, text, staff.id, now)
        audit(tx, staff.id, "ready_answer_added", f"ready_answer:{row.id}", now)
    return see_other(PAGE)


@requires("admin")
async def remove_ready_answer(request: web.Request) -> web.Response:
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    answer_id, now = int(request.match_info["answer_id"]), engine.clock()
    async with engine.sessions() as tx, tx.begin():
        if not await chats.remove_ready_answer(tx, answer_id):
            return problem(request, 404, "error_not_found", back=PAGE)
        audit(tx, staff.id, "ready_answer_removed", f"ready_answer:{answer_id}", now)
    return see_other(PAGE)
