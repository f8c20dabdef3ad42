"""`shortops media …`: import files into the library, list it, render one file for a platform.

The database layer and the library's services are imported inside each command, not here, so
`media render` can start FFmpeg on the user's files before it opens the library
(`shortops.media.headstart`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from shortops.config import Settings, get_settings
from shortops.errors import ShortopsError
from shortops.media.headstart import HeadStart
from shortops.media.probe import MediaInfo
from shortops.media.profiles import BUILTIN_PROFILES
from shortops.media.render import Renderer, RenderFiles, encoder_threads, render
from shortops.media.runner import ProgressCallback
from shortops.media.spec import Cover, EditSpec, Fit, Music, Subtitles, TextOverlay, TextStyle
from shortops.media.spec import Logo as LogoSpec
from shortops.media.store import MediaStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shortops.models import MediaAsset
    from shortops.workspaces.service import Actor

app = typer.Typer(help="The media library: import, list, render.", no_args_is_help=True)

WAIT_POLL_S = 0.5
ASSET_KINDS = ("video", "audio", "image", "subtitles")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _byte_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err_console,
        transient=True,
    )


def _import(
    session: Session,
    store: MediaStore,
    actor: Actor,
    path: Path,
    progress: Progress,
    *,
    previews: bool = True,
    probed: MediaInfo | None = None,
) -> tuple[MediaAsset, bool]:
    """Import one file, its progress shown as a task of `progress` (removed when done)."""
    from shortops.media import flows

    if not path.is_file():
        raise fail(f"{path} is not a file.")
    task = progress.add_task(f"Checking {path.name}", total=path.stat().st_size)
    try:
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
            probed=probed,
        )
    finally:
        progress.remove_task(task)
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
                with _byte_progress() as progress:
                    asset, created = _import(session, store, actor, path, progress)
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
    kind: str | None = typer.Option(
        None, "--kind", metavar="KIND", help="video, audio, image or subtitles."
    ),
    page: int = typer.Option(1, "--page", min=1, metavar="N", help="Page of 100, newest first."),
) -> None:
    """List the library with each file's facts and renditions."""

    from shortops.kit.pagination import PageParams
    from shortops.media import service
    from shortops.media.schemas import KIND_LABELS
    from shortops.models import AssetKind, RenditionStatus

    if kind is not None and kind not in ASSET_KINDS:
        raise fail(f"--kind must be one of {', '.join(ASSET_KINDS)}, not {kind}.")
    with database() as session:
        ws = resolve_workspace(session, workspace)
        assets, total = service.list_assets(
            session,
            workspace_id=ws.id,
            params=PageParams(page=page, per_page=100),
            kind=AssetKind(kind) if kind else None,
        )
        renditions = service.renditions_by_asset(
            session, workspace_id=ws.id, asset_ids=[a.id for a in assets]
        )
        table = printable_table(
            "id", "file", "kind", "duration", "size", "fps", "codecs", "renditions"
        )
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
    subtitle_size: int = typer.Option(
        56, "--subtitle-size", min=8, max=400, metavar="PX", help="Subtitle font size in pixels."
    ),
    subtitle_position: str = typer.Option(
        "bottom",
        "--subtitle-position",
        metavar="bottom|center|top",
        help="Where the subtitles go, inside the platform's safe area.",
    ),
    subtitle_color: str = typer.Option(
        "#FFFFFF", "--subtitle-color", metavar="#RRGGBB", help="Subtitle text colour."
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
    if subtitle_position not in ("bottom", "center", "top"):
        raise fail(f"--subtitle-position must be bottom, center or top, not {subtitle_position}.")
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", subtitle_color):
        raise fail(f"--subtitle-color must be #RRGGBB (e.g. #FFFF00), not {subtitle_color}.")
    subtitle_style = TextStyle.model_validate(
        {"size": subtitle_size, "position": subtitle_position, "color": subtitle_color}
    )
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    side_paths = {"subtitles": subtitles, "music": music, "logo": logo}

    def spec_naming(refs: dict[str, dict[str, Any]]) -> EditSpec:
        """The edit these options ask for, its side files named by `refs` (ids or paths)."""
        return EditSpec(
            fit=Fit.model_validate({"mode": fit}),
            overlays=(TextOverlay(text=caption, style=TextStyle(position="bottom")),)
            if caption
            else (),
            subtitles=Subtitles(**refs["subtitles"], style=subtitle_style)
            if "subtitles" in refs
            else None,
            music=Music(**refs["music"], volume=music_volume, duck=duck)
            if "music" in refs
            else None,
            logo=LogoSpec(**refs["logo"]) if "logo" in refs else None,
            loudness_lufs=loudness,
            cover=Cover(enabled=cover),
        )

    with _progress() as progress:
        task = progress.add_task(f"Rendering for {platform}", total=1.0)

        def report(fraction: float) -> None:
            progress.update(task, completed=fraction)

        head = _head_start(
            settings,
            store,
            input_path,
            platform,
            side_paths,
            spec_naming({r: {"path": str(p)} for r, p in side_paths.items() if p is not None}),
            report,
        )
        with head or nullcontext():
            rendition_id = _file_and_request(
                store,
                input_path,
                platform,
                side_paths,
                spec_naming,
                progress,
                workspace,
                probed=head.probe_of if head else lambda path: None,
            )
            with _cancel_on_interrupt(rendition_id):
                _render_here_or_wait(
                    settings, rendition_id, report, renderer=head.adopt if head else render
                )
    _print_result(settings, store, rendition_id, out=out, as_json=as_json)


def _head_start(
    settings: Settings,
    store: MediaStore,
    master: Path,
    platform: str,
    side_paths: dict[str, Path | None],
    spec: EditSpec,
    report: ProgressCallback,
) -> HeadStart | None:
    """Start FFmpeg on the user's files while the library files them (built-in profiles only:
    a workspace's own profile is known only once the database is open)."""
    profile = BUILTIN_PROFILES.get(platform)
    files = [master, *(p for p in side_paths.values() if p is not None)]
    if profile is None or not all(path.is_file() for path in files):
        return None  # the library gives the proper message
    return HeadStart.begin(
        master,
        spec,
        profile,
        RenderFiles(**{role: p for role, p in side_paths.items() if p is not None}),
        store.temp_file(".mp4"),
        threads=encoder_threads(settings, alone=True),
        timeout_s=settings.render_timeout_seconds,
        on_progress=report,
    )


def _file_and_request(
    store: MediaStore,
    master_path: Path,
    platform: str,
    side_paths: dict[str, Path | None],
    spec_naming: Callable[[dict[str, dict[str, Any]]], EditSpec],
    progress: Progress,
    workspace: str | None,
    *,
    probed: Callable[[Path], MediaInfo | None],
) -> int:
    """Import the master and side files into the library and ask for the rendition; its id."""
    from shortops.media import flows
    from shortops.media.schemas import RenditionsCreate

    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))

        def imported(path: Path) -> MediaAsset:
            asset, _ = _import(
                session, store, actor, path, progress, previews=False, probed=probed(path)
            )
            return asset

        master = imported(master_path)
        refs = {
            role: {"asset_id": imported(path).id}
            for role, path in side_paths.items()
            if path is not None
        }
        ((rendition, _send),) = flows.request_renditions(
            session,
            actor=actor,
            data=RenditionsCreate(asset_id=master.id, profiles=[platform], spec=spec_naming(refs)),
            store=store,
        )
        session.commit()
        return rendition.id


