"""The layers of stroydesk, kept: every import between our apps points down (or is the one
sideways edge allowed), and no two apps depend on each other, even through others.

Every ``stroydesk/**/*.py`` but tests and migrations is parsed with ``ast``; imports at module
level and inside functions count alike (a lazy import does not make a wrong direction right),
only those under ``if TYPE_CHECKING:`` are left out, as they never run. A failure names the
module, the line and the import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "stroydesk"

# Bottom to top; an app may import its own layer's apps only through ALLOWED_SIDEWAYS.
LAYERS: list[set[str]] = [
    {"core", "workcalendar"},
    {"accounts"},
    # directory builds on accounts (a specialist is a user with an authority), so it sits above.
    {"directory"},
    {"cases", "web"},
    # Every service above tells people through notifications, so it sits below them all.
    {"notifications"},
    {
        "channels",
        "kb",
        "stats",
        "routing",
        "procedures",
        "consultations",
        "relocation",
    },
    {"api", "portal", "demo", "ops"},
    {"stroydesk"},  # the project itself: settings, urls, wsgi
]
ALLOWED_SIDEWAYS: set[tuple[str, str]] = set()
# Each app's ``demo.py`` hook is run by ``manage.py demo_data``: it is part of the demo layer.
DEMO_HOOK = "demo"

LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


def _modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.relative_to(PACKAGE).parts
        and "migrations" not in path.relative_to(PACKAGE).parts
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _owner(module: str) -> str:
    """The app (or "stroydesk" for the project's own modules) a dotted module belongs to."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "stroydesk":
        return ""
    if not (PACKAGE / parts[1]).is_dir():
        return "stroydesk"
    if len(parts) >= 3 and parts[2] == DEMO_HOOK:
        return "demo"
    return parts[1]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import of ours in the file, wherever it stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_nodes(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "stroydesk":
                # ``from stroydesk import cases`` names apps (or project modules) one by one.
                found += [(node.lineno, f"stroydesk.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return [(line, name) for line, name in found if name.startswith("stroydesk.")]


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → where: "module:line import"."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _modules():
        source = _owner(_module_name(path))
        for line, target in _imports(path):
            owner = _owner(target)
            if owner and owner != source:
                edges[(source, owner)].append(f"{_module_name(path)}:{line} imports {target}")
    return edges


def test_every_app_has_a_layer():
    apps = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert sorted(apps - set(LEVEL)) == [], "add the new app to LAYERS in tests/test_layers.py"


def test_imports_point_down_the_layers():
    wrong = []
    for (source, target), places in sorted(_edges().items()):
        if source not in LEVEL or target not in LEVEL:
            wrong += [f"{place} (an app without a layer)" for place in places]
        elif LEVEL[target] > LEVEL[source]:
            wrong += [f"{place} (up: {source} → {target})" for place in places]
        elif LEVEL[target] == LEVEL[source] and (source, target) not in ALLOWED_SIDEWAYS:
            wrong += [f"{place} (sideways: {source} → {target})" for place in places]
    assert wrong == [], "imports against the layers:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_apps():
    edges = _edges()
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    cycles = _cycles(graph)
    detail = [
        place
        for cycle in cycles
        for (source, target), places in sorted(edges.items())
        if source in cycle and target in cycle
        for place in places
    ]
    assert cycles == [], f"apps that depend on each other: {cycles}\n" + "\n".join(detail)


def test_the_checker_sees_function_level_imports_and_skips_type_checking(tmp_path, monkeypatch):
    """The test itself can fail: a lazy import upward is caught, a TYPE_CHECKING one is not."""
    package = tmp_path / "stroydesk"
    (package / "cases").mkdir(parents=True)
    (package / "portal").mkdir()
    for init in (
        package / "__init__.py",
        package / "cases/__init__.py",
        package / "portal/__init__.py",
    ):
        init.write_text("")
    (package / "cases/services.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from stroydesk.portal import views\n"
        "def f():\n    from stroydesk.portal.selectors import x\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", package)
    assert dict(_edges()) == {
        ("cases", "portal"): ["stroydesk.cases.services:5 imports stroydesk.portal.selectors"]
    }
