"""Reference job R1: shortops vs one hand-written FFmpeg command vs MoviePy, plus a batch figure.

    .venv/bin/python benchmarks/media_r1.py [--runs 3] [--batch 8]

Input: 15 s 1920x1080 30 fps testsrc2 + 440 Hz sine (H.264/AAC); music bed: 15 s 220 Hz sine.
Output: 9:16 centre crop at 1080x1920, caption "Three tips for better hooks" at the bottom for the
whole clip, music at 20 % under the original sound, libx264 veryfast CRF 23, AAC 128 k, faststart.

The hand-written command has the filters and encoder settings shortops uses for this job, typed
out by hand with FFmpeg's default threading, so the ratio is the cost of everything shortops adds
around FFmpeg (start-up, import and hashing, probing, checking the output) less what its thread
budget saves (a render alone gets `-threads <cores>`; x264's default is 1.5 x cores). The same
command with shortops' `-threads` is printed too, so both effects can be read apart. Runs of the
two alternate, so a slow moment of the machine does not land on one side only. Peak memory is the
largest sum of the resident memory of the whole process tree (Python + FFmpeg), sampled every
20 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import Measurement, run_measured

CAPTION = "Three tips for better hooks"
FFMPEG = os.environ.get("SHORTOPS_FFMPEG") or imageio_ffmpeg.get_ffmpeg_exe()
FONT = Path(__file__).resolve().parents[1] / "src/shortops/media/fonts/NotoSansSC-Regular.otf"
PASSWORD = "Quiet-harbor-42"
# MoviePy is no dependency of shortops: point this at a Python that has it (default: this one).
MOVIEPY_PYTHON = os.environ.get("MOVIEPY_PYTHON", sys.executable)


def make_fixtures(work: Path) -> tuple[Path, Path]:
    master, music = work / "input.mp4", work / "music.m4a"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1920x1080:rate=30:duration=15", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=15", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(master)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=220:duration=15",
         "-c:a", "aac", str(music)],
        check=True,
    )  # fmt: skip
    return master, music


def hand_written_argv(
    master: Path, music: Path, out: Path, *, threads: int | None = None
) -> list[str]:
    """R1 as one FFmpeg command, written out by hand."""
    video = (
        "[0:0]fps=30,crop=608:1080:656:0,scale=1080:1920,setsar=1,"
        f"drawtext=fontfile={FONT}:expansion=none:text={CAPTION}:fontsize=56:"
        "fontcolor=0xFFFFFF:borderw=3:bordercolor=0x000000:text_align=C:"
        "x=60+(w-text_w-230)/2:y=h-text_h-470,"
        "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709,"
        "format=yuv420p[vout]"
    )
    stereo = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
    sound = (
        f"[0:1]{stereo}[speech];[1:a:0]{stereo},volume=0.2[bed];"
        "[speech][bed]amix=inputs=2:duration=first:normalize=0,apad[aout]"
    )
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-i", str(master), "-stream_loop", "-1", "-i", str(music),
        "-filter_complex", f"{video};{sound}", "-map", "[vout]", "-map", "[aout]",
        "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "veryfast",
        "-crf", "23", "-maxrate", "10000k", "-bufsize", "20000k", "-g", "60",
        "-keyint_min", "60", "-sc_threshold", "0", "-flags", "+cgop", "-fps_mode", "cfr",
        "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-t", "15",
        *(["-threads", str(threads)] if threads else []), "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def shortops_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTOPS_")}
    env["SHORTOPS_HOME"] = str(home)
    return env


def fresh_home(work: Path, n: int) -> Path:
    """A set-up home with no renditions, so the timed render is not served from the cache."""
    home = work / f"home{n}"
    subprocess.run(
        [sys.executable, "-m", "shortops", "init", "--email", "bench@example.com",
         "--password", PASSWORD, "--workspace", "Bench"],
        env=shortops_env(home), check=True, capture_output=True,
    )  # fmt: skip
    return home


def shortops_argv(master: Path, music: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "shortops", "media", "render", str(master),
        "--platform", "tiktok", "--fit", "crop", "--caption", CAPTION,
        "--music", str(music), "--music-volume", "0.2", "--out", str(out),
    ]  # fmt: skip


def moviepy_argv(master: Path, music: Path, out: Path) -> list[str]:
    """R1 in MoviePy 2, as a script run in its own process so it is measured like the others."""
    code = f"""
from moviepy import VideoFileClip, AudioFileClip, TextClip, CompositeVideoClip, CompositeAudioClip
clip = VideoFileClip({str(master)!r})
w, h = clip.size
cw = round(h * 9 / 16 / 2) * 2
clip = clip.cropped(x_center=w / 2, width=cw, height=h).resized((1080, 1920))
text = TextClip(font={str(FONT)!r}, text={CAPTION!r}, font_size=56, color="white",
                stroke_color="black", stroke_width=3).with_duration(clip.duration)
