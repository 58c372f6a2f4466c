"""The layers, by what each imports.

The conversations are the domain: nothing under `conversations/` imports the bot's host, the console or the
store (the profile's schema lives with them), so that a flow can be read, tested and reused on its own.

The store keeps the data and the rules the data needs, not the conversation: nothing under `store/` imports
the host or the console, and from `conversations/` only the domain modules — the profile, national IDs,
phones, references, the calendar, the help form's, programs' and complaints' rules (`*_rules.py`)… — never a
flow module. A flow module is one that reaches `conversations/flow.py` (the states, the router), directly or
through another module of the package; a rule the desk shares with the chat lives in a module that does
not."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = ROOT / "conversations"
STORE = ROOT / "store"
OUTER = ("bot", "handlers", "store")


def _imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names imported from it) for every absolute import, wherever in the module it is."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    return {module.split(".")[0] for module, _ in _imports(path)}


def conversation_modules(path: Path) -> set[str]:
    """The modules of `conversations/` a module imports, by name («help_rules»); `from conversations import x`
    too."""
    names = set()
    for module, imported_names in _imports(path):
        parts = module.split(".")
        if parts[0] != "conversations":
            continue
        if len(parts) > 1:
            names.add(parts[1])
        else:
            names |= {n for n in imported_names if (CONVERSATIONS / f"{n}.py").exists()}
    return names


def flow_modules() -> set[str]:
    """The modules of `conversations/` that reach flow.py, directly or through others of the package."""
    direct = {p.stem: conversation_modules(p) for p in CONVERSATIONS.glob("*.py")}
    reaching = {"flow"}
    while True:
        more = {name for name, uses in direct.items() if uses & reaching} - reaching
        if not more:
            return reaching
        reaching |= more


def test_the_conversations_import_nothing_from_the_host_the_console_or_the_store():
    modules = sorted(CONVERSATIONS.glob("*.py"))
    assert len(modules) > 30
    offending = {p.name: sorted(imported(p) & set(OUTER)) for p in modules if imported(p) & set(OUTER)}
    assert offending == {}


def test_the_store_imports_neither_the_host_nor_the_console():
    modules = sorted(STORE.rglob("*.py"))
    assert len(modules) > 30
    outer = {"bot", "handlers"}
    offending = {p.name: sorted(imported(p) & outer) for p in modules if imported(p) & outer}
    assert offending == {}


def test_the_store_imports_no_flow_only_the_domain_rules():
    flows = flow_modules()
    assert {"flow", "router", "menu", "help_fields", "complaints", "programs_common"} <= flows  # the line
    assert not {"help_rules", "programs_rules", "complaint_rules", "profile", "national_id"} & flows
    offending = {
        str(p.relative_to(ROOT)): sorted(conversation_modules(p) & flows)
        for p in sorted(STORE.rglob("*.py"))
        if conversation_modules(p) & flows
    }
    assert offending == {}
