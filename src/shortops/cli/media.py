"""`shortops media …`: import files into the library, list it, render one file for a platform."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session

from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    err_console,
    fail,
    operator_actor,
    resolve_workspace,
)
from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.errors import ShortopsError
from shortops.kit.pagination import PageParams
from shortops.media import flows, service
from shortops.media.schemas import KIND_LABELS, RenditionsCreate
from shortops.media.spec import Cover, EditSpec, Fit, Music, Subtitles, TextOverlay, TextStyle
from shortops.media.spec import Logo as LogoSpec
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset, Rendition, RenditionStatus
from shortops.workspaces.service import Actor

app = typer.Typer(help="The media library: import, list, render.", no_args_is_help=True)

WAIT_POLL_S = 0.5


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _import(
    session: Session, store: MediaStore, actor: Actor, path: Path, *, previews: bool = True
) -> tuple[MediaAsset, bool]:
    """Import one file with a byte progress bar on stderr."""
    if not path.is_file():
        raise fail(f"{path} is not a file.")
    size = path.stat().st_size
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"Checking {path.name}", total=size)
        asset, created = flows.import_file(
            session,
            store=store,
            workspace_id=actor.workspace.id,
            source=path,
            filename=path.name,
            created_by_id=actor.user.id,
            actor=actor,
            on_progress=lambda done: progress.update(
                task, completed=done, description=f"Copying {path.name}"
            ),
            previews=previews,
        )
    session.commit()
    return asset, created


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH", help="Video, audio, image or subtitle files."
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Import files into the library (content-addressed: the same file twice is kept once)."""
    store = MediaStore.from_settings(get_settings())
    failed = 0
    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))
        for path in paths:
            try:
                asset, created = _import(session, store, actor, path)
            except ShortopsError as exc:
                session.rollback()
                failed += 1
                err_console.print(f"[bold red]Error:[/] {exc.render()}")
                continue
            note = "imported" if created else "already in the library"
            typer.echo(f"{asset.id}\t{asset.filename}\t{note}")
    if failed:
        raise typer.Exit(1)


