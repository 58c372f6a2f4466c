"""Every console page, in Arabic and in English, with data in every state: no visible text looks like an
identifier (snake_case, `key: value`, raw structures, None/True/False, ISO timestamps, raw enum values)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from sqlalchemy import select
from yarl import URL

from handlers.admin.audit import audit
from handlers.admin.staff import create_staff
from store.models import (
    AuditLog,
    Beneficiary,
    BeneficiaryImport,
    Broadcast,
    ChannelIdentity,
    HandoffRequest,
    OutboxMessage,
    Program,
    Rating,
    ReadyAnswer,
    Registration,
)  # fmt: skip
from tests.test_console_complaints import seed_complaint
from tests.test_console_programs import seed_program, seed_signup
from tests.test_console_support import PASSWORD, Console, fresh_console
from tests.test_edge_params import routes

READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN = ("script", "style", "template", "textarea")  # a textarea holds a form's value, as an input's value does
SKIP = re.compile(r"\.(csv|xlsx)$|/files/|/logout$|/static/")
ENUMS = {  # values the code stores that only a label should ever show
    "submitted", "needs_info", "accepted", "rejected", "delivered", "open", "closed", "answered", "resolved",
    "pending", "waitlisted", "interested", "requested", "draft", "published", "cancelled", "scheduled", "sending",
    "done", "in_person", "remote", "registration", "volunteer", "service", "staff", "research_officer",
    "inquiry", "menu", "food", "bukayriyah", "citizen", "resident", "low", "web", "telegram", "whatsapp",
    "complaint", "suggestion", "admin", "researcher", "coordinator", "viewer", "failed", "photo", "letters",
    "help_request", "handoff", "prompted", "expired", "not_sent", "phone", "letter", "representative", "upload",
}  # fmt: skip
LOOKS_RAW = (
    ("snake_case", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
    ("key:value", re.compile(r"(?<![\w/.@-])(?!https?:|mailto:|tel:)[a-z][a-z0-9_]*:[\w\"'{\[]")),
    ("key: value", re.compile(r"(?:^|[·|,\n])\s*[a-z][a-z0-9_]*\s?:\s", re.MULTILINE)),
    ("raw structure", re.compile(r"[{}\[\]]")),
    ("a Python or JSON literal", re.compile(r"\b(?:None|True|False|null|undefined|NaN)\b")),
    ("an ISO timestamp", re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")),
)


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


class Visible(HTMLParser):
    """The text a person reads on a page (text nodes, and the attributes read aloud or shown on hover), and
    the console links it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: set[str] = set()
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in HIDDEN:
            self.hidden += 1
        self.texts.extend(a[name] for name in READ_ATTRIBUTES if a.get(name))
        if tag == "a" and a.get("href", "").startswith("/admin"):
            self.links.add(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def offences(texts: list[str], lang: str) -> list[str]:
    """What on a page reads like an identifier, each with its rule."""
    found = []
    for text in texts:
        for rule, pattern in LOOKS_RAW:
            found.extend(f"{rule}: {m.group(0)!r} in {text[:100]!r}" for m in pattern.finditer(text))
        for line in text.splitlines():
            words = re.findall(r"(?<![\w-])[A-Za-z_]+(?![\w-])", line)
            mixed = lang == "ar" and re.search("[\u0600-\u06ff]", line)  # a raw value among Arabic words
            raw = [w for w in words if w in ENUMS and (mixed or text == w)]
            found.extend(f"raw value: {w!r} in {line[:100]!r}" for w in raw)
    return found


AUDITED = [  # (action, subject, detail) as each writer in the code stores them
    ("view", "whatsapp_templates", {}), ("view", "undelivered", {"shown": 3}),
    ("walk_in_recorded", "request:R-WALK01", {"channel": "in_person"}),
    ("walk_in_complaint", "complaint:C-WALK01", {"channel": "phone"}),
    ("login_failed", "login:nobody", {"reason": "unknown_user"}), ("login_failed", "staff:1", {"reason": "password"}),
    ("login_failed", "staff:1", {"reason": "inactive"}), ("login_failed", "staff:99", {"reason": "password"}),
    ("login", "staff:1", {}), ("logout", "staff:1", {}),
    ("password_change_refused", "staff:1", {}), ("password_changed", "staff:1", {"sessions_ended": 2}),
    ("complaint_replied", "complaint:C-000001", {"status": "answered"}),
    ("complaint_resolved", "complaint:C-000001", {"status": "resolved"}),
    ("view", "complaint:C-000001", {}), ("view", "handoff:H-000001", {}), ("view", "beneficiary:1", {}),
    ("assign", "handoff:H-000001", {"to": 1}), ("assign", "handoff:H-000001", {"to": None}),
    ("reply", "handoff:H-000001", {}), ("close", "handoff:H-000001", {}),
    ("note", "request:R-7K3P9Q", {"status": "submitted"}), ("info", "request:R-7K3P9Q", {"status": "needs_info"}),
    ("accept", "request:R-7K3P9Q", {"status": "accepted"}), ("reject", "request:R-7K3P9Q", {"status": "rejected"}),
    ("deliver", "request:R-7K3P9Q", {"status": "delivered"}),
    ("broadcast_cancelled", "broadcast:1", {"was": "scheduled", "messages": 0}),
    ("broadcast_cancelled", "broadcast:1", {"was": "sending", "messages": 12}),
    ("staff_created", "staff:2", {"role": "researcher"}),
    ("beneficiary_merge", "beneficiary:1", {"merged": 2, "moved": {"helprequest": 1}, "stayed": {}}),
    ("beneficiaries_exported", "beneficiaries", {"format": "csv", "rows": 3}),
    ("requests_exported", "requests", {"format": "xlsx", "rows": 18}),
    ("settings_changed", "settings:working_hours", {"section": "working_hours", "changed": ["days", "opens"]}),
    ("settings_changed", "faq:apply_help", {"section": "faq", "change": "faq_saved", "question": "كيف أقدم؟"}),
    ("settings_reviewed", "settings:review", {}),
    ("complaints_exported", "complaints", {"format": "csv", "rows": 2}),
    ("desk_signup", "registration:1", {"program_id": 1, "channel": "phone", "status": "waitlisted"}),
    ("waitlist_promoted", "registration:1", {"program_id": 1}),
    ("registration_accept", "registration:1", {"program_id": 1}),
    ("registration_reject", "registration:1", {"program_id": 1}),
    ("registration_deliver", "registration:1", {"program_id": 1}),
    ("file_view", "file:1", {"request": 1, "complaint": None}), ("download", "file:1", {"request": None}),
    ("download", "request:R-7K3P9Q", {"attachment": 1}),
    ("program_created", "program:1", {"kind": "registration"}),
    ("program_edited", "program:1", {"fields": ["title_ar", "starts_at", "capacity"]}),
    ("program_published", "program:1", {}), ("program_cancelled", "program:1", {"was": "published", "told": 3}),
    ("attendance_marked", "program:1", {"marked": 2, "cleared": 1}),
    ("attendance_exported", "program:1", {"format": "xlsx", "rows": 4}),
    ("beneficiary_import_previewed", "import:1", {"rows": 5, "refused": 1}),
    ("beneficiary_import", "import:1", {"imported": 4, "refused": 1}),
    ("import_refused_exported", "import:1", {"format": "csv"}),
    ("broadcast_created", "broadcast:1", {"program_id": 1, "audience": {"cities": ["bukayriyah"], "channels": ["whatsapp"]},
                                           "send_at": "2026-11-25T08:00:00+00:00"}),
    ("lead_time_override", "broadcast:1", {"reason": "تغيّر موعد القاعة"}),
    ("report_exported", "report:monthly", {"format": "csv"}),
    ("staff_role_changed", "staff:2", {"before": "viewer", "after": "researcher"}),
    ("staff_disabled", "staff:2", {"sessions_ended": 1}), ("staff_enabled", "staff:2", {}),
    ("staff_password_reset", "staff:2", {"sessions_ended": 0}),
    ("send_again", "outbox:1", {"about": "request:R-7K3P9Q"}), ("send_elsewhere", "outbox:1", {"about": ""}),
    ("told_by_phone", "outbox:1", {"about": "broadcast:1"}),
    ("ready_answer_added", "ready_answer:1", {}), ("ready_answer_removed", "ready_answer:1", {}),
    ("link_rate_limited", "beneficiary:1", {"number": "+9665•••••567"}),
    ("link_code_issued", "beneficiary:1", {"number": "+9665•••••567", "sent_to": "whatsapp"}),
    ("link_expired", "beneficiary:1", {"number": "+9665•••••567"}),
    ("link_code_failed", "beneficiary:1", {"number": "+9665•••••567", "attempts_left": 2}),
    ("link_locked", "beneficiary:1", {"number": "+9665•••••567"}),
    ("link_succeeded", "beneficiary:1", {"number": "+9665•••••567", "into": "beneficiary:3", "merged": True}),
    ("beneficiary_export", "beneficiary:1", {}), ("beneficiary_erase", "beneficiary:1", {"kept": ["R-DELIV1"]}),
]  # fmt: skip


async def seed_every_state(console: Console) -> None:
    """Requests in each status, a program with sign-ups, a complaint with a thread, live chats, broadcasts,
    ratings, an undelivered message, an import batch, staff of each role and an audit row of every kind."""
    now = console.clock.now
    await console.request("R-7K3P9Q", status="submitted")
    for reference, status in (("R-NEEDS1", "needs_info"), ("R-ACCEP1", "accepted"), ("R-REJEC1", "rejected"),
                              ("R-DELIV1", "delivered")):  # fmt: skip
        await console.request(reference, status=status, due_in=timedelta(days=-2))
    await console.handoff("H-000001", created=now - timedelta(hours=1), due=now + timedelta(hours=3))
    await console.handoff(
        "H-000002", created=now - timedelta(days=2), due=now - timedelta(days=1), status="closed"
    )
    await console.handoff("H-000003", created=now - timedelta(hours=2), due=now + timedelta(hours=2))
    await seed_complaint(console, "C-000001")
    await seed_complaint(console, "C-000002", kind="suggestion", status="resolved")
    program = await seed_program(console)
    await seed_program(console, kind="open", status="draft", title_ar="ملتقى الأسرة")
    await seed_program(console, kind="volunteer", status="cancelled", starts_in=timedelta(days=-3))
    for status in ("pending", "accepted", "rejected", "waitlisted"):
        await seed_signup(console, program.id, status, "سارة")
    names = {"admin": "مها", "researcher": "سارة", "coordinator": "Noura", "viewer": "Huda"}
    staff = {
        r: await create_staff(console.sessions, f"user{i}", PASSWORD, r, n)
        for i, (r, n) in enumerate(names.items())
    }
    async with console.sessions() as tx, tx.begin():
        someone = (await console.all(Beneficiary))[0]
        for reference, reason in (("H-000001", "staff"), ("H-000003", "research_officer")):
            (
                await tx.scalars(select(HandoffRequest).where(HandoffRequest.reference == reference))
            ).one().reason = reason
        signed_up = await tx.get(Program, program.id)
        signed_up.conditions = [
            {"key": "age_min", "value": 18},
            {"key": "city", "value": ["bukayriyah"]},
            {"key": "gender", "value": "f"},
            {"key": "residency", "value": ["citizen"]},
            {"key": "question", "ar": "هل لديك حاسب؟", "en": "Do you have a computer?", "expect": "yes"},
        ]
        for row in (await tx.scalars(select(Registration))).all():
            row.answers = {
                "city": "bukayriyah",
                "age": 34,
                "gender": "f",
                "residency": "citizen",
                "question_4": "yes",
            }
        tx.add(ChannelIdentity(channel="whatsapp", external_id="+966500000009", beneficiary_id=someone.id))
        for status in ("scheduled", "sending", "done", "cancelled"):
            tx.add(Broadcast(text_ar="نص الإعلان", text_en="The announcement", status=status, send_at=now,
                             audience={"cities": ["bukayriyah"], "channels": ["whatsapp"]}, created_at=now))  # fmt: skip
        for score, status in ((5, "answered"), (1, "answered"), (None, "prompted"), (None, "expired")):
            tx.add(Rating(beneficiary_id=someone.id, conversation_key="web:x", channel="web", service_kind="handoff",
                          service_ref="H-000002", status=status, score=score, comment="شكراً" if score else "",
                          created_at=now - timedelta(days=1), answered_at=now if score else None))  # fmt: skip
            someone = Beneficiary(display_name="Rater", language="en")
            tx.add(someone)
            await tx.flush()
        tx.add(OutboxMessage(channel="whatsapp", recipient="+966500000009", conversation_key="whatsapp:+966500000009",
                             payload={"text": "x"}, status="failed", error="63016", subject="request:R-ACCEP1",
                             created_at=now - timedelta(hours=2)))  # fmt: skip
        tx.add(BeneficiaryImport(staff_id=staff["admin"].id, file_name="list.csv", content_enc="x", status="imported",
                                 imported=4, created_at=now, imported_at=now))  # fmt: skip
        tx.add(ReadyAnswer(language="ar", title="ترحيب", text="أهلاً بك", created_by=staff["admin"].id))
        for action, subject, detail in AUDITED:
            audit(tx, staff["researcher"].id, action, subject, now, **detail)
        tx.add(AuditLog(at=now, staff_id=None, action="link_code_issued", subject="beneficiary:1", detail={}))


async def test_no_console_page_shows_an_identifier_in_either_language(db_url, tmp_path, monkeypatch, clock):
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as console:
        await seed_every_state(console)
        assert (await console.login("user0")).status == 303
        queue = ["/admin/mine", *(f"/admin/{p}" for p in ("requests", "inbox", "programs", "broadcasts",
                 "complaints", "reports", "digest", "undelivered", "audit", "staff", "beneficiaries", "languages",
                 "ready-answers", "whatsapp-templates", "account", "walk-ins/new", "walk-ins/complaint",
                 "programs/new", "broadcasts/new", "beneficiaries/import", "beneficiaries/import/1",
                 "reports/monthly", "requests?status=needs_info", "beneficiaries/merge?keep=1&drop=2"))]  # fmt: skip
        seen, problems = set(queue), []
        while queue:
            path = queue.pop(0)
            for lang in ("ar", "en"):
                url = URL(path).update_query(lang=lang)
                response = await console.client.get(url, allow_redirects=False)
                assert response.status < 500, (path, response.status)
                if response.content_type != "text/html":
                    continue
                page = Visible()
                page.feed(await response.text())
                texts = page.texts
                if path.startswith("/admin/settings/texts"):  # the placeholders staff must keep, named as typed
                    texts = [PLACEHOLDER.sub("", text) for text in texts]
                problems.extend(f"{url}: {o}" for o in offences(texts, lang))
                for link in page.links:
                    bare = str(URL(link).without_query_params("lang"))
                    if bare not in seen and not SKIP.search(URL(link).path) and len(seen) < 400:
                        seen.add(bare)
                        queue.append(bare)
        pages = [f for method, f in routes(console.app) if method == "GET" and f.startswith("/admin")]
        reached = {URL(u).path for u in seen}
        missed = [
            f
            for f in pages
            if not SKIP.search(f)
            and f not in ("/admin", "/admin/", "/admin/login", "/admin/counts")
            and not any(re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(f)), p) for p in reached)
        ]
        assert len(pages) > 30 and missed == [], "console pages the crawl did not reach"
        assert problems == [], f"{len(problems)} identifiers on pages:\n" + "\n".join(sorted(set(problems)))