text = text.with_position(("center", 1920 - 120 - text.h))
bed = AudioFileClip({str(music)!r}).with_volume_scaled(0.2).with_duration(clip.duration)
video = CompositeVideoClip([clip, text]).with_audio(CompositeAudioClip([clip.audio, bed]))
video.write_videofile({str(out)!r}, codec="libx264", preset="veryfast", ffmpeg_params=["-crf", "23",
    "-pix_fmt", "yuv420p", "-movflags", "+faststart"], audio_codec="aac", audio_bitrate="128k",
    fps=30, logger=None)
"""
    script = out.with_suffix(".py")
    script.write_text(code)
    return [MOVIEPY_PYTHON, str(script)]


def has_moviepy() -> bool:
    probe = subprocess.run([MOVIEPY_PYTHON, "-c", "import moviepy"], capture_output=True)
    return probe.returncode == 0


def median_of(results: list[Measurement]) -> tuple[float, float]:
    return (
        statistics.median(r.wall_s for r in results),
        statistics.median(r.peak_rss_mb for r in results),
    )


def alternating(runs: int, jobs: list[Callable[[int], Measurement]]) -> list[tuple[float, float]]:
    """Median (wall, memory) of each job, running them in turn: a, b, c, a, b, c, …"""
    results: list[list[Measurement]] = [[] for _ in jobs]
    for i in range(runs):
        for job, found in zip(jobs, results, strict=True):
            found.append(job(i))
    return [median_of(found) for found in results]


def batch_figures(master: Path, music: Path, work: Path, count: int) -> tuple[float, float]:
    """Wall time of `count` renditions one after another, and in parallel bounded by cores."""
    from shortops.config import get_settings
    from shortops.media.profiles import BUILTIN_PROFILES
    from shortops.media.render import RenderFiles, encoder_threads, render
    from shortops.media.spec import EditSpec, Music, TextOverlay

    profile = BUILTIN_PROFILES["tiktok"]
    files = RenderFiles(music=music)

    def one(i: int) -> None:
        # A different caption each time, as a batch of distinct renditions would have.
        spec = EditSpec(
            overlays=(TextOverlay(text=f"{CAPTION} #{i}"),),
            music=Music(path=str(music), volume=0.2),
        )
        render(master, spec, profile, work / f"batch{i}.mp4", files=files, threads=threads)

    threads = encoder_threads(get_settings(), alone=True)
    start = time.perf_counter()
    for i in range(count):
        one(i)
    serial = time.perf_counter() - start
    threads = encoder_threads(get_settings(), alone=False)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(one, range(count, 2 * count)))
    parallel = time.perf_counter() - start
    return serial, parallel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--no-moviepy", action="store_true")
    parser.add_argument("--moviepy-runs", type=int, default=1, help="MoviePy is slow: 1 by default")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shortops-r1-") as tmp:
        work = Path(tmp)
        master, music = make_fixtures(work)
        homes = [fresh_home(work, i) for i in range(args.runs)]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")  # fmt: skip
        cores = os.cpu_count() or 1
        (ffmpeg_wall, ffmpeg_mem), (ours_wall, ours_mem), (threads_wall, threads_mem) = alternating(
            args.runs,
            [
                lambda i: run_measured(hand_written_argv(master, music, work / f"f{i}.mp4")),
                lambda i: run_measured(
                    shortops_argv(master, music, work / f"s{i}.mp4"), env=shortops_env(homes[i])
                ),
                lambda i: run_measured(
                    hand_written_argv(master, music, work / f"t{i}.mp4", threads=cores)
                ),
            ],
        )
        print(f"ffmpeg (hand-written): {ffmpeg_wall:6.2f} s  peak {ffmpeg_mem:6.0f} MB")
        print(f"shortops media render: {ours_wall:6.2f} s  peak {ours_mem:6.0f} MB")
        print(f"ffmpeg -threads {cores}:     {threads_wall:6.2f} s  peak {threads_mem:6.0f} MB"
              f"  (shortops / this: wall {ours_wall / threads_wall:.3f}, "
              f"memory {ours_mem / threads_mem:.3f})")  # fmt: skip
        print(f"shortops / ffmpeg: wall {ours_wall / ffmpeg_wall:.3f} (target <= 1.10), "
              f"memory {ours_mem / ffmpeg_mem:.3f} (target <= 1.15)")  # fmt: skip
        if not args.no_moviepy and has_moviepy():
            movie_wall, movie_mem = median_of(
                [
                    run_measured(moviepy_argv(master, music, work / f"m{i}.mp4"))
                    for i in range(args.moviepy_runs)
                ]
            )
            print(f"moviepy:               {movie_wall:6.2f} s  peak {movie_mem:6.0f} MB")
            print(f"moviepy / shortops: {movie_wall / ours_wall:.2f} (target >= 8), "
                  f"moviepy / ffmpeg: {movie_wall / ffmpeg_wall:.2f}")  # fmt: skip
        else:
            print("moviepy: not installed (pip install moviepy to include it)")
        if args.batch:
            serial, parallel = batch_figures(master, music, work, args.batch)
            print(
                f"batch of {args.batch} renditions: serial {serial:.1f} s, "
                f"{os.cpu_count()} at a time {parallel:.1f} s, "
                f"speed-up {serial / parallel:.2f}x"
            )


if __name__ == "__main__":
    main()
