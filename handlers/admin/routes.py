"""The console's URL map on one screen; `setup_admin_routes(app)` is called from bot/routes.py."""

from __future__ import annotations

from aiohttp import web

from handlers.admin import (
    account,
    actions,
    attachments,
    attendance,
    audit,
    auth,
    beneficiaries,
    beneficiary_import,
    broadcast_compose,
    broadcasts,
    complaints,
    delivery,
    desk_signups,
    digest,
    files,
    inbox,
    languages_page,
    merge,
    person_page,
    programs,
    ready_answers,
    registrations,
    reports,
    request_page,
    requests,
    settings_faq,
    settings_page,
    settings_texts,
    staff_pages,
    wa_templates,
    walk_ins,
    workload,
)
from handlers.admin.pages import STATIC
from handlers.admin.throttle import THROTTLE, LoginThrottle


async def home(_request: web.Request) -> web.Response:
    """/admin: the queue (which asks for a sign-in first when needed)."""
    return web.Response(status=303, headers={"Location": "/admin/requests"})


PROGRAM = r"/admin/programs/{program_id:\d{1,9}}"  # ids an INTEGER column holds (handlers/bounds.py)
BROADCAST = r"/admin/broadcasts/{broadcast_id:\d{1,9}}"
STAFF = r"/admin/staff/{staff_id:\d{1,9}}"


def _staff_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/staff", staff_pages.staff_list)
    router.add_post("/admin/staff", staff_pages.create)
    router.add_get(STAFF, staff_pages.staff_page)
    router.add_post(f"{STAFF}/role", staff_pages.change_role)
    router.add_post(f"{STAFF}/reset", staff_pages.reset)
    router.add_get(f"{STAFF}/disable", staff_pages.confirm_disable)
    router.add_post(f"{STAFF}/disable", staff_pages.disable)
    router.add_post(f"{STAFF}/enable", staff_pages.enable)
    router.add_get("/admin/walk-ins/new", walk_ins.new_page)
    router.add_post("/admin/walk-ins/new", walk_ins.record)
    router.add_get("/admin/walk-ins/complaint", walk_ins.complaint_form)
    router.add_post("/admin/walk-ins/complaint", walk_ins.record_complaint)
    router.add_get("/admin/account", account.account_page)
    router.add_post("/admin/account/password", account.change_password)


def _program_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/programs", programs.program_list)
    router.add_get("/admin/programs/new", programs.new_program)
    router.add_post("/admin/programs/new", programs.create_program)
    router.add_get(PROGRAM, registrations.program_page)
    router.add_get(f"{PROGRAM}/edit", programs.edit_program)
    router.add_post(f"{PROGRAM}/edit", programs.update_program)
    router.add_post(f"{PROGRAM}/publish", programs.publish_program)
    router.add_post(f"{PROGRAM}/cancel", programs.cancel_program)
    router.add_post(f"{PROGRAM}/registrations", registrations.decide)
    router.add_get(f"{PROGRAM}/desk", desk_signups.desk_form)
    router.add_post(f"{PROGRAM}/desk", desk_signups.desk_record)
    router.add_post(f"{PROGRAM}/attendance", attendance.mark)
    router.add_get(f"{PROGRAM}/attendance.csv", attendance.export_csv)
    router.add_get(f"{PROGRAM}/attendance.xlsx", attendance.export_xlsx)


def _broadcast_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/broadcasts", broadcasts.broadcast_list)
    router.add_get("/admin/broadcasts/new", broadcast_compose.compose_page)
    router.add_post("/admin/broadcasts/new", broadcast_compose.compose_post)
    router.add_get(BROADCAST, broadcasts.progress)
    router.add_post(f"{BROADCAST}/cancel", broadcasts.cancel)


def _oversight_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/complaints", complaints.complaint_list)
    router.add_get("/admin/complaints.csv", complaints.export_csv)
    router.add_get("/admin/complaints.xlsx", complaints.export_xlsx)
    router.add_get("/admin/complaints/{reference}", complaints.complaint_page)
    router.add_post("/admin/complaints/{reference}/reply", complaints.reply)
    router.add_post("/admin/complaints/{reference}/resolve", complaints.resolve)
    router.add_get("/admin/reports", reports.reports_page)
    router.add_get("/admin/reports/monthly", reports.monthly_page)
    router.add_get("/admin/reports.csv", reports.export_csv)
    router.add_get("/admin/reports.xlsx", reports.export_xlsx)
    router.add_get("/admin/digest", digest.digest_page)
    router.add_get("/admin/undelivered", delivery.undelivered_page)
    router.add_post(r"/admin/undelivered/{row_id:\d{1,9}}/again", delivery.send_again)
    router.add_post(r"/admin/undelivered/{row_id:\d{1,9}}/elsewhere", delivery.send_elsewhere)
    router.add_post(r"/admin/undelivered/{row_id:\d{1,9}}/phone", delivery.told_by_phone)
    router.add_get("/admin/whatsapp-templates", wa_templates.templates_page)
    router.add_get("/admin/languages", languages_page.languages_page)


