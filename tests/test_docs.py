"""The docs stay true: every setting, command, REST route and error code is documented.

None of these tests needs a database, so they use neither the `database_url` nor the `settings`
fixture (both run once per database backend).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from shortops.api.errors import _HTTP_CODES
from shortops.api.router import API_PREFIX
from shortops.cli.docs import command_paths, render_cli_docs
from shortops.cli.main import app as cli_app
from shortops.config import Settings
from shortops.errors import ShortopsError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REGENERATE = "run python -m shortops.cli.docs > docs/cli.md"

# Read only by the test suite, documented in their own section; any other SHORTOPS_ variable the
# tests or the CI script mention is found by test_test_variables_are_listed_under_tests.
TEST_VARIABLES = ("SHORTOPS_TEST_DATABASE_URL", "SHORTOPS_TEST_REDIS_URL")

# Error codes the API answers with that are not ShortopsError subclasses (shortops/api/errors.py).
API_ONLY_ERRORS = {"invalid_request": 422, "malformed_json": 400, "internal_error": 500}


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


# --- configuration -------------------------------------------------------------------------------


def env_name(field: str) -> str:
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


SETTING_VARIABLES = [env_name(name) for name in Settings.model_fields]


@pytest.mark.parametrize("variable", SETTING_VARIABLES)
def test_every_setting_has_an_entry(variable: str) -> None:
    assert f"`{variable}`" in headings(read(DOCS / "configuration.md")), (
        f"{variable} (a field of shortops.config.Settings) needs an entry headed "
        f"### `{variable}` in docs/configuration.md"
    )


def _test_only_variables() -> set[str]:
    """SHORTOPS_ variables the tests and the CI script use that are not settings."""
    sources = [*sorted((ROOT / "tests").rglob("*.py")), ROOT / ".ci" / "run"]
    found = {
        name
        for source in sources
        if source.exists()
        for name in re.findall(r"\bSHORTOPS_[A-Z0-9_]*[A-Z0-9]\b", read(source))
    }
    return (found | set(TEST_VARIABLES)) - set(SETTING_VARIABLES)


def test_test_variables_are_listed_under_tests() -> None:
    text = read(DOCS / "configuration.md")
    _, _, tests_section = text.partition("\n## Tests\n")
    assert tests_section, "docs/configuration.md needs a ## Tests section"
    for variable in sorted(_test_only_variables()):
        assert f"### `{variable}`" in tests_section, f"{variable} belongs under ## Tests"


def test_configuration_documents_no_unknown_variable() -> None:
    documented = {
        heading.strip("`")
        for heading in headings(read(DOCS / "configuration.md"))
        if heading.startswith("`SHORTOPS_")
    }
    stale = documented - set(SETTING_VARIABLES) - _test_only_variables()
    assert not stale, f"docs/configuration.md documents variables nothing reads: {stale}"


# --- command line --------------------------------------------------------------------------------


def test_cli_docs_are_current() -> None:
    assert read(DOCS / "cli.md") == render_cli_docs(), f"docs/cli.md is out of date: {REGENERATE}"


def test_cli_docs_do_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = render_cli_docs()
    for name, value in {"COLUMNS": "40", "LINES": "10", "TERMINAL_WIDTH": "40"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert render_cli_docs() == expected


def _registered_paths(app: typer.Typer, prefix: str) -> Iterator[str]:
    """Command paths from the Typer registrations, independently of the docs generator's walk."""
    for command in app.registered_commands:
        if command.hidden:
            continue
        assert command.callback is not None
        yield f"{prefix} {command.name or typer.main.get_command_name(command.callback.__name__)}"
    for group in app.registered_groups:
        if group.hidden is True:
            continue
        sub = group.typer_instance
        assert sub is not None
        name = group.name if isinstance(group.name, str) else sub.info.name
        assert isinstance(name, str), "give every command group a name in add_typer()"
        yield f"{prefix} {name}"
        yield from _registered_paths(sub, f"{prefix} {name}")