@app.command("list")
def list_command(
    workspace: str | None = WorkspaceOption,
    kind: AssetKind | None = typer.Option(
        None, "--kind", metavar="KIND", help="video, audio, image or subtitles."
    ),
    page: int = typer.Option(1, "--page", min=1, metavar="N", help="Page of 100, newest first."),
) -> None:
    """List the library with each file's facts and renditions."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        assets, total = service.list_assets(
            session, workspace_id=ws.id, params=PageParams(page=page, per_page=100), kind=kind
        )
        renditions = service.renditions_by_asset(
            session, workspace_id=ws.id, asset_ids=[a.id for a in assets]
        )
        table = Table("id", "file", "kind", "duration", "size", "fps", "codecs", "renditions")
        for asset in assets:
            facts = service.facts_of(asset.probe)
            ready = sum(1 for r in renditions[asset.id] if r.status == RenditionStatus.ready)
            table.add_row(
                str(asset.id),
                asset.filename,
                KIND_LABELS[asset.kind].lower(),
                f"{facts.duration_s:.1f} s" if facts.duration_s else "",
                f"{facts.width}×{facts.height}" if facts.width else "",
                (f"{facts.fps:g}" + (" VFR" if facts.vfr else "")) if facts.fps else "",
                " ".join(c for c in (facts.video_codec, facts.audio_codec) if c)
                + (" HDR" if facts.hdr else ""),
                f"{ready}/{len(renditions[asset.id])} ready" if renditions[asset.id] else "",
            )
        console.print(table)
        console.print(f"{total} files", highlight=False)


@app.command("render")
def render_command(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="The video to render."),
    platform: str = typer.Option(
        ...,
        "--platform",
        metavar="SLUG",
        help="Profile slug: tiktok, youtube_shorts, bilibili … or your own.",
    ),
    fit: str = typer.Option(
        "crop", "--fit", metavar="crop|pad", help="crop (fill the frame) or pad (fit inside)."
    ),
    caption: str | None = typer.Option(
        None, "--caption", metavar="TEXT", help="Text shown at the bottom for the whole clip."
    ),
    subtitles: Path | None = typer.Option(
        None, "--subtitles", metavar="FILE", help="SRT, ASS or VTT file."
    ),
    music: Path | None = typer.Option(
        None, "--music", metavar="FILE", help="Background music file."
    ),
    music_volume: float = typer.Option(
        0.2, "--music-volume", min=0, max=2, metavar="0-2", help="Music volume (0–2)."
    ),
    duck: bool = typer.Option(
        False, "--duck", help="Lower the music while the video's own sound is loud (speech)."
    ),
    loudness: float | None = typer.Option(
        None,
        "--loudness",
        min=-40,
        max=-5,
        metavar="LUFS",
        help="Normalise the sound to this loudness, e.g. -14.",
    ),
    logo: Path | None = typer.Option(
        None, "--logo", metavar="FILE", help="Logo image (PNG with transparency)."
    ),
    cover: bool = typer.Option(
        False, "--cover", help="Also pick a cover frame and write the platform's cover JPEGs."
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="PATH", help="Copy the result (and covers) to this path."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print {output, duration_s, width, height, covers} as JSON."
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Render one file for a platform; prints the output path (the same render is reused).

    With --cover, each cover's path follows on its own line.
    """
    if fit not in ("crop", "pad", "smart_crop"):
        raise fail(f"--fit must be crop or pad, not {fit}.")
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))
        master, _ = _import(session, store, actor, input_path, previews=False)
        side = {
            role: _import(session, store, actor, path, previews=False)[0].id
            for role, path in (("subtitles", subtitles), ("music", music), ("logo", logo))
            if path is not None
        }
        spec = EditSpec(
            fit=Fit.model_validate({"mode": fit}),
            overlays=(TextOverlay(text=caption, style=TextStyle(position="bottom")),)
            if caption
            else (),
            subtitles=Subtitles(asset_id=side["subtitles"]) if "subtitles" in side else None,
            music=Music(asset_id=side["music"], volume=music_volume, duck=duck)
            if "music" in side
            else None,
            logo=LogoSpec(asset_id=side["logo"]) if "logo" in side else None,
            loudness_lufs=loudness,
            cover=Cover(enabled=cover),
        )
        ((rendition, _send),) = flows.request_renditions(
            session,
            actor=actor,
            data=RenditionsCreate(asset_id=master.id, profiles=[platform], spec=spec),
            store=store,
        )
        session.commit()
        rendition_id = rendition.id
    with _cancel_on_interrupt(rendition_id):
        _render_here_or_wait(rendition_id, f"Rendering for {platform}")
    with session_scope(settings) as session:
        done = session.get(Rendition, rendition_id)
        assert done is not None
        if done.status != RenditionStatus.ready:
            raise fail(done.error or f"The rendition is {done.status.value}.")
        output = store.path(done.output_path)
        covers = {name: store.path(path) for name, path in sorted(done.covers.items())}
        if out is not None:
            output = _copy_out(output, out)
            covers = {
                name: _copy_out(path, output.with_name(f"{output.stem}.cover-{name}.jpg"))
                for name, path in covers.items()
            }
        facts = service.facts_of(done.output_probe)
    if as_json:
        payload = {
            "output": str(output),
            "duration_s": facts.duration_s,
            "width": facts.width,
            "height": facts.height,
            "covers": {name: str(path) for name, path in covers.items()},
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        for path in (output, *covers.values()):
            typer.echo(str(path))


def _render_here_or_wait(rendition_id: int, label: str) -> None:
    """Render in this process when the rendition is queued; else follow the worker on it."""
    settings = get_settings()
    with _progress() as progress:
        task = progress.add_task(label, total=1.0)

        def report(fraction: float) -> None:
            progress.update(task, completed=fraction)

        if flows.run_rendition(settings, rendition_id, on_progress=report, alone=True):
            return
        # Ready already, or a worker holds it: follow the row until it settles.
        while True:
            with session_scope(settings) as session:
                row = session.get(Rendition, rendition_id)
                if row is None or row.status not in (
                    RenditionStatus.queued,
                    RenditionStatus.rendering,
                ):
                    return
                progress.update(task, completed=row.progress)
                queued = row.status == RenditionStatus.queued
            if queued and flows.run_rendition(
                settings, rendition_id, on_progress=report, alone=True
            ):
                return
            time.sleep(WAIT_POLL_S)


@contextmanager
def _cancel_on_interrupt(rendition_id: int) -> Iterator[None]:
    """Ctrl-C stops FFmpeg and marks the rendition cancelled (it can be asked for again)."""
    try:
        yield
    except KeyboardInterrupt:
        with session_scope(get_settings()) as session:
            service.abandon_rendition(session, rendition_id=rendition_id)
        err_console.print("Cancelled.")
        raise typer.Exit(130) from None


def _copy_out(source: Path, target: Path) -> Path:
    """Copy next to `target`, then rename: `target` is never a half-written file."""
    target = target.expanduser()
    if target.is_dir():
        target = target / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        shutil.copyfile(source, staging)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return target.resolve()
