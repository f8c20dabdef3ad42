"""`shortops posts …`: create, reschedule, list and cancel what is scheduled to publish."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    err_console,
    fail,
    operator_actor,
    printable_table,
    resolve_workspace,
)
from shortops.config import get_settings
from shortops.kit.pagination import PageParams
from shortops.media.store import MediaStore
from shortops.models import Publication, PublicationStatus, Workspace
from shortops.providers.types import Severity
from shortops.publishing import actions, compose, service
from shortops.publishing.errors import PostInvalid
from shortops.publishing.schemas import (
    PostCreate,
    PublicationFilters,
    Schedule,
    TargetCreate,
    When,
)
from shortops.workspaces.service import Actor

app = typer.Typer(
    help="Posts: schedule a video to several accounts, move, list and cancel publications.",
    no_args_is_help=True,
)

AtOption = typer.Option(
    None,
    "--at",
    metavar="TIME",
    help='When to publish, e.g. "2026-11-24 18:00" (the workspace\'s timezone unless the time '
    "has an offset such as +08:00).",
)
NowOption = typer.Option(False, "--now", help="Publish as soon as a worker picks it up.")


def _when(at: str | None, now: bool) -> When:
    if now == (at is not None):
        raise fail("Give either --at TIME or --now.")
    if now:
        return "now"
    assert at is not None
    try:
        return datetime.fromisoformat(at.strip())
    except ValueError:
        raise fail(f'{at!r} is not a time; write it like "2026-11-24 18:00".') from None


def _option_value(text: str) -> Any:
    """`true`, `12`, `"x"` or `["a"]` as JSON; anything else as the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"--option takes KEY=VALUE, not {pair!r}.")
        options[key.strip()] = _option_value(value.strip())
    return options


def _local(moment: datetime | None, workspace: Workspace) -> str:
    return service.local_time(moment, workspace.timezone) if moment else "-"


def _print_publications(session: Session, rows: list[Publication], workspace: Workspace) -> None:
    accounts = service.accounts_by_id(session, (p.account_id for p in rows))
    table = printable_table("id", "post", "account", "status", "scheduled", "link or reason")
    for row in rows:
        account = accounts.get(row.account_id)
        who = f"{account.platform} @{account.handle}" if account else str(row.account_id)
        detail = row.url or (
            service.render_message(row.error, row.error_params) if row.error else ""
        )
        table.add_row(
            str(row.id),
            str(row.post_id or ""),
            who,
            row.status.value,
            _local(row.scheduled_at, workspace),
            detail,
        )
    console.print(table)


