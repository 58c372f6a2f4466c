"""What every long console list shares: the order staff choose (column and direction), where this page is in
the list with links to the pages around it, and links to export the same rows (filters and order kept)."""

from __future__ import annotations

from aiohttp import web

from handlers.admin.pages import Html, el, field, t
from store.paging import Paged

DIRECTIONS = ("asc", "desc")


def order_of(request: web.Request, sorts: tuple[str, ...], default: str, descending: bool) -> tuple[str, bool]:
    """`?sort=` and `?dir=` as asked, each falling back to the list's own default."""
    sort = request.query.get("sort", "")
    direction = request.query.get("dir", "")
    return (sort if sort in sorts else default), (direction == "desc" if direction in DIRECTIONS else descending)


def order_fields(request: web.Request, sorts: tuple[str, ...], sort: str, descending: bool) -> list[Html]:
    """The two selects of a list's filter form that choose its order."""
    columns = [el("option", t(request, f"sort_{key}"), value=key, selected=key == sort) for key in sorts]
    directions = [
        el("option", t(request, f"sort_{d}"), value=d, selected=(d == "desc") == descending) for d in DIRECTIONS
    ]
    return [
        field(t(request, "sort_by"), el("select", *columns, name="sort")),
        field(t(request, "sort_direction"), el("select", *directions, name="dir")),
    ]


def pager(request: web.Request, found: Paged) -> Html:
    """«Page 2 of 5 · 240 records», with the pages before and after (the filters and order kept)."""
    url = request.rel_url
    parts: list[object] = [
        el("span", t(request, "list_page", page=found.page, pages=found.pages), " · ",
           t(request, "list_total", count=found.total))
    ]  # fmt: skip
    if found.page > 1:
        parts.append(el("a", t(request, "b_previous"), href=str(url.update_query(page=found.page - 1)), rel="prev"))
    if found.page < found.pages:
        parts.append(el("a", t(request, "b_next"), href=str(url.update_query(page=found.page + 1)), rel="next"))
    return el("nav", *parts, class_="pager", aria_label=t(request, "list_pages"))


def export_links(request: web.Request, path: str) -> Html:
    """Links to the list as an Excel sheet and as CSV, with the same filters and order (every page)."""
    query = {k: v for k, v in request.query.items() if k != "page"}
    xlsx, csv = request.rel_url.with_path(f"{path}.xlsx"), request.rel_url.with_path(f"{path}.csv")
    return el(
        "p",
        el("a", t(request, "b_export_xlsx"), href=str(xlsx.with_query(query)), class_="button"),
        " ",
        el("a", t(request, "b_export_csv"), href=str(csv.with_query(query)), class_="button"),
        class_="exports",
    )
