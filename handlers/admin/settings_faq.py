"""/admin/settings/faq (admins): add, edit or retire an FAQ entry, with several ways of asking and an answer in
each language the profile offers (Arabic and English required); the typed text is kept when it needs fixing."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.appkeys import ENGINE
from conversations.profile import FaqEntry, Profile
from handlers.admin.forms import FORM, Form
from handlers.admin.guard import requires
from handlers.admin.pages import el, field, language_name, layout, post_form, problem, see_other, t
from handlers.admin.settings_page import PAGE, save

MAX_QUESTION, MAX_QUESTIONS, MAX_ANSWER = 300, 30, 3000
REQUIRED = ("ar", "en")


def _raw_of(entry: FaqEntry | None, profile: Profile) -> dict[str, str]:
    raw: dict[str, str] = {}
    for lang in profile.languages:
        text = entry.text_in(lang) if entry else None
        raw[f"questions_{lang}"] = "\n".join(text.questions) if text else ""
        raw[f"answer_{lang}"] = text.answer if text else ""
    return raw


def _form_page(
    request: web.Request, action: str, raw: dict[str, str], error: str | None = None, status: int = 200
) -> web.Response:
    profile = request.app[ENGINE].profile
    parts = []
    for lang in profile.languages:
        required = lang in REQUIRED
        parts.append(
            el(
                "fieldset",
                el(
                    "legend",
                    language_name(request, lang),
                    " — ",
                    t(request, "set_required" if required else "set_optional"),
                ),
                field(
                    t(request, "set_faq_questions"),
                    el(
                        "textarea",
                        raw.get(f"questions_{lang}", ""),
                        name=f"questions_{lang}",
                        rows="4",
                        dir="auto",
                        required=required,
                    ),
                ),
                field(
                    t(request, "set_faq_answer"),
                    el(
                        "textarea",
                        raw.get(f"answer_{lang}", ""),
                        name=f"answer_{lang}",
                        rows="5",
                        dir="auto",
                        required=required,
                        maxlength=str(MAX_ANSWER),
                    ),
                ),
                lang=lang,
            )
        )
    notice = el("p", error, class_="notice", role="alert") if error else None
    hint = el("p", t(request, "set_faq_hint"), class_="hint")
    form = post_form(request, action, *parts, button=t(request, "set_save"))
    back = el("a", t(request, "back"), href=f"{PAGE}#faq")
    title = t(request, "set_faq_add" if action.endswith("/new") else "set_faq_edit")
    return layout(request, title, notice, hint, form, back, status=status)


def _entry(form: Form, profile: Profile, kept: FaqEntry | None) -> tuple[dict | None, tuple[str, dict]]:
    """The entry's content from the form, or None and the problem (a text key and its parameters)."""
    # Translations into languages the profile no longer offers are not on the form: they are kept as they are.
    content: dict = {
        "translations": {
            lang: text.model_dump()
            for lang, text in (kept.translations if kept else {}).items()
            if lang not in profile.languages
        }
    }
    for lang in profile.languages:
        questions = [q.strip() for q in form.get(f"questions_{lang}").splitlines() if q.strip()]
        answer = form.get(f"answer_{lang}")
        if not questions and not answer and lang not in REQUIRED:
            continue
        if not questions or not answer:
            return None, ("set_error_faq_pair", {"language": lang})
        if (
            len(questions) > MAX_QUESTIONS
            or any(len(q) > MAX_QUESTION for q in questions)
            or len(answer) > MAX_ANSWER
        ):
            return None, ("set_error_faq_long", {"language": lang})
        text = {"questions": questions, "answer": answer}
        if lang in REQUIRED:
            content[lang] = text
        else:
            content["translations"][lang] = text
    return content, ("", {})


async def _saved(request: web.Request, key: str, action: str, kept: FaqEntry | None = None) -> web.Response:
    profile = request.app[ENGINE].profile
    form: Form = request[FORM]
    content, (problem_key, params) = _entry(form, profile, kept)
    if content is not None and await save(
        request, key, content, faq=True, question=content["ar"]["questions"][0]
    ):
        return see_other(f"{PAGE}?done=faq_saved#faq")
    if content is not None:
        problem_key, params = "set_error_faq", {}
    if "language" in params:
        params = {"language": language_name(request, params["language"])}
    return _form_page(request, action, dict(form.fields), t(request, problem_key, **params), status=400)


def _existing(request: web.Request) -> FaqEntry | None:
    key = request.match_info["key"]
    return next((e for e in request.app[ENGINE].profile.faq if e.id == key), None)


@requires("admin")
async def new_entry(request: web.Request) -> web.Response:
    return _form_page(request, f"{PAGE}/faq/new", _raw_of(None, request.app[ENGINE].profile))


@requires("admin")
async def create_entry(request: web.Request) -> web.Response:
    return await _saved(request, f"staff_{secrets.token_hex(5)}", f"{PAGE}/faq/new")


@requires("admin")
async def edit_entry(request: web.Request) -> web.Response:
    entry = _existing(request)
    if entry is None:
        return problem(request, 404, "error_not_found", back=PAGE)
    return _form_page(request, f"{PAGE}/faq/{entry.id}", _raw_of(entry, request.app[ENGINE].profile))


@requires("admin")
async def update_entry(request: web.Request) -> web.Response:
    entry = _existing(request)
    if entry is None:
        return problem(request, 404, "error_not_found", back=PAGE)
    return await _saved(request, entry.id, f"{PAGE}/faq/{entry.id}", entry)


@requires("admin")
async def retire_entry(request: web.Request) -> web.Response:
    entry = _existing(request)
    if entry is None:
        return problem(request, 404, "error_not_found", back=PAGE)
    if len(request.app[ENGINE].profile.faq) == 1 or not await save(
        request, entry.id, None, faq=True, question=entry.ar.questions[0]
    ):
        return problem(request, 400, "set_error_last_faq", back=PAGE)
    return see_other(f"{PAGE}?done=faq_retired#faq")