@app.command("create")
def create(
    asset: int | None = typer.Option(
        None, "--asset", metavar="ID", help="The video's library id (not needed with --rendition)."
    ),
    rendition: list[int] = typer.Option(
        [],
        "--rendition",
        metavar="ID",
        help="The edit to post (a rendition id from `shortops media render`): once for every "
        "account, or once per --account in the same order. Default: the newest edit of the "
        "video for each platform.",
    ),
    account: list[int] = typer.Option(
        ..., "--account", metavar="ID", help="An account to publish on; repeat for several."
    ),
    title: str = typer.Option("", "--title", help="Title (platforms without titles ignore it)."),
    caption: str = typer.Option("", "--caption", help="Caption text."),
    hashtag: list[str] = typer.Option(
        [], "--hashtag", metavar="TAG", help="A hashtag (with or without #); repeat for several."
    ),
    cover: int | None = typer.Option(None, "--cover", metavar="ID", help="A cover image id."),
    at: str | None = AtOption,
    now: bool = NowOption,
    option: list[str] = typer.Option(
        [],
        "--option",
        metavar="KEY=VALUE",
        help="A platform option for every account (e.g. privacy=private); repeat for several.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help='Print {"post_id": …, "publication_ids": […]} as JSON.'
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Schedule a post on one or more accounts; every problem is listed and nothing is created."""
    when = _when(at, now)
    options = _options(option)
    chosen = _renditions(rendition, account)
    store = MediaStore.from_settings(get_settings())
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        try:
            data = PostCreate(
                title=title,
                caption=caption,
                hashtags=hashtag,
                asset_id=asset,
                cover_asset_id=cover,
                targets=[
                    TargetCreate(account_id=a, rendition_id=r, options=options)
                    for a, r in zip(account, chosen, strict=True)
                ],
                schedule=Schedule(at=when),
            )
        except ValidationError as exc:
            raise fail("; ".join(str(e["msg"]) for e in exc.errors())) from None
        try:
            created = compose.create_post(session, actor=actor, data=data, store=store)
        except PostInvalid as exc:
            _print_check(exc.report)
            raise fail("Nothing was scheduled.") from None
        session.commit()
        if as_json:
            ids = [p.id for p in created.publications]
            typer.echo(json.dumps({"post_id": created.post.id, "publication_ids": ids}))
            return
        console.print(
            f"Post {created.post.id} scheduled for "
            f"{_local(created.publications[0].scheduled_at, ws)}:",
            highlight=False,
        )
        _print_publications(session, created.publications, ws)


def _renditions(renditions: list[int], accounts: list[int]) -> list[int | None]:
    if not renditions:
        return [None] * len(accounts)
    if len(renditions) == 1:
        return [renditions[0]] * len(accounts)
    if len(renditions) != len(accounts):
        raise fail("Give --rendition once, or once per --account (in the same order).")
    return list(renditions)


def _print_check(check: compose.PostCheck) -> None:
    for issue in check.issues:
        if issue.severity == Severity.error:
            err_console.print(f"- {service.render_message(issue.message, issue.params)}")
    for target in check.targets:
        for issue in target.issues:
            if issue.severity == Severity.error:
                text = service.render_message(issue.message, issue.params)
                err_console.print(f"- {target.label} (account {target.account_id}): {text}")


def _targets(session: Session, actor: Actor, ident: int, post: bool) -> list[Publication]:
    workspace_id = actor.workspace.id
    if not post:
        return [
            service.get_publication_or_raise(
                session, workspace_id=workspace_id, publication_id=ident
            )
        ]
    service.get_post_or_raise(session, workspace_id=workspace_id, post_id=ident)
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.post_id == ident, Publication.status == PublicationStatus.scheduled)
            .order_by(Publication.id)
        )
    )


PostFlag = typer.Option(
    False, "--post", help="ID is a post: act on all its scheduled publications."
)


@app.command("schedule")
def schedule(
    ident: int = typer.Argument(
        ..., metavar="ID", help="A publication id (or a post id with --post)."
    ),
    at: str | None = AtOption,
    now: bool = NowOption,
    post: bool = PostFlag,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Move a scheduled publication (or every scheduled publication of a post) to another time."""
    when = _when(at, now)
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        moved = [
            service.reschedule_publication(session, actor=actor, publication_id=row.id, at=when)
            for row in _targets(session, actor, ident, post)
        ]
        session.commit()
        _print_publications(session, moved, ws)


@app.command("cancel")
def cancel(
    ident: int = typer.Argument(
        ..., metavar="ID", help="A publication id (or a post id with --post)."
    ),
    post: bool = PostFlag,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Cancel a scheduled publication (one being uploaded cannot be stopped)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        cancelled = [
            service.cancel_publication(session, actor=actor, publication_id=row.id)
            for row in _targets(session, actor, ident, post)
        ]
        _print_publications(session, cancelled, ws)


@app.command("retry")
def retry(
    publication_id: int = typer.Argument(..., metavar="ID", help="A failed publication's id."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Send a failed publication again, now (one that needs review is checked first: see
    `posts review`)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        publication = actions.retry_publication(session, actor=actor, publication_id=publication_id)
        session.commit()
        _print_publications(session, [publication], ws)


@app.command("review")
def review(
    publication_id: int = typer.Argument(
        ..., metavar="ID", help="The id of a publication that needs review."
    ),
    published: str | None = typer.Option(
        None, "--published", metavar="URL", help="It is live: the post's address."
    ),
    failed: bool = typer.Option(False, "--failed", help="It is not on the platform."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Settle a publication that needs review with what the platform shows."""
    if (published is None) == (not failed):
        raise fail("Give either --published URL or --failed.")
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        if published is not None:
            publication = actions.mark_reviewed_published(
                session, actor=actor, publication_id=publication_id, url=published
            )
        else:
            publication = actions.mark_reviewed_failed(
                session, actor=actor, publication_id=publication_id
            )
        session.commit()
        _print_publications(session, [publication], ws)


@app.command("list")
def list_command(
    status: list[PublicationStatus] = typer.Option(
        [],
        "--status",
        metavar="STATUS",
        help="scheduled, processing, failed …; repeat for several.",
    ),
    account: int | None = typer.Option(None, "--account", metavar="ID", help="One account only."),
    page: int = typer.Option(1, "--page", min=1, metavar="N", help="Page of 100, earliest first."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """The publication queue, earliest first, with links or reasons."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        rows, total = service.list_publications(
            session,
            workspace_id=ws.id,
            params=PageParams(page=page, per_page=100),
            filters=PublicationFilters(statuses=tuple(status), account_id=account),
        )
        _print_publications(session, rows, ws)
        console.print(f"{total} publications", highlight=False)


@app.command("show")
def show(
    post_id: int = typer.Argument(..., metavar="ID", help="A post id."),
    as_json: bool = typer.Option(False, "--json", help="Print the post as JSON."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """A post and each of its publications: status, rendition, the SHA-256 of what was sent."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        post = service.get_post_or_raise(session, workspace_id=ws.id, post_id=post_id)
        (read,) = service.read_posts(session, [post])
        if as_json:
            typer.echo(read.model_dump_json())
            return
        console.print(f"Post {post.id}: {post.title or '(no title)'}", highlight=False)
        rows = list(
            session.scalars(
                select(Publication).where(Publication.post_id == post.id).order_by(Publication.id)
            )
        )
        _print_publications(session, rows, ws)
