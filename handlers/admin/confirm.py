"""The confirm step of a decision that cannot be taken back: a page that says what will happen, whose button posts
the same form again with `confirmed=yes` (no script needed); the handler acts only on that second post."""

from __future__ import annotations

from aiohttp import web

from handlers.admin.forms import FORM
from handlers.admin.pages import Html, el, layout, post_form, t

CONFIRMED = "confirmed"


def confirmed(request: web.Request) -> bool:
    """Whether this post is the one sent from the confirm page."""
    return request[FORM].get(CONFIRMED) == "yes"


def confirm_page(
    request: web.Request, title: str, effects: list[object], action: str, keep: dict[str, str], button: str,
    back: str,
) -> web.Response:  # fmt: skip
    """What will happen, as a list, then the button that does it (the form's fields carried along) and the way
    back without doing anything."""
    hidden = [el("input", type="hidden", name=name, value=value) for name, value in keep.items()]
    form = post_form(request, action, *hidden, el("input", type="hidden", name=CONFIRMED, value="yes"),
                     button=button)  # fmt: skip
    what = el("ul", [el("li", effect) for effect in effects], class_="effects")
    cancel = el("p", el("a", t(request, "confirm_back"), href=back))
    return layout(request, title, el("p", t(request, "confirm_intro"), class_="notice"), what, form, cancel)


def quoted(text: str) -> Html:
    """What staff typed, as the beneficiary will read it."""
    return el("blockquote", text, class_="typed", dir="auto")
