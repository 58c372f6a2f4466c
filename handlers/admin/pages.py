"""The console's HTML: escaping by construction, the staff catalog (Arabic and English), layout and dates."""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.appkeys import ENGINE, SETTINGS
from conversations import languages
from conversations.calendar import local
from conversations.catalog import Catalog
from conversations.dates import clock_text, compact_date, date_text, datetime_text, hijri_text
from store.models import Staff, StaffSession

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
FAVICON = "/static/favicon.svg"  # the web chat's, shared (handlers/static/)
LANGS = ("ar", "en")
LANG_COOKIE = "frontdesk_staff_lang"
VOID = frozenset({"input", "meta", "link", "br"})
YEAR = 365 * 24 * 3600


def load_texts() -> Catalog:
    """The staff UI strings, one TOML file per language."""
    return Catalog(
        {lang: tomllib.loads((HERE / "locales" / f"{lang}.toml").read_text("utf-8")) for lang in LANGS}
    )


TEXTS = load_texts()


@dataclass(frozen=True)
class Signed:
    """Who is signed in on this request, and their session (for its CSRF token)."""

    staff: Staff
    session: StaffSession


SIGNED = web.RequestKey("signed", Signed)  # set by guard.requires
COUNTS = web.RequestKey("counts", dict)  # the nav's live counts (store/workload.py), set by guard.requires


class Html(str):
    """Markup that is already safe: inserted as it is."""


def esc(value: object) -> Html:
    """Text made safe for HTML; markup (Html) and lists of it are kept."""
    if isinstance(value, Html):
        return value
    if isinstance(value, (list, tuple)):
        return cat(*value)
    return Html(html.escape(str(value), quote=True))


def cat(*parts: object) -> Html:
    """Parts joined, each escaped unless it is markup; None is left out."""
    return Html("".join(esc(p) for p in parts if p is not None))


def el(tag: str, /, *children: object, **attrs: object) -> Html:
    """An element; `class_` is `class`, `_` in other names is `-`; None or False attributes are left out."""
    pairs = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        pairs.append(f" {attr}" if value is True else f' {attr}="{esc(value)}"')
    opening = f"<{tag}{''.join(pairs)}>"
    return Html(opening if tag in VOID else f"{opening}{cat(*children)}</{tag}>")


def lang_of(request: web.Request) -> str:
    """The `lang` query parameter, else the `lang` cookie, else the association's default language."""
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else request.app[ENGINE].profile.default_language


def t(request: web.Request, key: str, **params: object) -> str:
    return TEXTS(lang_of(request), key, **params)


def label(request: web.Request, prefix: str, key: str) -> str:
    """The catalog's label `prefix_key`, or the key itself when the catalog has none."""
    return TEXTS.languages()[lang_of(request)].get(f"{prefix}_{key}", key)


def language_name(request: web.Request, code: str) -> str:
    """A beneficiary language as staff read it: the console's own word, else the language's name in itself."""
    return TEXTS.languages()[lang_of(request)].get(f"language_{code}") or languages.get(code).name


def secure(request: web.Request) -> bool:
    """Cookies are marked Secure when the console is reached over https."""
    return request.app[SETTINGS].public_base_url.startswith("https://")


def day_text(request: web.Request, moment: datetime | None) -> str:
    """A date in the association's time zone, Gregorian with the Hijri date beside it."""
    if moment is None:
        return "—"
    engine = request.app[ENGINE]
    return date_text(engine.texts, lang_of(request), local(engine.profile, moment).date())


def time_text(request: web.Request, moment: datetime | None) -> str:
    """A date (Gregorian and Hijri) and time in the association's time zone."""
    if moment is None:
        return "—"
    engine = request.app[ENGINE]
    return datetime_text(engine.texts, lang_of(request), engine.profile, moment)


