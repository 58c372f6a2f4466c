"""/admin/programs/{id}/desk: staff sign up someone who came in person, phoned, wrote or was brought by a branch
representative, with the answers the program's conditions need; the rules are the chat's (store/desk_signups.py);
this page parses and renders."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations import help_rules
from conversations.programs_common import condition_text
from conversations.programs_rules import questions
from conversations.types import Context
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import SIGNED, Html, el, field, lang_of, layout, post_form, problem, see_other, t
from handlers.admin.programs import page_of, program_id, title_of
from handlers.admin.signup_answers import rule_question
from handlers.admin.walk_ins import ENTERERS, choice_field, intake_section, text_field
from store import desk_signups
from store.models import Program
from store.walk_ins import Problem, check_intake, intake_channels

WALK_IN_FIELDS = ("channel", "rep_name", "rep_office", "full_name", "national_id", "phone")  # named as walk-ins name them


def _chat(request: web.Request) -> Context:
    """The chat's own wording of conditions and answers, in the staff member's language."""
    engine = request.app[ENGINE]
    return Context(profile=engine.profile, texts=engine.texts, faq=engine.faq, now=engine.clock(), channel="web",
                   reference="")  # fmt: skip


def _chat_text(request: web.Request, key: str, **params: object) -> str:
    return request.app[ENGINE].texts(lang_of(request), key, **params)


def _question(request: web.Request, program: Program, key: str) -> str:
    """How the page asks for one answer: the program's own question, else the field's name."""
    if key.startswith("rule_"):
        return rule_question(request, key)
    if key.startswith("question_"):
        condition = program.conditions[int(key.removeprefix("question_"))]
        return condition.get("en" if lang_of(request) == "en" else "ar") or condition.get("ar", "")
    return t(request, f"desk_answer_{key}")


def _options(request: web.Request, key: str) -> list[tuple[str, str]]:
    engine, lang = request.app[ENGINE], lang_of(request)
    if key == "gender":
        return [(g, _chat_text(request, f"prog_gender_{g}")) for g in desk_signups.GENDERS]
    if key == "city":
        return [(c.key, c.name.get(lang)) for c in engine.profile.service_area] + [
            (help_rules.OTHER_CITY, _chat_text(request, "help_city_other"))
        ]
    if key == "residency":
        return [(r, _chat_text(request, f"help_residency_{r}")) for r in help_rules.RESIDENCIES]
    return [(a, _chat_text(request, f"prog_{a}")) for a in desk_signups.ANSWERS]


def _answers(request: web.Request, program: Program, values: dict) -> Html | None:
    if program.kind != "registration" or not program.conditions:
        return None
    ctx, data = _chat(request), {"lang": lang_of(request)}
    conditions = el("ul", *(el("li", condition_text(ctx, data, c)) for c in program.conditions))
    asked = []
    for key in questions(program.conditions):
        name, caption = f"answer_{key}", _question(request, program, key)
        if key == "age":
            asked.append(field(caption, el("input", name=name, value=values.get(name, ""), inputmode="numeric",
                                            maxlength="10", required=True)))  # fmt: skip
        else:
            asked.append(choice_field(request, name, _options(request, key), values, caption=caption))
    return el("section", el("h2", t(request, "desk_conditions")), conditions, *asked)


def _problems(request: web.Request, program: Program, problems: list[Problem], unmet: dict | None) -> Html | None:
    if not problems:
        return None
    items = []
    for p in problems:
        if p.key == "desk_error_unmet" and unmet is not None:
            said = t(request, p.key, condition=condition_text(_chat(request), {"lang": lang_of(request)}, unmet))
        else:
            said = _chat_text(request, p.key) if p.chat else t(request, p.key)
        where = p.field.removeprefix("answer_")
        if p.field.startswith("answer_"):
            caption = _question(request, program, where)
        else:
            caption = t(request, f"walkin_{p.field}" if p.field in WALK_IN_FIELDS else f"desk_{p.field}")
        items.append(el("li", el("strong", caption), " — ", said))
    return el("ul", *items, class_="notice", role="alert")


def _page(request: web.Request, program: Program, values: dict, problems: list[Problem], unmet: dict | None = None,
          status: int = 200) -> web.Response:  # fmt: skip
    action = f"{page_of(program.id)}/desk"
    how = intake_section(request, values)
    person = el(
        "section",
        el("h2", t(request, "walkin_person")),
        text_field(request, "full_name", values, required=True, maxlength="100", dir="auto"),
        text_field(request, "national_id", values, required=True, inputmode="numeric", dir="ltr", maxlength="20"),
        text_field(request, "phone", values, required=True, inputmode="tel", dir="ltr", maxlength="20"),
    )
    note = None
    if program.kind in desk_signups.STATUS:
        note = field(t(request, f"desk_note_{program.kind}"),
                     el("textarea", values.get("note", ""), name="note", rows="3", maxlength="500", required=True))
    form = post_form(request, action, how, person, _answers(request, program, values), note,
                     button=t(request, "desk_submit"))  # fmt: skip
    intro = el("p", t(request, "desk_intro"), class_="hint")
    back = el("p", el("a", t(request, "desk_back"), href=page_of(program.id)))
    title = t(request, "desk_title", program=title_of(request, program))
    return layout(request, title, back, intro, _problems(request, program, problems, unmet), form, status=status)


async def _program(request: web.Request) -> Program | None:
    async with request.app[ENGINE].sessions() as tx:
        return await tx.get(Program, program_id(request))


@requires(*ENTERERS)
async def desk_form(request: web.Request) -> web.Response:
    """The empty form, or why this program takes no sign-ups now."""
    program = await _program(request)
    if program is None:
        return problem(request, 404, "error_not_found", back="/admin/programs")
    closed = desk_signups.check({}, program, request.app[ENGINE].profile, request.app[ENGINE].clock()).problems
    if closed and closed[0].field == "program":
        return _page(request, program, {}, closed, status=409)
    return _page(request, program, {}, [])


@requires(*ENTERERS)
async def desk_record(request: web.Request) -> web.Response:
    """Every problem at once with the form kept; else the sign-up, its intake and the audit in one transaction,
    and back to the program's page saying it is done."""
    form, engine, staff = request[FORM], request.app[ENGINE], request[SIGNED].staff
    program = await _program(request)
    if program is None:
        return problem(request, 404, "error_not_found", back="/admin/programs")
    values = {k: v for k, v in form.fields.items() if k != "csrf"}
    intake, problems = check_intake(form.fields, intake_channels(engine.profile))
    checked = desk_signups.check(form.fields, program, engine.profile, engine.clock())
    problems += checked.problems
    if problems or intake is None:
        return _page(request, program, values, problems, checked.unmet, status=400)
    now = engine.clock()
    try:
        async with engine.sessions() as tx, tx.begin():
            row = await desk_signups.sign_up(tx, request.app[KEYRING], program.id, checked, intake, staff.id,
                                             lang_of(request), now)  # fmt: skip
            audit(tx, staff.id, "desk_signup", f"registration:{row.id}", now, program_id=program.id,
                  channel=intake.channel, status=row.status)  # fmt: skip
    except desk_signups.AlreadySignedUp:
        return _page(request, program, values, [Problem("national_id", "desk_error_already")], status=409)
    return see_other(f"{page_of(program.id)}?done=desk_signup")
