"""/admin/walk-ins/new: staff record a help request for someone who came in person, phoned, wrote a letter or
was brought by a branch representative, with the declaration signed on paper (an upload, or a tick that the
original is on file). The rules are the chat form's (store/walk_ins.py); this page parses and renders."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations import help_rules
from conversations import references
from handlers.admin import files
from handlers.admin.audit import audit
from handlers.admin.forms import FORM, Form
from handlers.admin.guard import requires
from handlers.admin.pages import SIGNED, Html, el, field, label, lang_of, layout, post_form, see_other, t
from store import request_decisions as decisions
from store import walk_ins
from store.walk_ins import Problem

log = logging.getLogger(__name__)
HOME = "/admin/walk-ins/new"
COMPLAINT = "/admin/walk-ins/complaint"
ENTERERS = ("admin", "researcher", "coordinator")




def _chat_text(request: web.Request, key: str) -> str:
    return request.app[ENGINE].texts(lang_of(request), key)


def choice_field(
    request: web.Request, name: str, pairs: list[tuple[str, str]], values: dict, required: bool = True,
    caption: str | None = None,
) -> Html:
    """A select of `pairs` (key, text) with "choose…" first, the value typed kept; captioned `walkin_<name>`."""
    current = values.get(name, "")
    options = [el("option", t(request, "walkin_choose"), value="")]
    options += [el("option", text, value=key, selected=key == current) for key, text in pairs]
    label_text = caption if caption is not None else t(request, f"walkin_{name}")
    return field(label_text, el("select", *options, name=name, required=required))


def _type_fields(request: web.Request, values: dict) -> list[Html]:
    """Where the profile has several beneficiary types (seed 004): which one, and that a type whose form has
    no household and income leaves them empty."""
    profile, lang = request.app[ENGINE].profile, lang_of(request)
    if len(profile.beneficiary_types) < 2:
        return []
    pairs = [(k.key, k.name.get(lang)) for k in walk_ins.desk_types(profile)]
    return [choice_field(request, "beneficiary_type", pairs, values), el("p", t(request, "walkin_type_hint"), class_="hint")]


def _household_required(request: web.Request) -> bool:
    return not any(k.form == "short" for k in request.app[ENGINE].profile.beneficiary_types)


def _choices(request: web.Request) -> dict[str, list[tuple[str, str]]]:
    profile, lang = request.app[ENGINE].profile, lang_of(request)
    return {
        "city": [(c.key, c.name.get(lang)) for c in profile.service_area]
        + [(help_rules.OTHER_CITY, _chat_text(request, "help_city_other"))],
        "residency": [(r, _chat_text(request, f"help_residency_{r}")) for r in help_rules.RESIDENCIES],
        "income_bracket": [(i, _chat_text(request, f"help_income_{i}")) for i in help_rules.INCOMES],
        "category": [(c.key, c.name.get(lang)) for c in profile.categories],
    }


def text_field(request: web.Request, name: str, values: dict, **attrs: object) -> Html:
    """A text input captioned `walkin_<name>`, the value typed kept."""
    return field(t(request, f"walkin_{name}"), el("input", name=name, value=values.get(name, ""), **attrs))


def _representative(request: web.Request, values: dict) -> list[Html]:
    """The branch-office representative's name and office, where the association has such representatives."""
    if "representative" not in walk_ins.intake_channels(request.app[ENGINE].profile):
        return []
    return [
        text_field(request, "rep_name", values, maxlength="120"),
        text_field(request, "rep_office", values, maxlength="120"),
        el("p", t(request, "walkin_rep_hint"), class_="hint"),
    ]


def intake_section(request: web.Request, values: dict) -> Html:
    """How a record came in (the association's intake channels) and, where it has them, the representative."""
    channels = [(c, label(request, "channel", c)) for c in walk_ins.intake_channels(request.app[ENGINE].profile)]
    return el("section", el("h2", t(request, "walkin_how")), choice_field(request, "channel", channels, values),
              *_representative(request, values))  # fmt: skip