def short_day(request: web.Request, moment: datetime | None, with_time: bool = False) -> Html:
    """A date where space is short (lists, tables): the Gregorian date (and time) with the Hijri date on a
    small second line; the full double date on hover."""
    if moment is None:
        return Html("—")
    engine, lang = request.app[ENGINE], lang_of(request)
    here = local(engine.profile, moment)
    shown = compact_date(lang, here.date())
    if with_time:
        shown = f"{shown} {clock_text(lang, here)}"
    full = time_text(request, moment) if with_time else day_text(request, moment)
    hijri = el("small", hijri_text(engine.texts, lang, here.date()), class_="hijri")
    return el("time", shown, hijri, datetime=here.isoformat(timespec="minutes"), title=full, class_="short-date")


def time_cell(request: web.Request, moment: datetime | None) -> str:
    """A date and time for a spreadsheet cell: as `time_text` writes it, and empty (not a dash) when there is none."""
    return time_text(request, moment) if moment is not None else ""


def see_other(location: str) -> web.Response:
    """After a POST: go to a page with GET."""
    return web.Response(status=303, headers={"Location": location})


def csrf_input(request: web.Request) -> Html:
    return el("input", type="hidden", name="csrf", value=request[SIGNED].session.csrf_token)


def post_form(
    request: web.Request, action: str, *fields: object, button: str, multipart: bool = False
) -> Html:
    """A POST form carrying the session's CSRF token."""
    enctype = "multipart/form-data" if multipart else None
    submit = el("button", button, type="submit")
    return el("form", csrf_input(request), *fields, submit, method="post", action=action, enctype=enctype)


def typed(text: str, tag: str = "p") -> Html:
    """Text someone typed, kept as written (line breaks, either direction of script)."""
    return el(tag, text, class_="typed", dir="auto")


def field(caption: str, control: Html) -> Html:
    return el("label", el("span", caption), control)


def _switch_url(request: web.Request, other: str) -> str:
    base = request.rel_url if request.method == "GET" else request.rel_url.with_path("/admin/requests")
    return str(base.update_query(lang=other))


def _header(request: web.Request, lang: str) -> Html:
    signed = request.get(SIGNED)
    other = "en" if lang == "ar" else "ar"
    brand = el("span", request.app[ENGINE].profile.short_name.get(lang), class_="brand")
    switch = el("a", TEXTS(other, "lang_name"), href=_switch_url(request, other), lang=other, class_="switch")
    if signed is None:
        return el("header", brand, switch)
    links = [
        el("a", t(request, "nav_mine"), href="/admin/mine"),
        el("a", t(request, "nav_requests"), _badge(request, "new_requests"), _badge(request, "overdue_requests"),
           href="/admin/requests"),
        el("a", t(request, "nav_inbox"), _badge(request, "waiting_chats"), href="/admin/inbox"),
        el("a", t(request, "nav_beneficiaries"), href="/admin/beneficiaries"),
        el("a", t(request, "nav_walk_in"), href="/admin/walk-ins/new"),
        el("a", t(request, "nav_programs"), href="/admin/programs"),
        el("a", t(request, "nav_broadcasts"), href="/admin/broadcasts"),
        el("a", t(request, "nav_complaints"), _badge(request, "complaints_due"), href="/admin/complaints"),
        el("a", t(request, "nav_reports"), href="/admin/reports"),
        el("a", t(request, "nav_digest"), href="/admin/digest"),
        el("a", t(request, "nav_languages"), href="/admin/languages"),
        el("a", t(request, "nav_undelivered"), _badge(request, "undelivered"), href="/admin/undelivered"),
    ]
    if signed.staff.role == "admin":
        links.append(el("a", t(request, "nav_ready_answers"), href="/admin/ready-answers"))
        links.append(el("a", t(request, "nav_audit"), href="/admin/audit"))
        links.append(el("a", t(request, "nav_wa_templates"), href="/admin/whatsapp-templates"))
        links.append(el("a", t(request, "nav_staff"), href="/admin/staff"))
        links.append(el("a", t(request, "nav_settings"), href="/admin/settings"))
    links.append(el("a", t(request, "nav_account"), href="/admin/account"))
    who = el(
        "span",
        el("bdi", signed.staff.display_name or signed.staff.username),
        " · ",
        label(request, "role", signed.staff.role),
    )
    logout = el(
        "form",
        csrf_input(request),
        el("button", t(request, "logout"), type="submit"),
        method="post",
        action="/admin/logout",
    )
    menu = el(
        "details",
        el("summary", t(request, "menu")),
        el("div", el("nav", *links), el("div", who, logout, switch, class_="who"), class_="menu-body"),
        class_="menu",
    )
    return el("header", brand, menu)