FAQ = r"/admin/settings/faq/{key:[a-z][a-z0-9_]{0,39}}"


def _settings_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/settings", settings_page.settings_page)
    router.add_post("/admin/settings/review", settings_page.mark_reviewed)
    router.add_post("/admin/settings/hours", settings_page.save_hours)
    router.add_post("/admin/settings/periods", settings_page.save_periods)
    router.add_post("/admin/settings/contact", settings_page.save_contact)
    router.add_post("/admin/settings/holidays", settings_page.add_holiday)
    router.add_post(r"/admin/settings/holidays/{index:\d{1,3}}/remove", settings_page.remove_holiday)
    router.add_get("/admin/settings/texts", settings_texts.texts_page)
    router.add_post("/admin/settings/texts", settings_texts.save_texts)
    router.add_get("/admin/settings/faq/new", settings_faq.new_entry)
    router.add_post("/admin/settings/faq/new", settings_faq.create_entry)
    router.add_get(FAQ, settings_faq.edit_entry)
    router.add_post(FAQ, settings_faq.update_entry)
    router.add_post(f"{FAQ}/retire", settings_faq.retire_entry)


IMPORT = r"/admin/beneficiaries/import/{batch_id:\d{1,9}}"


def _beneficiary_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/beneficiaries", beneficiaries.beneficiary_list)
    router.add_get("/admin/beneficiaries.csv", beneficiaries.export_csv)
    router.add_get("/admin/beneficiaries.xlsx", beneficiaries.export_xlsx)
    router.add_get(r"/admin/beneficiaries/{person_id:\d{1,9}}", person_page.person_page)
    router.add_get("/admin/beneficiaries/import", beneficiary_import.import_page)
    router.add_post("/admin/beneficiaries/import", beneficiary_import.preview)
    router.add_get(IMPORT, beneficiary_import.result)
    router.add_post(IMPORT, beneficiary_import.confirm)
    router.add_get(f"{IMPORT}/refused.csv", beneficiary_import.refused_csv)
    router.add_get(f"{IMPORT}/refused.xlsx", beneficiary_import.refused_xlsx)


def setup_admin_routes(app: web.Application) -> None:
    app[THROTTLE] = LoginThrottle()  # sign-in failures of this process
    router = app.router
    router.add_get("/admin", home)
    router.add_get("/admin/", home)
    router.add_get("/admin/login", auth.login_page)
    router.add_post("/admin/login", auth.login)
    router.add_post("/admin/logout", auth.logout)
    router.add_get("/admin/requests", requests.queue)
    router.add_get("/admin/requests.csv", requests.export_csv)
    router.add_get("/admin/requests.xlsx", requests.export_xlsx)
    router.add_get("/admin/requests/{reference}", request_page.request_page)
    router.add_post("/admin/requests/{reference}/note", actions.add_note)
    router.add_post("/admin/requests/{reference}/info", actions.ask_info)
    router.add_post("/admin/requests/{reference}/accept", actions.accept)
    router.add_post("/admin/requests/{reference}/reject", actions.reject)
    router.add_post("/admin/requests/{reference}/deliver", actions.deliver)
    router.add_get(r"/admin/requests/{reference}/files/{attachment_id:\d{1,9}}", files.download)
    router.add_get(r"/admin/files/{attachment_id:\d{1,9}}/{name}", attachments.serve)
    router.add_get("/admin/inbox", inbox.inbox)
    router.add_get("/admin/inbox/{reference}", inbox.conversation)
    router.add_post("/admin/inbox/{reference}/reply", inbox.reply)
    router.add_post("/admin/inbox/{reference}/close", inbox.close)
    router.add_post("/admin/inbox/{reference}/assign", inbox.assign)
    router.add_get("/admin/ready-answers", ready_answers.ready_answers_page)
    router.add_post("/admin/ready-answers", ready_answers.add_ready_answer)
    router.add_post(r"/admin/ready-answers/{answer_id:\d{1,9}}/remove", ready_answers.remove_ready_answer)
    router.add_get("/admin/counts", workload.counts)
    router.add_get("/admin/mine", workload.my_work)
    router.add_get("/admin/audit", audit.audit_page)
    router.add_get("/admin/beneficiaries/merge", merge.compare_page)
    router.add_post("/admin/beneficiaries/merge", merge.confirm)
    _beneficiary_routes(router)
    _staff_routes(router)
    _program_routes(router)
    _broadcast_routes(router)
    _oversight_routes(router)
    _settings_routes(router)
    router.add_static("/admin/static/", STATIC, name="admin-static")