def _conditions(request: web.Request, values: dict) -> Html:
    """Every category's conditions as ticks, each saying which category it belongs to."""
    lang, boxes = lang_of(request), []
    for cat in request.app[ENGINE].profile.categories:
        for cond in cat.conditions:
            name = f"cond_{cond.key}"
            box = el("input", type="checkbox", name=name, value="1", checked=bool(values.get(name)))
            boxes.append(el("label", box, f"{cat.name.get(lang)}: {cond.text.get(lang)}", class_="tick"))
    return el("fieldset", el("legend", t(request, "walkin_conditions")), *boxes) if boxes else Html("")


def _problems(request: web.Request, problems: list[Problem]) -> Html | None:
    if not problems:
        return None
    items = [
        el("li", el("strong", t(request, f"walkin_{p.field}")), " — ",
           _chat_text(request, p.key) if p.chat else t(request, p.key))
        for p in problems
    ]
    return el("ul", *items, class_="notice", role="alert")


def _page(request: web.Request, values: dict, problems: list[Problem], status: int = 200) -> web.Response:
    choices = _choices(request)
    who = intake_section(request, values)
    person = el(
        "section",
        el("h2", t(request, "walkin_person")),
        *_type_fields(request, values),
        text_field(request, "full_name", values, required=True, maxlength="100", dir="auto"),
        text_field(request, "national_id", values, required=True, inputmode="numeric", dir="ltr", maxlength="20"),
        text_field(request, "phone", values, required=True, inputmode="tel", dir="ltr", maxlength="20"),
        choice_field(request, "city", choices["city"], values),
        choice_field(request, "residency", choices["residency"], values),
        text_field(request, "household_size", values, required=_household_required(request), inputmode="numeric",
                    maxlength="10"),
        choice_field(request, "income_bracket", choices["income_bracket"], values, required=_household_required(request)),
    )
    need = el(
        "section",
        el("h2", t(request, "walkin_need")),
        choice_field(request, "category", choices["category"], values),
        _conditions(request, values),
        field(t(request, "walkin_description"),
              el("textarea", values.get("description", ""), name="description", rows="4", maxlength="1000",
                 required=True)),
    )
    declaration = el(
        "section",
        el("h2", t(request, "walkin_declaration")),
        el("p", t(request, "walkin_declaration_hint"), class_="hint"),
        el("label", el("input", type="radio", name="declaration", value="upload",
                       checked=values.get("declaration") == "upload"), t(request, "walkin_declaration_upload"),
           class_="tick"),
        el("input", type="file", name="file", accept="application/pdf,image/jpeg,image/png"),
        el("label", el("input", type="radio", name="declaration", value="on_file",
                       checked=values.get("declaration") == "on_file"), t(request, "walkin_declaration_on_file"),
           class_="tick"),
    )
    form = post_form(request, HOME, who, person, need, declaration, button=t(request, "walkin_submit"),
                     multipart=True)
    other = el("p", el("a", t(request, "walkin_complaint_link"), href=COMPLAINT))
    return layout(request, t(request, "walkin_title"), other, _problems(request, problems), form, status=status)


@requires(*ENTERERS)
async def new_page(request: web.Request) -> web.Response:
    """The empty form."""
    return _page(request, {}, [])


def _declaration(form: Form) -> tuple[str | None, list[Problem]]:
    kind = form.get("declaration")
    if kind not in walk_ins.DECLARATIONS or (kind == "upload" and "file" not in form.files):
        return None, [Problem("declaration", "walkin_error_declaration")]
    return kind, []


