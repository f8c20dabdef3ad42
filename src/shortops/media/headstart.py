"""A render started before its rendition exists, so the encoder does not wait for the library.

`shortops media render` knows everything FFmpeg needs from its arguments: the files, the built-in
profile, the choices. Filing those files in the library first (importing the database layer,
hashing and copying each file, probing it, the rendition row) takes about half a second, which
used to pass before FFmpeg started. A head start runs the render at once on the user's own files
while that happens alongside; the rendition then adopts it, or it is cancelled:

- adopted when the rendition is rendered here and asks for exactly what the head start renders
  (the same profile, the same choices, the same roles of side files) and no input file changed
  size or modification time since it began;
- cancelled otherwise (a cached rendition, one a worker holds, a custom profile of that name, an
  error before the rendition existed): FFmpeg is stopped and its files are removed, so nothing it
  made outlives it unless a rendition claimed it.

This module imports no database code: that is what lets FFmpeg start early.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from shortops.errors import ShortopsError
from shortops.media.probe import MediaInfo, probe
from shortops.media.profiles import PlatformProfile
from shortops.media.render import RenderFiles, RenderResult, render
from shortops.media.runner import ProgressCallback
from shortops.media.spec import SIDE_FILE_ROLES, EditSpec

# How often the adopting side looks at its own cancel flag while the head start renders.
_WATCH_S = 0.05


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int


def _stamp(path: Path) -> _Stamp | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return _Stamp(found.st_size, found.st_mtime_ns)


class HeadStart:
    """One render of user files running in a thread until a rendition adopts or cancels it."""

    @classmethod
    def begin(
        cls,
        master: Path,
        spec: EditSpec,
        profile: PlatformProfile,
        files: RenderFiles,
        out: Path,
        *,
        threads: int | None,
        timeout_s: float,
        on_progress: ProgressCallback | None = None,
    ) -> HeadStart | None:
        """Probe the inputs and start rendering; None when an input cannot be probed.

        The library refuses such a file with its own message. The probes are kept for it
        (`probe_of`), so nothing is probed a second time while the encoder holds its memory.
        """
        try:
            probes = {path: probe(path) for path in (master, files.logo, files.music) if path}
        except ShortopsError:
            return None
        head = cls(master, spec, profile, files, out, threads=threads, timeout_s=timeout_s)
        head._probes = probes
        head._listener = on_progress
        return head.start()

    def __init__(
        self,
        master: Path,
        spec: EditSpec,
        profile: PlatformProfile,
        files: RenderFiles,
        out: Path,
        *,
        threads: int | None,
        timeout_s: float,
    ) -> None:
        self.master = master
        self.spec = spec
        self.profile = profile
        self.files = files
        self.out = out
        self._inputs = [master, *(p for p in (files.subtitles, files.logo, files.music) if p)]
        self._stamps = [_stamp(path) for path in self._inputs]
        self._threads = threads
        self._timeout_s = timeout_s
        self._listener: ProgressCallback | None = None
        self._probes: dict[Path, MediaInfo] = {}
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._result: RenderResult | None = None
        self._error: BaseException | None = None
        self._adopted = False
        self._thread = threading.Thread(target=self._run, name="render-head-start", daemon=True)

    def start(self) -> HeadStart:
        """Start the render; back once FFmpeg runs (or the render stopped before it could).

        Probing and planning are Python work: done before the caller goes on to its own, they
        do not wait for the interpreter while the caller imports the database layer.
        """
        self._thread.start()
        self._running.wait()
        return self

    def _run(self) -> None:
        try:
            self._result = render(
                self.master,
                self.spec,
                self.profile,
                self.out,
                files=self.files,
                on_progress=self._report,
                cancel=self._cancel,
                timeout_s=self._timeout_s,
                threads=self._threads,
                source=self._probes.get(self.master),
            )
        except BaseException as exc:  # handed to whoever adopts it, or dropped with it
            self._error = exc
        finally:
            self._running.set()

    def probe_of(self, path: Path) -> MediaInfo | None:
        """The probe of an input file made before the render started, if there is one."""
        return self._probes.get(path)

    def _report(self, fraction: float) -> None:
        self._running.set()
        listener = self._listener
        if listener is not None:
            listener(fraction)

    def serves(self, spec: EditSpec, profile: PlatformProfile, files: RenderFiles) -> bool:
        """Whether this head start renders what (`spec`, `profile`, `files`) asks for."""
        same_roles = all(
            (getattr(files, role) is None) == (getattr(self.files, role) is None)
            for role in SIDE_FILE_ROLES
        )
        return (
            same_roles
            and profile == self.profile
            and spec.without_file_refs() == self.spec.without_file_refs()
            and self._inputs_unchanged()
        )

    def _inputs_unchanged(self) -> bool:
        return [_stamp(path) for path in self._inputs] == self._stamps

    def adopt(
        self,
        master: Path,
        spec: EditSpec,
        profile: PlatformProfile,
        out: Path,
        *,
        files: RenderFiles | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        timeout_s: float | None = None,
        source: MediaInfo | None = None,
        threads: int | None = None,
    ) -> RenderResult:
        """A renderer (the signature of `render`): this head start's result when it serves the
        request, else a render of its own after the head start is cancelled."""
        files = files or RenderFiles()
        if self.serves(spec, profile, files):
            result = self._wait(on_progress, cancel)
            if self._inputs_unchanged():
                return result
            # An input changed while FFmpeg read it: render the library's copies instead.
            self._discard(result)
        else:
            self.cancel()
        return render(
            master,
            spec,
            profile,
            out,
            files=files,
            on_progress=on_progress,
            cancel=cancel,
            timeout_s=timeout_s,
            source=source,
            threads=threads,
        )

    def _wait(
        self, on_progress: ProgressCallback | None, cancel: threading.Event | None
    ) -> RenderResult:
        """The head start's result, reporting to `on_progress` and stopping on `cancel`."""
        self._adopted = True
        self._listener = on_progress
        while self._thread.is_alive():
            self._thread.join(_WATCH_S)
            if cancel is not None and cancel.is_set():
                self._cancel.set()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def cancel(self) -> None:
        """Stop the render and remove what it wrote; nothing once a rendition adopted it."""
        if self._adopted:
            return
        self._cancel.set()
        self._thread.join()
        if self._result is not None:
            self._discard(self._result)
        self.out.unlink(missing_ok=True)

    @staticmethod
    def _discard(result: RenderResult) -> None:
        for path in (result.output, *(cover.path for cover in result.covers)):
            path.unlink(missing_ok=True)

    def __enter__(self) -> HeadStart:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()