BADGES = ("new_requests", "overdue_requests", "waiting_chats", "complaints_due", "undelivered")


def _badge(request: web.Request, name: str) -> Html:
    """A live count beside a nav link (static/live.js keeps it current); hidden while it is zero. The title
    says what is counted, in words."""
    count = request.get(COUNTS, {}).get(name) or 0
    return el("span", str(count), class_=f"count {name}", data_count=name, title=t(request, f"count_{name}"),
              hidden=count == 0)  # fmt: skip


def layout(request: web.Request, title: str, *body: object, status: int = 200) -> web.Response:
    """A page in the staff's language, right-to-left in Arabic; never cached (it shows personal data)."""
    lang = lang_of(request)
    association = request.app[ENGINE].profile.short_name.get(lang)
    head = el(
        "head",
        el("meta", charset="utf-8"),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("title", title, " · ", association),
        el("link", rel="stylesheet", href="/admin/static/admin.css"),
        el("link", rel="icon", href=FAVICON, type="image/svg+xml"),
        el("script", src="/admin/static/live.js", defer=True) if request.get(SIGNED) else None,
    )
    page = el(
        "html",
        head,
        el("body", _header(request, lang), el("main", el("h1", title), *body)),
        lang=lang,
        dir="rtl" if lang == "ar" else "ltr",
    )
    response = web.Response(
        text=f"<!doctype html>\n{page}", content_type="text/html", charset="utf-8", status=status
    )
    response.headers["Cache-Control"] = "no-store"
    if request.query.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=YEAR,
            path="/admin",
            httponly=True,
            samesite="Strict",
            secure=secure(request),
        )
    return response


def problem(request: web.Request, status: int, key: str, back: str | None = None, **params: object) -> web.Response:
    """A page that says what went wrong (the text `key` with `params`), in the staff's language, with a way back."""
    link = el("a", t(request, "back"), href=back) if back else None
    notice = el("p", t(request, key, **params), class_="notice")
    return layout(request, t(request, f"title_{status}"), notice, link, status=status)


def done_notice(request: web.Request, keys: tuple[str, ...], prefix: str) -> Html | None:
    """The message that the action just taken is done, on the page it leads to (`?done=` names it)."""
    done = request.query.get("done", "")
    if done not in keys:
        return None
    return el("p", t(request, f"{prefix}_{done}"), class_="notice done", role="status")


def table(
    request: web.Request, keys: tuple[str, ...], rows: list[tuple[list[object], str | None]], empty: str = "nothing"
) -> Html:
    """A table of (cells, row class); on a phone each row is a card, each cell labelled with its column. With no
    rows, the text `empty` says what would be there."""
    if not rows:
        return el("p", t(request, empty), class_="empty")
    captions = [t(request, key) for key in keys]
    head = el("thead", el("tr", *(el("th", caption) for caption in captions)))
    body = el(
        "tbody",
        *(
            el(
                "tr",
                *(
                    el("td", value, data_label=caption)
                    for caption, value in zip(captions, cells, strict=True)
                ),
                class_=cls,
            )
            for cells, cls in rows
        ),
    )
    return el("table", head, body, class_="cards")
