"""The render pipeline: small pure builders of FFmpeg filter-graph pieces and arguments.

One module per step (fit, trim, color, subtitles, overlays, logo, audio, silence, encode, cover,
scenes, concat); `plan` checks what can be known before rendering and `graph` composes the steps
into one FFmpeg command per rendition. Only `analysis` runs anything: the passes that must look at
the picture or the sound first (silences, scene cuts, the sharpest cover frame).
"""
