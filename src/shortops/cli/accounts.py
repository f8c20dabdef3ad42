"""`shortops accounts …`: the platform accounts of a workspace and their health."""

from __future__ import annotations

import json

import typer
from pydantic import ValidationError

from shortops.accounts import flows, service
from shortops.accounts.schemas import ManualAccountCreate
from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    fail,
    operator_actor,
    printable_table,
    resolve_workspace,
)
from shortops.kit.pagination import PageParams
from shortops.models import Account

app = typer.Typer(help="Platform accounts and their health.", no_args_is_help=True)
connect_app = typer.Typer(
    help="Connect an account that needs no platform sign-in.", no_args_is_help=True
)
add_app = typer.Typer(help="Add an account posted to by hand.", no_args_is_help=True)
app.add_typer(connect_app, name="connect")
app.add_typer(add_app, name="add")

JsonOption = typer.Option(False, "--json", help='Print {"id": …} as JSON.')

PER_PAGE = 200


@app.command("list")
def list_command(workspace: str | None = WorkspaceOption) -> None:
    """List the workspace's accounts: status, token expiry and the last error."""
    with database() as session:
        found = resolve_workspace(session, workspace)
        table = printable_table(
            "id", "platform", "handle", "status", "token expires (UTC)", "last error"
        )
        page = 1
        while True:
            rows, total = service.list_accounts(
                session, workspace_id=found.id, params=PageParams(page=page, per_page=PER_PAGE)
            )
            for account in rows:
                read = service.account_read(account)
                platform = read.platform_name + (" (sandbox)" if read.is_sandbox else "")
                expires = account.token_expires_at
                table.add_row(
                    str(account.id),
                    platform,
                    account.handle,
                    account.status.value,
                    expires.strftime("%Y-%m-%d %H:%M") if expires else "—",
                    account.last_error or "",
                )
            if page * PER_PAGE >= total:
                break
            page += 1
        console.print(table)


def _print_account(account: Account, as_json: bool) -> None:
    if as_json:
        payload = {"id": account.id, "platform": account.platform, "handle": account.handle}
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        line = f"Account {account.id}: {account.platform} @{account.handle}"
        console.print(line, highlight=False)


@connect_app.command("sandbox")
def connect_sandbox(
    handle: str | None = typer.Option(None, "--handle", metavar="NAME", help="Its handle."),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """A simulated account that publishes locally: try the whole loop without a platform."""
    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))
        account = flows.connect_sandbox(session, actor=actor, handle=handle)
        session.commit()
        _print_account(account, as_json)


@add_app.command("manual")
def add_manual(
    platform: str = typer.Option(
        ..., "--platform", metavar="SLUG", help="xiaohongshu, wechat_channels, weibo …"
    ),
    handle: str = typer.Option(..., "--handle", metavar="NAME", help="The account's handle."),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """An account on a platform without a publishing API: shortops prepares a publish kit."""
    try:
        data = ManualAccountCreate(platform_label=platform, handle=handle)
    except ValidationError as exc:
        raise fail("; ".join(str(e["msg"]) for e in exc.errors())) from None
    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))
        account = flows.connect_manual(session, actor=actor, data=data)
        session.commit()
        _print_account(account, as_json)
