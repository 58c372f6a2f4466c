"""The association's icon in the browser tab: one small SVG, linked from the web chat and every console page."""

from __future__ import annotations

from tests.test_console_support import fresh_console, sqlite_url


async def test_the_chat_and_the_console_show_the_icon(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as console:
        link = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        assert link in await (await console.client.get("/")).text()
        assert link in await (await console.client.get("/admin/login")).text()
        await console.signed_in_as("viewer")
        assert link in await (await console.client.get("/admin/requests")).text()
        icon = await console.client.get("/static/favicon.svg")
        assert icon.status == 200 and icon.content_type == "image/svg+xml"
        assert (await icon.text()).startswith("<svg") and len(await icon.read()) < 2048
