"""store/paging.py, store/request_queue.py and store/complaint_list.py on SQLite and PostgreSQL: every row
reachable page by page (no silent cap), filters and orders applied, a page beyond the last is the last."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, strategies as st

from store import complaint_list, request_queue
from store.models import Beneficiary, Complaint, HelpRequest
from store.paging import PAGE_LIMIT, page_number


@given(st.text(max_size=30))
def test_any_page_typed_is_a_page_within_bounds(typed):
    page = page_number(typed)
    assert 1 <= page < 10**7
    if typed.isascii() and typed.isdigit() and 0 < int(typed) < 10**7:
        assert page == int(typed)
    assert page_number("٣") == 3 and page_number("0") == page_number("-2") == page_number("²") == 1
    assert PAGE_LIMIT >= 10**6


async def seed(sessions, clock, requests: int, complaints: int) -> None:
    async with sessions() as tx, tx.begin():
        person = Beneficiary()
        tx.add(person)
        await tx.flush()
        for n in range(requests):
            tx.add(HelpRequest(
                reference=f"H-{n:06d}", beneficiary_id=person.id, conversation_key="web:x", channel="web",
                status=("submitted", "accepted", "rejected")[n % 3], category=("food", "rent")[n % 2],
                city="bukayriyah", residency="citizen", household_size=3, income_bracket="low", description="—",
                phone="+966500000001", full_name_enc="-", national_id_enc="-", submitted_at=clock.now + timedelta(minutes=n),
                due_at=clock.now + timedelta(days=14, minutes=-n),
            ))  # fmt: skip
        for n in range(complaints):
            tx.add(Complaint(reference=f"C-{n:06d}", beneficiary_id=person.id, conversation_key="web:x",
                             channel="web", kind=("complaint", "suggestion")[n % 2], text="—",
                             due_at=clock.now + timedelta(days=5), created_at=clock.now + timedelta(minutes=n)))


async def test_every_request_is_reachable_page_by_page_in_the_chosen_order(sessions, clock):
    await seed(sessions, clock, requests=120, complaints=0)
    async with sessions() as tx:
        default = request_queue.Chosen()
        seen = []
        for page in (1, 2, 3):
            found = await request_queue.page_of(tx, default, page)
            assert (found.total, found.pages, found.page) == (120, 3, page)
            seen += [r.reference for r in found.rows]
        assert seen == [f"H-{n:06d}" for n in reversed(range(120))]  # the soonest deadline first
        beyond = await request_queue.page_of(tx, default, 99)
        assert beyond.page == 3 and len(beyond.rows) == 20
        chosen = request_queue.Chosen(status="accepted", category="food", sort="reference", descending=True)
        found = await request_queue.page_of(tx, chosen, 1)
        expected = [f"H-{n:06d}" for n in reversed(range(120)) if n % 3 == 1 and n % 2 == 0]
        assert [r.reference for r in found.rows] == expected and found.total == len(expected)
        assert [r.reference for r in await request_queue.every(tx, chosen)] == expected


async def test_complaints_newest_first_by_kind_every_page(sessions, clock):
    await seed(sessions, clock, requests=0, complaints=61)
    async with sessions() as tx:
        first = await complaint_list.page_of(tx, complaint_list.Chosen(), 1)
        assert (first.total, first.pages, first.rows[0].reference) == (61, 2, "C-000060")
        last = await complaint_list.page_of(tx, complaint_list.Chosen(), 2)
        assert [r.reference for r in last.rows] == [f"C-{n:06d}" for n in reversed(range(11))]
        ideas = complaint_list.Chosen(kind="suggestion", sort="reference", descending=False)
        assert [r.reference for r in await complaint_list.every(tx, ideas)] == [f"C-{n:06d}" for n in range(1, 61, 2)]