def _print_result(
    settings: Settings, store: MediaStore, rendition_id: int, *, out: Path | None, as_json: bool
) -> None:
    from shortops.db.session import session_scope
    from shortops.media import service
    from shortops.models import Rendition, RenditionStatus

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
        from shortops.publishing.renditions import file_sha256

        payload = {
            "rendition_id": rendition_id,
            "sha256": file_sha256(output),
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


def _render_here_or_wait(
    settings: Settings, rendition_id: int, report: ProgressCallback, *, renderer: Renderer
) -> None:
    """Render in this process when the rendition is queued; else follow the worker on it."""
    from shortops.db.session import session_scope
    from shortops.media import flows
    from shortops.models import Rendition, RenditionStatus

    def run_here() -> bool:
        return flows.run_rendition(
            settings, rendition_id, renderer=renderer, on_progress=report, alone=True
        )

    if run_here():
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
            report(row.progress)
            queued = row.status == RenditionStatus.queued
        if queued and run_here():
            return
        time.sleep(WAIT_POLL_S)


@contextmanager
def _cancel_on_interrupt(rendition_id: int) -> Iterator[None]:
    """Ctrl-C stops FFmpeg and marks the rendition cancelled (it can be asked for again)."""
    try:
        yield
    except KeyboardInterrupt:
        from shortops.db.session import session_scope
        from shortops.media import rendition_service

        with session_scope(get_settings()) as session:
            rendition_service.abandon_rendition(session, rendition_id=rendition_id)
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
