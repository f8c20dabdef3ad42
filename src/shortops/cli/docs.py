"""docs/cli.md, generated from the command line's own help.

Regenerate with `python -m shortops.cli.docs > docs/cli.md`; tests/test_docs.py fails when the
file and the CLI disagree. The output depends only on the command tree: the help is rendered by
Click's plain formatter (the app sets `rich_markup_mode=None`) at a fixed width, without colour,
whatever the terminal or the environment.

Typer ships its own copy of Click (`typer.Context` is that copy's Context), so the walk uses
Typer's classes rather than the `click` package's.
"""

from __future__ import annotations

from collections.abc import Iterator

import typer
from typer.core import TyperGroup

from shortops.cli.main import app

WIDTH = 100

INTRO = """\
# Command line

<!-- Generated from the CLI's own help: python -m shortops.cli.docs > docs/cli.md -->

`shortops` is installed with the package (also runnable as `python -m shortops`). Every command
that touches data first brings the database schema up to date, so a fresh data directory works
with any of them.

## The stable contract

Scripts and deployment tools may rely on these rules:

- `shortops init --email E --password P --workspace NAME` creates the owner account and the first
  workspace without prompts. It refuses (exit code 1, `shortops is already set up`) once any user
  exists, so running it twice is safe.
- Every workspace-level command takes `--workspace SLUG` (`-w SLUG`). When there is only one
  workspace it may be left out; with several, the command fails and lists the slugs. `shortops
  workspaces list` shows them. (`init --workspace` is different: it names the workspace to
  create.)
- `SHORTOPS_HOME` selects the data directory (database, queue, secret key) for every command;
  the other settings come from `SHORTOPS_*` variables or a `.env` file in the current directory
  (see [configuration](configuration.md)).
- Exit code 0 means success. Errors print a message starting with `Error:` on stderr and exit
  with code 1. A command line that cannot be parsed (unknown option, missing required option)
  exits with code 2 and a usage hint.
- Secrets are printed to stdout alone on their line (`shortops tokens create`), so
  `TOKEN=$(shortops tokens create --user me@example.com)` captures exactly the token.

Examples:

```sh
shortops init --email owner@example.com --password 'a long passphrase' --workspace "Acme Studio"
shortops users create --email editor@example.com --role editor --password 'another passphrase'
TOKEN=$(shortops tokens create --user owner@example.com --name ci --scope read --scope write)
shortops serve
```

This page is generated from the commands' `--help`; regenerate it after changing the CLI with
`python -m shortops.cli.docs > docs/cli.md`. Every command and sub-command follows.
"""


def _help_text(ctx: typer.Context) -> str:
    return ctx.command.get_help(ctx).rstrip()


def _walk(ctx: typer.Context) -> Iterator[typer.Context]:
    """`ctx`, then every visible sub-command's context, depth first in declaration order."""
    yield ctx
    command = ctx.command
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            # Width and colour are inherited from the parent context.
            yield from _walk(typer.Context(sub, info_name=name, parent=ctx))


def command_paths() -> list[str]:
    """Every command path, e.g. `shortops`, `shortops db upgrade`."""
    root = _root_context()
    return [ctx.command_path for ctx in _walk(root)]


def _root_context() -> typer.Context:
    command = typer.main.get_command(app)
    return typer.Context(
        command,
        info_name="shortops",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        color=False,
    )


def render_cli_docs() -> str:
    """The whole of docs/cli.md: the intro, then each command's `--help` in a fenced block."""
    parts = [INTRO]
    for ctx in _walk(_root_context()):
        parts.append(f"## {ctx.command_path}\n\n```text\n{_help_text(ctx)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_cli_docs())