def test_every_command_is_documented() -> None:
    text = read(DOCS / "cli.md")
    paths = ["shortops", *_registered_paths(cli_app, "shortops")]
    assert len(paths) > 10
    missing = [path for path in paths if f"\n## {path}\n" not in text]
    assert not missing, f"docs/cli.md lacks {missing}: {REGENERATE}"
    assert sorted(paths) == sorted(command_paths())


# --- REST API ------------------------------------------------------------------------------------


def _api_routes(tmp_path: Path) -> set[str]:
    """`METHOD /api/v1/...` for every route of the app (no database is touched)."""
    from fastapi.routing import APIRoute

    from shortops.app import create_app

    settings = Settings(
        _env_file=None,  # a developer's .env must not leak into this test
        home=tmp_path,
        secret_key="x" * 48,
        database_url=f"sqlite:///{tmp_path}/t.db",
    )
    app = create_app(settings)
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.137 copies included routes into app.routes
        found: list[tuple[Any, str]] = [(r, getattr(r, "path", "")) for r in app.routes]
    else:  # newer FastAPI keeps included routers as a tree
        found = [(c.original_route, c.path or "") for c in iter_route_contexts(app.routes)]
    routes = {
        f"{method} {path}"
        for route, path in found
        if isinstance(route, APIRoute) and path.startswith(API_PREFIX + "/")
        for method in route.methods
        if method not in {"HEAD", "OPTIONS"}
    }
    # The OpenAPI schema is a public, version-independent second source.
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(API_PREFIX + "/"):
            routes |= {f"{method.upper()} {path}" for method in operations}
    return routes


def _endpoint_sections(text: str) -> dict[str, str]:
    """Each `METHOD /api/v1/...` heading of docs/api.md with the text up to the next heading."""
    sections: dict[str, str] = {}
    pattern = re.compile(r"^#+ ((?:GET|POST|PUT|PATCH|DELETE) /\S+)$", re.MULTILINE)
    matches = list(pattern.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[match.end() : end]
        sections[match.group(1)] = body.split("\n#", 1)[0]
    return sections


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    routes = _api_routes(tmp_path)
    assert len(routes) > 10, "no routes found: the route walk no longer matches FastAPI"
    documented = _endpoint_sections(read(DOCS / "api.md"))
    missing = sorted(routes - set(documented))
    assert not missing, f"docs/api.md needs a heading (e.g. #### GET /api/v1/…) for {missing}"
    stale = sorted(set(documented) - routes)
    assert not stale, f"docs/api.md documents routes that do not exist: {stale}"
    without_example = sorted(route for route, body in documented.items() if "curl " not in body)
    assert not without_example, f"give these endpoints a curl example: {without_example}"


def _error_classes(cls: type[ShortopsError]) -> Iterator[type[ShortopsError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _error_classes(sub)


def test_every_error_code_is_in_the_table() -> None:
    import importlib

    # The app imports every module that defines errors; the backup ones are the CLI's own.
    for module in ("shortops.app", "shortops.system.backup"):
        importlib.import_module(module)

    expected = {cls.code: cls.status for cls in _error_classes(ShortopsError)}
    expected |= {code: status for status, (code, _message) in _HTTP_CODES.items()}
    expected |= API_ONLY_ERRORS
    text = read(DOCS / "api.md")
    for code, status in sorted(expected.items()):
        row = re.compile(rf"^\|\s*`{code}`\s*\|\s*{status}\s*\|", re.MULTILINE)
        assert row.search(text), f"docs/api.md: add `{code}` ({status}) to the table of errors"


# --- the rest ------------------------------------------------------------------------------------


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.rglob("*.md"))]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", read(path)):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # other sites, and anchors within the page
        local = target.split("#", 1)[0]
        assert (path.parent / local).exists(), f"{path.name} links to missing {target}"


def test_decisions_have_context_decision_consequences() -> None:
    records = sorted((DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert records
    for record in records:
        found = {h.lower() for h in headings(read(record))}
        for section in ("context", "decision", "consequences"):
            assert section in found, f"{record.name} needs a ## {section.title()} section"


def test_readme_starts_with_make_run_and_make_test() -> None:
    text = read(ROOT / "README.md")
    first_section = text.split("\n## ", 1)[0]
    assert "make run" in first_section and "make test" in first_section
