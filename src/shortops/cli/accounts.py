"""`shortops accounts …`: the platform accounts of a workspace and their health."""

from __future__ import annotations

import typer
from rich.table import Table

from shortops.accounts import service
from shortops.cli.common import WorkspaceOption, console, database, resolve_workspace
from shortops.kit.pagination import PageParams

app = typer.Typer(help="Platform accounts and their health.", no_args_is_help=True)

PER_PAGE = 200


@app.command("list")
def list_command(workspace: str | None = WorkspaceOption) -> None:
    """List the workspace's accounts: status, token expiry and the last error."""
    with database() as session:
        found = resolve_workspace(session, workspace)
        table = Table("id", "platform", "handle", "status", "token expires (UTC)", "last error")
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
