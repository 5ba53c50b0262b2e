"""The import graph stays layered: no cycles, handoff never reaches into channels, no CLI imported."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import PROJECT_ROOT

PACKAGES = ("bot", "actions")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((PROJECT_ROOT / package).rglob("*.py"))}


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in the file (function-level imports count too)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known and name != module)
    return found


def graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports."""
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), parent packages ignored."""
    # A module importing its own package's __init__ is not a cycle of layers.
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in edges.get(node, ()):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_handoff_imports_nothing_from_channels() -> None:
    offenders = {m: sorted(d for d in deps if d.startswith("bot.channels")) for m, deps in graph().items()
                 if m.startswith("bot.handoff")}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_no_module_imports_a_command_line_module() -> None:
    offenders = {m: sorted(d for d in deps if d.endswith("__main__")) for m, deps in graph().items()}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_actions_reach_channels_only_through_their_store() -> None:
    # delete_my_data erases the channel's records (bot.channels.store), the handoff asks the registry
    # which channels carry staff replies; no action talks to a provider.
    offenders = {m: sorted(d for d in deps if d.startswith(("bot.channels", "bot.console")) and d not in (
        "bot.channels", "bot.channels.store", "bot.channels.registry"))
                 for m, deps in graph().items() if m.startswith("actions")}
    assert {m: d for m, d in offenders.items() if d} == {}


# Where SQL may be written: the persistence modules (a store, the information database's queries and
# content import, the engine factory, Rasa's tracker store, the console's read-only transcript of
# Rasa's events, the evidence consumer's read of Rasa's SQL event broker table and make run's broker).
PERSISTENCE = (
    "bot.channels.store.",
    "bot.handoff.store",
    "bot.console.store",
    "bot.console.transcript",
    "bot.evidence.store",
    "bot.evidence.consumer",
    "bot.evidence.sql_broker",
    "bot.schedule.store",
    "bot.alerts.store",
    "bot.infodb.queries",
    "bot.infodb.content",
    "bot.infodb.session",
    "bot.tracker_store",
)
_SQL = ("select", "insert", "update", "delete", "text")


def _sql_calls(path: Path) -> list[str]:
    """SQLAlchemy statements built in a file: sa.select(...), table.insert(), sa.text(...), ..."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "sa":
                found.append(f"sa.{node.func.attr}")
            elif node.func.attr in ("insert", "update", "delete") and not node.args and not node.keywords:
                found.append(f"<table>.{node.func.attr}()")
    return found


def test_the_checker_finds_sql(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import sqlalchemy as sa\nq = sa.select(t)\nt.update()\nd.update(x=1)\n", encoding="utf-8")
    assert _sql_calls(sample) == ["sa.select", "<table>.update()"]


def test_no_sql_outside_the_persistence_modules() -> None:
    offenders = {name: _sql_calls(path) for name, path in _modules().items()
                 if not name.startswith(PERSISTENCE) and name != "bot.channels.store"}
    assert {name: calls for name, calls in offenders.items() if calls} == {}