@requires(*ENTERERS, upload=True)
async def record(request: web.Request) -> web.Response:
    """Check everything, say every problem at once with the form kept; else file the request in one
    transaction (person, request, history, intake, declaration file, audit) and open its page."""
    form, engine, staff = request[FORM], request.app[ENGINE], request[SIGNED].staff
    values = {k: v for k, v in form.fields.items() if k != "csrf"}
    intake, problems = walk_ins.check_intake(form.fields, walk_ins.intake_channels(engine.profile))
    conditions = [k.removeprefix("cond_") for k, v in form.fields.items() if k.startswith("cond_") and v]
    checked = walk_ins.check_help_form(form.fields, conditions, engine.profile)
    declaration, refused = _declaration(form)
    problems += checked.problems + refused
    if problems:
        return _page(request, values, problems, status=400)
    stored = None
    if declaration == "upload":
        stored = await files.store(form.files["file"].data)
        if stored is None:
            return _page(request, values, [Problem("declaration", "error_file_type")], status=400)
    now, reference = engine.clock(), engine.references()
    try:
        async with engine.sessions() as tx, tx.begin():
            row = await walk_ins.file_request(
                tx, request.app[KEYRING], engine.profile, form=checked.values, intake=intake, reference=reference,
                staff_id=staff.id, language=lang_of(request), now=now,
            )
            attachment_id = None
            if stored is not None:
                upload = decisions.Upload(stored.name, stored.content_type, form.files["file"].filename)
                attachment_id = await decisions.attach(tx, row, upload, now)
            await walk_ins.record_intake(tx, "help_request", row.id, row.beneficiary_id, intake, staff.id, now,
                                         declaration, attachment_id)
            audit(tx, staff.id, "walk_in_recorded", f"request:{reference}", now, channel=intake.channel)
    except BaseException:
        if stored is not None:
            files.discard(stored)
        raise
    log.info("staff %s recorded the walk-in request %s", staff.id, reference)
    return see_other(f"/admin/requests/{reference}?done=walk_in")



def _complaint_page(request: web.Request, values: dict, problems: list[Problem], status: int = 200) -> web.Response:
    kinds = [(k, label(request, "walkin_kind", k)) for k in walk_ins.COMPLAINT_KINDS]
    form = post_form(
        request,
        COMPLAINT,
        intake_section(request, values),
        el("section", el("h2", t(request, "walkin_complaint_what")),
           text_field(request, "national_id", values, required=True, inputmode="numeric", dir="ltr", maxlength="20"),
           choice_field(request, "kind", kinds, values),
           field(t(request, "walkin_text"), el("textarea", values.get("text", ""), name="text", rows="5",
                                               maxlength="2000", required=True))),
        button=t(request, "walkin_complaint_submit"),
    )  # fmt: skip
    return layout(request, t(request, "walkin_complaint_title"), _problems(request, problems), form, status=status)


@requires(*ENTERERS)
async def complaint_form(request: web.Request) -> web.Response:
    """The empty form for a complaint or suggestion received by phone, letter, in person or by a representative."""
    return _complaint_page(request, {}, [])


@requires(*ENTERERS)
async def record_complaint(request: web.Request) -> web.Response:
    """File it for the person with that national ID (created if new), due like one from the chat; its replies
    reach the person's most recent chat if they have one."""
    form, engine, staff = request[FORM], request.app[ENGINE], request[SIGNED].staff
    values = {k: v for k, v in form.fields.items() if k != "csrf"}
    intake, problems = walk_ins.check_intake(form.fields, walk_ins.intake_channels(engine.profile))
    checked = walk_ins.check_complaint(form.fields)
    problems += checked.problems
    if problems:
        return _complaint_page(request, values, problems, status=400)
    now, reference = engine.clock(), references.of(checked.values["kind"], engine.references())
    async with engine.sessions() as tx, tx.begin():
        row = await walk_ins.file_complaint(tx, request.app[KEYRING], engine.profile, form=checked.values,
                                            intake=intake, reference=reference, language=lang_of(request), now=now)
        await walk_ins.record_intake(tx, "complaint", row.id, row.beneficiary_id, intake, staff.id, now)
        audit(tx, staff.id, "walk_in_complaint", f"complaint:{reference}", now, channel=intake.channel)
    return see_other(f"/admin/complaints/{reference}?done=walk_in")
