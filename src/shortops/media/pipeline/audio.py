"""Audio: the source's sound, an optional music bed (ducked under it when asked), loudness.

Every rendition leaves with AAC, 48 kHz stereo. A source without sound gets silence (`anullsrc`)
so players and platforms that expect an audio track find one. Ducking and loudness
normalisation are off unless the spec asks (docs/decisions/0007). Loudness is normalised with
one `loudnorm` pass (dynamic mode): a second, measured pass would be slightly more exact but
doubles the audio work; the single pass lands within about 1 LU of the target, well inside what
the platforms' own normalisation tolerates. loudnorm works at 192 kHz internally, hence the
resampling after it.

The output is padded with silence (`apad`) and cut to the planned duration by the encoder's `-t`,
so a looping music bed and `anullsrc`, both endless, stop with the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from shortops.media.spec import Music

SAMPLE_RATE = 48_000
STANDARD_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
TRUE_PEAK_DB = -1.5
LOUDNESS_RANGE_LU = 11
# Ducking: music drops ~20 dB within 20 ms of speech louder than about -34 dBFS, and comes back
# over 400 ms once the speech pauses.
DUCK_FILTER = "sidechaincompress=threshold=0.02:ratio=10:attack=20:release=400"


@dataclass(frozen=True)
class AudioSources:
    """Labels of the audio inputs: the source's stream and the music file's, when present."""

    speech: str | None
    music: str | None


def loudnorm_filter(target_lufs: float) -> str:
    """Single-pass EBU R128 normalisation to `target_lufs` with a -1.5 dBTP ceiling."""
    return f"loudnorm=I={target_lufs:g}:TP={TRUE_PEAK_DB:g}:LRA={LOUDNESS_RANGE_LU}"


def music_input_args(music: Music) -> list[str]:
    """Input options for the music file: loop it endlessly when asked (`-stream_loop -1`)."""
    return ["-stream_loop", "-1"] if music.loop else []


def audio_chains(
    sources: AudioSources,
    music: Music | None,
    *,
    loudness_lufs: float | None,
    keep_filters: list[str],
    out: str,
) -> list[str]:
    """Labelled chains producing [out]: speech (cut by `keep_filters`) mixed with music."""
    finish = (
        [loudnorm_filter(loudness_lufs), STANDARD_FORMAT, "apad"]
        if loudness_lufs is not None
        else ["apad"]
    )
    if sources.speech is None and (sources.music is None or music is None):
        return [f"anullsrc=r={SAMPLE_RATE}:cl=stereo[{out}]"]
    if sources.music is None or music is None:
        speech = [*keep_filters, STANDARD_FORMAT, *finish]
        return [f"[{sources.speech}]{','.join(speech)}[{out}]"]
    bed = [STANDARD_FORMAT, f"volume={music.volume:g}"]
    if sources.speech is None:
        return [f"[{sources.music}]{','.join([*bed, *finish])}[{out}]"]
    return _mixed(sources.speech, sources.music, music, bed, keep_filters, finish, out)


def _mixed(
    speech: str,
    music_label: str,
    music: Music,
    bed: list[str],
    keep_filters: list[str],
    finish: list[str],
    out: str,
) -> list[str]:
    prepared = [*keep_filters, STANDARD_FORMAT]
    # amix would otherwise divide every input by the input count; keep the set volumes.
    mix = f"amix=inputs=2:duration=first:normalize=0,{','.join(finish)}"
    if not music.duck:
        return [
            f"[{speech}]{','.join(prepared)}[{out}_speech]",
            f"[{music_label}]{','.join(bed)}[{out}_bed]",
            f"[{out}_speech][{out}_bed]{mix}[{out}]",
        ]
    return [
        f"[{speech}]{','.join([*prepared, 'asplit=2'])}[{out}_speech][{out}_key]",
        f"[{music_label}]{','.join(bed)}[{out}_bed]",
        f"[{out}_bed][{out}_key]{DUCK_FILTER}[{out}_ducked]",
        f"[{out}_speech][{out}_ducked]{mix}[{out}]",
    ]
