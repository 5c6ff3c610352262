"""The import rules of ARCHITECTURE.md, checked on the source: which room may import which, and
no import circle between modules anywhere in ``service/``."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"

# room -> the rooms it may import (besides itself). Kept in step with ARCHITECTURE.md.
ALLOWED: dict[str, set[str]] = {
    "engine": set(),
    "lists": {"engine"},
    "resolve": {"engine"},
    "text": {"engine"},
    "batch": {"engine"},
    "monitor": {"engine", "lists", "batch"},
    "api": {"engine", "lists", "resolve", "text", "monitor", "ui"},  # ui: only the app factory, see below
    "ui": {"engine", "lists", "resolve", "text", "batch", "api", "monitor"},
    "worker": {"api"},
    "serving": {"engine", "lists", "resolve", "api", "worker", "monitor"},
    "cli": {"engine", "lists", "resolve", "text", "batch", "monitor", "api", "serving", "worker"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SERVICE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SERVICE.rglob("*.py")}


# what every room may import; it imports no room
BASE = {"service", "service.paths", "service.logs", "service.settings"}


def room(module: str) -> str:
    return "service" if module in BASE else module.split(".")[1]


def imports(module: str) -> set[str]:
    """The service modules ``module`` imports, at any depth of its code (lazy imports count too)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb level - 1 packages up from this one
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + [base]).strip(".")
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports(m) for m in MODULES}


def test_each_room_imports_only_what_architecture_md_allows():
    wrong = sorted(
        f"{m} imports {i}"
        for m, deps in GRAPH.items()
        for i in deps
        if room(i) not in {room(m), "service"} and room(i) not in ALLOWED.get(room(m), set())
    )
    assert not wrong, "\n".join(wrong)


def test_only_the_app_factory_imports_the_ui():
    """The UI uses the API's helpers; the API only registers the UI's blueprint in create_app."""
    importers = sorted(
        m for m, deps in GRAPH.items() if room(m) != "ui" and any(room(d) == "ui" for d in deps)
    )
    assert importers == ["service.api.app"], importers


def test_the_ui_never_imports_the_app_factory():
    used = {d for m, deps in GRAPH.items() if room(m) == "ui" for d in deps}
    assert not used & {"service.api", "service.api.app"}


def test_the_engine_imports_no_flask_and_no_subsystem():
    for module, path in MODULES.items():
        if room(module) != "engine":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[0] in {"flask", "werkzeug", "gunicorn"}}, module
        assert all(not n.startswith("service.") or n.startswith("service.engine") for n in names), module


def test_no_import_circle_in_service():
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    cycles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for dep in sorted(GRAPH[m]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_base_imports_no_room():
    """paths and logs read the settings: the base may import itself, no room."""
    assert not {i for m in BASE for i in GRAPH[m]} - BASE


def test_every_room_is_named_in_the_rules():
    rooms = {room(m) for m in MODULES} - {"service"}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)
