"""/admin/settings/texts (admins): the texts beneficiaries read that an association most often words its own way
(the welcome, the menu's question, the inquiry's prompts, the hand-off to staff), per language the profile offers.
An empty field goes back to the profile file's text, or the shipped one; the {names} in a text must stay."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from conversations.catalog import Catalog, placeholders
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import el, field, language_name, layout, post_form, problem, see_other, t
from handlers.admin.settings_page import PAGE, save

TEXTS_PAGE = f"{PAGE}/texts"
EDITABLE = (
    "welcome",
    "welcome_back",
    "menu_prompt",
    "inquiry_prompt",
    "inquiry_no_match",
    "handoff_open",
    "handoff_closed",
)
MAX_TEXT = 2000


def _shown(text: object) -> str:
    return text if isinstance(text, str) else ""


def _names(text: str) -> set[str] | None:
    """The {names} a typed text uses; None when its braces do not pair up."""
    try:
        return placeholders(text)
    except ValueError:
        return None


@requires("admin")
async def texts_page(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    catalog = engine.texts.languages()
    sections = []
    for key in EDITABLE:
        names = sorted(placeholders(catalog["ar"][key]))
        hint = t(request, "set_text_keeps", names="، ".join("{" + n + "}" for n in names)) if names else None
        areas = [
            field(
                language_name(request, lang),
                el(
                    "textarea",
                    _shown(catalog[lang][key]),
                    name=f"{key}__{lang}",
                    rows="3",
                    dir="auto",
                    lang=lang,
                    maxlength=str(MAX_TEXT),
                ),
            )
            for lang in engine.profile.languages
        ]
        sections.append(
            el(
                "fieldset",
                el("legend", t(request, f"set_text_{key}")),
                el("p", hint, class_="hint") if hint else None,
                *areas,
            )
        )
    intro = el("p", t(request, "set_texts_intro"), class_="hint")
    form = post_form(request, TEXTS_PAGE, *sections, button=t(request, "set_save"))
    return layout(request, t(request, "set_texts"), intro, form, el("a", t(request, "back"), href=PAGE))


@requires("admin")
async def save_texts(request: web.Request) -> web.Response:
    engine, form = request.app[ENGINE], request[FORM]
    shipped = Catalog.load(engine.base_profile.texts).languages()  # the file's: only what differs is stored
    value: dict[str, dict[str, str]] = {}
    for key in EDITABLE:
        for lang in engine.profile.languages:
            text = form.get(f"{key}__{lang}").replace("\r\n", "\n")[:MAX_TEXT]
            if not text or text == shipped[lang][key]:
                continue
            if _names(text) != placeholders(shipped[lang][key]):
                names = "، ".join("{" + n + "}" for n in sorted(placeholders(shipped[lang][key]))) or "—"
                return problem(
                    request,
                    400,
                    "set_error_text",
                    back=TEXTS_PAGE,
                    what=t(request, f"set_text_{key}"),
                    language=language_name(request, lang),
                    names=names,
                )
            value.setdefault(lang, {})[key] = text
    if not await save(request, "texts", value):
        return problem(request, 400, "set_error_form", back=TEXTS_PAGE)
    return see_other(f"{PAGE}?done=saved")