EMPTY = {  # a page with nothing in it yet, and what it says would be there
    "/admin/requests?status=rejected": "لا توجد طلبات دعم تطابق هذا العرض.",
    "/admin/inbox": "لا توجد محادثات مباشرة في هذا العرض؛ لا أحد ينتظر الموظفين.",
    "/admin/complaints": "لا توجد شكاوى أو اقتراحات تطابق هذا العرض.",
    "/admin/programs": "لا توجد برامج أو خدمات بعد.",
    "/admin/broadcasts": "لا توجد إعلانات بعد.",
    "/admin/undelivered": "وصلت الرسائل كلها؛ لا توجد رسالة تنتظر الموظفين.",
    "/admin/ready-answers": "لا توجد ردود جاهزة بعد.",
    "/admin/digest": "لا يوجد طلب دعم تجاوز موعد قراره.",
    "/admin/requests/R-7K3P9Q": "لا توجد مستندات أو ملفات مرفقة بعد.",
}


async def test_an_empty_section_says_what_would_be_there(db_url, tmp_path, monkeypatch, clock):
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as console:
        await console.request("R-7K3P9Q")
        await console.signed_in_as("admin")
        for path, said in EMPTY.items():
            page = await (await console.client.get(path)).text()
            assert said in page and "لا يوجد شيء هنا" not in page, path
