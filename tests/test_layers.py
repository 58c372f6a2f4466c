"""The conversations are the domain: nothing under `conversations/` imports the bot's host, the console or the
store (the profile's schema lives with them), so that a flow can be read, tested and reused on its own."""

from __future__ import annotations

import ast
from pathlib import Path

CONVERSATIONS = Path(__file__).resolve().parents[1] / "conversations"
OUTER = ("bot", "handlers", "store")


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports, wherever in it the import is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_conversations_import_nothing_from_the_host_the_console_or_the_store():
    modules = sorted(CONVERSATIONS.glob("*.py"))
    assert len(modules) > 30
    offending = {p.name: sorted(imported(p) & set(OUTER)) for p in modules if imported(p) & set(OUTER)}
    assert offending == {}
