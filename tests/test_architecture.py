"""The layering of the style guide, checked on the imports of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cpro_siecle_plugin"

#: Layers, bottom to top; a module may import only from its own layer or below.
LAYERS: list[set[str]] = [
    {"errors", "domain", "config", "collation", "french"},
    {"siecle", "tableur", "sync", "adapters"},
    {"reports", "runner"},
    {"store"},
    {"service"},
    {"extension", "admin", "cli", "demo", "messages", "worker"},
]

#: The functional core (parse, analyse, plan) and the report renderers over its values.
#: No framework, no network, no database.
CORE = ("siecle", "tableur", "sync", "reports", "domain", "errors", "config", "collation",
        "french")
FORBIDDEN_IN_CORE = {"flask", "flask_admin", "flask_wtf", "requests", "sqlalchemy", "alembic",
                     "celery", "redis", "werkzeug", "jinja2"}
#: Test doubles live under tests/, never in the shipped package.
TEST_DOUBLE_NAMES = ("memory", "fake")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Absolute names imported by a module (relative imports resolved inside the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(PACKAGE).with_suffix("").parts
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[: len(rel) - node.level])
                extra = [node.module] if node.module else []
                mod = ".".join(["cpro_siecle_plugin", *base, *extra])
                if node.module is None:
                    names.update(f"{mod}.{a.name}" for a in node.names)
                else:
                    names.add(mod)
            elif node.module:
                names.add(node.module)
    return names


def _layer_of(top: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if top in layer:
            return i
    return None


def _core_modules() -> list[Path]:
    return [p for p in _modules() if p.relative_to(PACKAGE).as_posix().startswith(CORE)]


def _layered_modules() -> list[Path]:
    return [p for p in _modules()
            if _layer_of(p.relative_to(PACKAGE).parts[0].removesuffix(".py")) is not None]


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_modules_import_no_framework(path: Path) -> None:
    """Parse, analyse and plan never import flask, requests or sqlalchemy."""
    rel = path.relative_to(PACKAGE).as_posix()
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN_IN_CORE}
    assert not bad, f"{rel} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _layered_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_import_only_lower_layers(path: Path) -> None:
    """A module imports only from its own layer or the layers below it."""
    rel = path.relative_to(PACKAGE)
    own = _layer_of(rel.parts[0].removesuffix(".py"))
    assert own is not None
    for name in _imports(path):
        if not name.startswith("cpro_siecle_plugin."):
            continue
        other = _layer_of(name.split(".")[1])
        assert other is None or other <= own, f"{rel} imports {name} from a higher layer"


def test_only_the_xml_module_imports_lxml() -> None:
    """One hardened XML entry point: siecle/_xml.py is the only module importing lxml."""
    users = [p.relative_to(PACKAGE).as_posix() for p in _modules()
             if any(n.split(".")[0] == "lxml" for n in _imports(p))]
    assert users == ["siecle/_xml.py"]


def test_architecture_checks_see_the_whole_core() -> None:
    """The checks above really cover the core packages (a moved folder would empty them)."""
    core = {p.relative_to(PACKAGE).parts[0] for p in _core_modules()}
    assert {"siecle", "tableur", "sync", "reports", "domain.py", "errors.py", "config.py"} <= core


def test_sync_holds_only_the_pure_core() -> None:
    """``sync/`` holds desired state, planner, plan, credentials, safety: nothing that runs."""
    sync = {p.stem for p in (PACKAGE / "sync").glob("*.py")}
    assert not sync & {"apply", "jobs", "report", "report_pdf", "report_render"}, sorted(sync)


def test_no_test_double_in_the_shipped_package() -> None:
    """In-process hosts and fakes live under tests/, not in the package."""
    doubles = [p.relative_to(PACKAGE).as_posix() for p in _modules()
               if any(word in p.stem for word in TEST_DOUBLE_NAMES)]
    assert doubles == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["cpro_siecle_plugin", *parts])


def _graph() -> dict[str, set[str]]:
    """Import graph of the package, type-only imports included, edges to modules only."""
    modules = {_module_name(p): p for p in _modules()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # "from pkg import mod" resolves to "pkg.mod" when that module exists.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_no_import_cycles_even_type_only() -> None:
    """No module reaches itself through imports (``TYPE_CHECKING`` blocks count too)."""
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                # A package's __init__ importing its own submodules is not a cycle back into it.
                if not node.startswith(nxt + "."):
                    cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
