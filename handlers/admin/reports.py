"""The reports (policy §11): satisfaction, decisions and complaint answers within their deadlines, attendance,
for a month of the association's time zone or for all time; charts with their numbers, a printable page for
the board, CSV and XLSX exports (each audited). Ratings improve the service and never blame anyone (§1)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import Callable, Hashable

from aiohttp import web
from babel.dates import format_date
from hijridate import Gregorian

from bot.appkeys import ENGINE
from conversations.calendar import local
from handlers import bounds
from handlers.admin.audit import audit
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    el,
    field,
    label,
    lang_of,
    layout,
    problem,
    short_day,
    t,
    table,
    typed,
)
from handlers.admin.report_charts import Bar, bar_chart
from store.report_queries import (
    Comment,
    Figures,
    Period,
    Satisfaction,
    figures,
    month_period,
    monthly,
    program_titles,
)
from handlers.admin.requests import names as request_names
from handlers.admin.spreadsheet import csv_download, xlsx_download
from store import aid, staff_accounts

READERS = ("admin", "researcher", "coordinator", "viewer")
ALL = "all"
GROUP_COLUMNS = ("col_item", "col_average", "col_csat", "col_answered", "col_response")
EXPORT_HEADERS = ("col_section", "col_item", "col_value", "col_count")  # the exports are in Arabic


@dataclass(frozen=True)
class Report:
    """A report's scope (YYYY-MM or all), its figures, the 12-month trend and the names it shows."""

    scope: str
    figures: Figures
    trend: list[tuple[str, Satisfaction]]
    programs: dict[int, tuple[str, str]]
    staff: dict[int, str]
    aid: aid.AidTotals


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def avg(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _current(request: web.Request) -> tuple[int, int]:
    today = local(request.app[ENGINE].profile, request.app[ENGINE].clock())
    return today.year, today.month


def scope_of(request: web.Request) -> str | None:
    """The asked month (YYYY-MM) or `all`, the current month of the association by default; None for a month
    that is not one, or outside the months the calendars cover."""
    asked = request.query.get("month", "")
    if asked == ALL:
        return asked
    if not asked:
        return "%04d-%02d" % _current(request)
    found = bounds.month(asked)
    return "%04d-%02d" % found if found else None  # Arabic-Indic digits read, ASCII ones written


def bad_month(request: web.Request) -> web.Response:
    """400: the month asked for is not one the reports can show, said with the range they cover."""
    first, last = ("%04d-%02d" % m for m in (bounds.FIRST_MONTH, bounds.LAST_MONTH))
    return problem(request, 400, "error_month", back="/admin/reports", first=first, last=last)


async def load(request: web.Request, scope: str) -> Report:
    """The figures of the scope, and the program titles and staff names they mention."""
    engine = request.app[ENGINE]
    profile, now = engine.profile, engine.clock()
    year, month = _current(request) if scope == ALL else map(int, scope.split("-"))
    period = Period() if scope == ALL else month_period(profile, year, month)
    async with engine.sessions() as tx:
        figs = await figures(tx, profile, period, now)
        trend = await monthly(tx, profile, year, month)
        ids = [i for i in figs.by_program if i is not None] + [a.program_id for a in figs.attendance]
        programs = await program_titles(tx, ids)
        staff = await staff_accounts.names(tx, set(figs.by_staff or ()))
        given = await aid.totals(tx, profile.timezone, period.start, period.end)
    return Report(scope, figs, trend, programs, staff, given)


def numbers(grid: Html) -> Html:
    """A table of figures: kept a table on a phone too (scrolled sideways inside itself if need be)."""
    return el("div", grid, class_="numbers")


def _headline(request: web.Request, figs: Figures) -> Html:
    s, req, com = figs.satisfaction, figs.requests, figs.complaints
    happy = s.distribution[4] + s.distribution[5]
    items = [
        ("r_average", avg(s.average), t(request, "r_answered", count=s.answered)),
        ("r_csat", pct(s.csat), f"{happy} / {s.answered}"),
        ("r_response", pct(s.response_rate), f"{s.answered} / {s.asked}"),
        ("r_requests_on_time", pct(req.rate), f"{req.on_time} / {req.handled}"),
        ("r_requests_late", str(req.open_late), ""),
        ("r_complaints_on_time", pct(com.rate), f"{com.on_time} / {com.handled}"),
        ("r_complaints_late", str(com.open_late), ""),
    ]
    cells = [
        ([t(request, k), el("strong", v, id=f"fig-{k}", dir="ltr"), basis], None) for k, v, basis in items
    ]
    return numbers(table(request, ("col_indicator", "col_value", "col_basis"), cells))


def _distribution(request: web.Request, s: Satisfaction, rtl: bool) -> Html:
    bars = [Bar(str(score), n, str(n)) for score, n in s.distribution.items()]
    chart = bar_chart(t(request, "r_distribution"), bars, max(s.distribution.values()) or 1, rtl)
    cells = [([str(score), str(n), pct(n / s.answered if s.answered else None)], None)
             for score, n in s.distribution.items()]  # fmt: skip
    grid = numbers(table(request, ("col_score", "col_count", "col_share"), cells))
    return el("div", chart, grid, class_="figure")


def _figures_of(s: Satisfaction) -> list[str]:
    """Average, CSAT, answered, response rate: the columns after a breakdown's name."""
    return [avg(s.average), pct(s.csat), str(s.answered), pct(s.response_rate)]


def _trend(request: web.Request, trend: list[tuple[str, Satisfaction]], rtl: bool) -> Html:
    bars = [Bar(key[2:], s.average or 0, avg(s.average) if s.answered else "") for key, s in trend]
    chart = bar_chart(t(request, "r_monthly"), bars, 5, rtl)
    cells = [([el("span", key, dir="ltr"), *_figures_of(s)], None) for key, s in trend]
    keys = ("col_month", "col_average", "col_csat", "col_answered", "col_response")
    return el("div", chart, numbers(table(request, keys, cells)), class_="figure wide")


def _groups(
    request: web.Request, groups: dict[Hashable, Satisfaction], name: Callable[[Hashable], str]
) -> Html:
    cells = [([name(key), *_figures_of(s)], None) for key, s in groups.items()]
    return numbers(table(request, GROUP_COLUMNS, cells))


def _names(request: web.Request, report: Report) -> dict[str, Callable[[Hashable], str]]:
    """How each breakdown names its rows in the staff's language."""
    english = lang_of(request) == "en"
    return {
        "kind": lambda k: label(request, "service", str(k)),
        "channel": lambda k: label(request, "channel", str(k)),
        "program": lambda k: report.programs.get(k, ("#%s" % k,) * 2)[english] or report.programs[k][0],
        "staff": lambda k: report.staff.get(k, "#%s" % k),
    }


def _attendance(request: web.Request, report: Report) -> Html:
    english = lang_of(request) == "en"
    cells = [([(a.title_en if english else "") or a.title_ar, str(a.accepted), str(a.attended), pct(a.rate)], None)
             for a in report.figures.attendance]  # fmt: skip
    return numbers(table(request, ("col_program", "col_accepted", "col_attended", "col_rate"), cells))


def comment_table(request: web.Request, rows: list[Comment]) -> Html:
    """Comments with their score, service and date: never who wrote them, nor who served them."""
    service = {c.service_kind: label(request, "service", c.service_kind) for c in rows}
    cells = [
        ([short_day(request, c.at), str(c.score), service[c.service_kind], typed(c.text)], None) for c in rows
    ]
    return table(request, ("col_date", "col_score", "col_service", "col_comment"), cells, empty="empty_comments")


def _aid(request: web.Request, totals: aid.AidTotals) -> list[Html]:
    """Deliveries and the riyals given, per month of delivery, kind of support and city."""
    labels = request_names(request)
    groups = (
        ("r_aid_by_month", totals.by_month, {}),
        ("r_aid_by_category", totals.by_category, labels["category"]),
        ("r_aid_by_city", totals.by_city, labels["city"]),
    )
    parts = [el("p", t(request, "r_aid_hint"), class_="hint")]
    for key, group, names in groups:
        cells = [([names.get(k, k), str(v.count), aid.riyals_text(v.halalas)], None) for k, v in group.items()]
        parts += [el("h3", t(request, key)), numbers(table(request, ("col_item", "col_aid_count", "col_aid_total"),
                                                              cells))]  # fmt: skip
    return parts


def _section(request: web.Request, key: str, *body: object) -> Html:
    return el("section", el("h2", t(request, key)), *body)


def report_body(request: web.Request, report: Report) -> list[Html]:
    """The sections of a report, the same on the console page and on the printable one."""
    figs, rtl, names = report.figures, lang_of(request) == "ar", _names(request, report)
    body = [
        el("p", t(request, "r_purpose"), class_="hint"),
        _section(request, "r_summary", _headline(request, figs)),
        _section(request, "r_distribution", _distribution(request, figs.satisfaction, rtl)),
        _section(request, "r_monthly", _trend(request, report.trend, rtl)),
        _section(request, "r_by_kind", _groups(request, figs.by_kind, names["kind"])),
        _section(request, "r_by_program", _groups(request, figs.by_program, names["program"])),
        _section(request, "r_by_channel", _groups(request, figs.by_channel, names["channel"])),
    ]
    if figs.by_staff is not None:
        hint = el("p", t(request, "r_staff_hint"), class_="hint")
        body.append(_section(request, "r_by_staff", hint, _groups(request, figs.by_staff, names["staff"])))
    body.append(_section(request, "r_aid", *_aid(request, report.aid)))
    body.append(_section(request, "r_attendance", _attendance(request, report)))
    body.append(_section(request, "r_comments", comment_table(request, figs.comments)))
    return body


def scope_text(request: web.Request, scope: str) -> str:
    """The month in words, Gregorian with the Hijri month(s) it spans; or «all time»."""
    if scope == ALL:
        return t(request, "r_all_time")
    lang, (year, month) = lang_of(request), map(int, scope.split("-"))
    first, last = date(year, month, 1), date(year, month, monthrange(year, month)[1])
    hijri = [Gregorian(d.year, d.month, d.day).to_hijri() for d in (first, last)]
    months = " – ".join(dict.fromkeys(h.month_name(lang) for h in hijri))
    years = " – ".join(dict.fromkeys(str(h.year) for h in hijri))
    gregorian = format_date(first, "LLLL y", locale=lang)
    return t(request, "r_month_text", gregorian=gregorian, hijri=f"{months} {years}")


def _scope_form(request: web.Request, scope: str, action: str) -> Html:
    year, month = _current(request)
    months = []
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    options = [el("option", key, value=key, selected=key == scope) for key in months]
    options.append(el("option", t(request, "r_all_time"), value=ALL, selected=scope == ALL))
    chooser = field(t(request, "col_month"), el("select", options, name="month"))
    return el("form", chooser, el("button", t(request, "r_show"), type="submit"), method="get", action=action,
              class_="filters")  # fmt: skip


@requires(*READERS)
async def reports_page(request: web.Request) -> web.Response:
    """The report of a month (or of all time), with the links to export and print it."""
    scope = scope_of(request)
    if scope is None:
        return bad_month(request)
    report = await load(request, scope)
    links = el(
        "p",
        el("a", t(request, "r_print"), href=f"/admin/reports/monthly?month={scope}", class_="button"), " ",
        el("a", t(request, "export_csv"), href=f"/admin/reports.csv?month={scope}", class_="button"), " ",
        el("a", t(request, "export_xlsx"), href=f"/admin/reports.xlsx?month={scope}", class_="button"),
        class_="buttons",
    )
    title = t(request, "reports_title")
    chooser, scope_line = _scope_form(request, scope, "/admin/reports"), el("p", scope_text(request, scope))
    return layout(request, title, chooser, scope_line, links, *report_body(request, report))


@requires(*READERS)
async def monthly_page(request: web.Request) -> web.Response:
    """The report for the board: the association's name, the month in both calendars, charts and tables."""
    scope = scope_of(request)
    if scope is None:
        return bad_month(request)
    report = await load(request, scope)
    profile = request.app[ENGINE].profile
    cover = el(
        "div",
        el("p", profile.name.get(lang_of(request)), class_="association"),
        el("p", scope_text(request, scope), class_="month"),
        el("p", t(request, "r_print_hint"), class_="hint noprint"),
        class_="cover",
    )
    content = el("div", cover, *report_body(request, report), class_="report")
    return layout(request, t(request, "monthly_title"), content)


def export_rows(report: Report) -> list[list[object]]:
    """The figures as rows with Arabic headers: section, item, value (number), count."""
    figs, s = report.figures, report.figures.satisfaction

    def ar(key: str) -> str:
        return TEXTS("ar", key)

    def num(value: float | None, percent: bool = False) -> float | None:
        return None if value is None else round(value * 100, 1) if percent else round(value, 2)

    scope = ar("r_all_time") if report.scope == ALL else report.scope
    rows: list[list[object]] = [[ar("reports_title"), scope], [], [ar(k) for k in EXPORT_HEADERS]]
    summary = ar("r_summary")
    rows += [
        [summary, ar("r_average"), num(s.average), s.answered],
        [summary, ar("r_csat"), num(s.csat, True), s.answered],
        [summary, ar("r_response"), num(s.response_rate, True), s.asked],
        [summary, ar("r_requests_on_time"), num(figs.requests.rate, True), figs.requests.handled],
        [summary, ar("r_requests_late"), figs.requests.open_late, None],
        [summary, ar("r_complaints_on_time"), num(figs.complaints.rate, True), figs.complaints.handled],
        [summary, ar("r_complaints_late"), figs.complaints.open_late, None],
    ]
    rows += [[ar("r_distribution"), str(score), n, s.answered] for score, n in s.distribution.items()]
    rows += [[ar("r_monthly"), key, num(m.average), m.answered] for key, m in report.trend]
    names = {
        "r_by_kind": (figs.by_kind, lambda k: TEXTS.languages()["ar"].get(f"service_{k}", str(k))),
        "r_by_program": (figs.by_program, lambda k: report.programs.get(k, (f"#{k}",))[0]),
        "r_by_channel": (figs.by_channel, lambda k: TEXTS.languages()["ar"].get(f"channel_{k}", str(k))),
    }
    if figs.by_staff is not None:
        names["r_by_staff"] = (figs.by_staff, lambda k: report.staff.get(k, f"#{k}"))
    for key, (groups, name) in names.items():
        rows += [[ar(key), name(k), num(g.average), g.answered] for k, g in groups.items()]
    rows += [[ar("r_attendance"), a.title_ar, num(a.rate, True), a.accepted] for a in figs.attendance]
    return rows


async def _exported(request: web.Request, kind: str) -> Report | web.Response:
    """The report of the asked scope (the export is audited), or the refusal of a bad month."""
    scope, engine, staff = scope_of(request), request.app[ENGINE], request[SIGNED].staff
    if scope is None:
        return bad_month(request)
    report = await load(request, scope)
    async with engine.sessions() as tx, tx.begin():
        audit(tx, staff.id, "report_exported", f"report:{scope}", engine.clock(), format=kind)
    return report


@requires(*READERS)
async def export_csv(request: web.Request) -> web.Response:
    """The figures as CSV."""
    report = await _exported(request, "csv")
    if isinstance(report, web.Response):
        return report
    return csv_download(export_rows(report), f"report-{report.scope}.csv")


@requires(*READERS)
async def export_xlsx(request: web.Request) -> web.Response:
    """The figures as an Excel workbook, laid out right to left, numbers as numbers."""
    report = await _exported(request, "xlsx")
    if isinstance(report, web.Response):
        return report
    widths = dict(zip("ABCD", (28, 36, 12, 10), strict=True))
    return xlsx_download(export_rows(report), f"report-{report.scope}.xlsx", "التقرير", widths)
