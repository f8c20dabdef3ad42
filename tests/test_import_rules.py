"""Imports point one way (docs/architecture.md): the layers below know nothing of those above.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the
top; imports under `if TYPE_CHECKING:` do not (they never run).

- `models`, `kit`, `db` (with `errors` and `config`) import no domain, web, api or cli;
- `providers` import only `providers`, `kit`, `errors` and `config`;
- a domain's `service` modules import no flows, views, api, web or cli;
- `flows` and `tasks` modules import no views, api, web or cli (what they share with pages,
  such as translations, lives in `kit`);
- there is no import cycle between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
BASE = {"models", "kit", "db", "errors", "config"}
PROVIDER_MAY_IMPORT = {"providers", "kit", "errors", "config"}
ABOVE_SERVICES = {"flows", "views", "api"}
FRONT = {"web", "api", "cli", "app"}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "shortops").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _resolve(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join([*base, *([node.module] if node.module else [])])
    else:
        prefix = node.module or ""
    for alias in node.names:
        candidate = f"{prefix}.{alias.name}"
        yield candidate if candidate in modules() else prefix


def _statements(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _statements(node.orelse)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _statements([n for n in inner if isinstance(n, ast.AST)])  # type: ignore[misc]


@cache
def imports_of(module: str) -> frozenset[str]:
    """The shortops modules `module` imports (a name from a package counts as the package)."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in _statements(tree.body):
        for target in _resolve(module, node, path.name == "__init__.py"):
            while target and target not in modules():
                target = target.rpartition(".")[0]
            if target.startswith("shortops") and target != module:
                found.add(target)
    return frozenset(found)


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _leaf(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def _breaking(rule: str) -> list[str]:
    broken = []
    for module in sorted(modules()):
        for target in sorted(imports_of(module)):
            if _breaks(rule, module, target):
                broken.append(f"{module} imports {target}")
    return broken


def _breaks(rule: str, module: str, target: str) -> bool:
    package, target_package = _package(module), _package(target)
    if rule == "base":
        return package in BASE and target_package not in BASE
    if rule == "providers":
        return package == "providers" and target_package not in PROVIDER_MAY_IMPORT
    if rule == "flows":
        return _leaf(module) in {"flows", "tasks"} and (
            _leaf(target) in {"views", "api"} or target_package in FRONT
        )
    if rule == "fronts":
        sides = {_leaf(module), _leaf(target)}
        in_views = "views" in module.split(".") or _leaf(module).endswith("views")
        to_views = "views" in target.split(".") or _leaf(target).endswith("views")
        return (
            (in_views and _leaf(target) == "api")
            or (_leaf(module) == "api" and to_views)
            or (sides == {"views", "api"})
        )
    if rule == "services":
        return _leaf(module).startswith("service") and (
            _leaf(target) in ABOVE_SERVICES or target_package in FRONT
        )
    raise AssertionError(rule)


def test_the_source_is_read() -> None:
    # The rules below pass trivially on nothing: make sure they read the real tree.
    assert len(modules()) > 200
    assert "shortops.publishing.service" in imports_of("shortops.publishing.flows")
    lazy = "shortops.worker.queue"
    assert lazy in imports_of("shortops.worker.after_commit")


def test_models_kit_and_db_import_no_domain() -> None:
    assert _breaking("base") == []


def test_providers_import_only_providers_kit_and_errors() -> None:
    assert _breaking("providers") == []


def test_services_import_no_flows_views_or_api() -> None:
    assert _breaking("services") == []


def test_flows_and_tasks_import_no_pages_or_api() -> None:
    assert _breaking("flows") == []


def test_pages_and_the_api_do_not_import_each_other() -> None:
    assert _breaking("fronts") == []


def test_there_is_no_import_cycle() -> None:
    assert _cycles(sorted(modules()), imports_of) == []


def _cycles(nodes: list[str], edges: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges(node):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in nodes:
        if name not in index:
            visit(name)
    return groups


def test_the_rules_catch_what_they_forbid() -> None:
    assert _breaks("base", "shortops.kit.text", "shortops.media.service")
    assert _breaks("providers", "shortops.providers.sandbox.x", "shortops.accounts.service")
    assert _breaks("services", "shortops.media.service", "shortops.media.flows")
    assert not _breaks("services", "shortops.media.flows", "shortops.media.service")
    assert _breaks("flows", "shortops.reports.flows", "shortops.web.templating")
    assert _breaks("fronts", "shortops.media.views.asset", "shortops.media.api")
    assert not _breaks("fronts", "shortops.media.views.asset", "shortops.media.responses")
    assert not _breaks("flows", "shortops.reports.flows", "shortops.kit.i18n")
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert _cycles(sorted(graph), graph.__getitem__) == [["a", "b", "c"]]
