"""Safe zones: text and logos go inside each platform's safe area and never on top of each other."""

from __future__ import annotations

import itertools

import pytest

from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.layout import Insets
from shortops.media.pipeline.placement import layout, subtitle_height, text_height
from shortops.media.pipeline.subtitles import cue_texts, force_style
from shortops.media.profiles import BUILTIN_PROFILES, SafeArea
from shortops.media.render import cover_title_position
from shortops.media.schemas import ProfileCreate
from shortops.media.service import scaled_safe_area
from shortops.media.spec import (
    EditSpec,
    Logo,
    Subtitles,
    TextOverlay,
    TextStyle,
    output_profile,
    rendition_key,
)

TIKTOK = BUILTIN_PROFILES["tiktok"]
FRAME = Size(TIKTOK.width, TIKTOK.height)
SAFE = TIKTOK.safe_area


def _span(insets: Insets, height: int, position: str, frame: Size = FRAME) -> tuple[int, int]:
    """The rows an item of `height` takes when placed with `insets` at `position`."""
    if position.startswith("top"):
        return insets.top, insets.top + height
    if position.startswith("bottom"):
        return frame.height - insets.bottom - height, frame.height - insets.bottom
    middle = insets.top + (frame.height - height - insets.top - insets.bottom) / 2
    return round(middle), round(middle) + height


def test_every_vertical_platform_keeps_its_buttons_and_captions_clear() -> None:
    for profile in BUILTIN_PROFILES.values():
        safe = profile.safe_area
        assert safe.top > 0 and safe.bottom > safe.top, profile.slug
        assert safe.top + safe.bottom < profile.height / 2, profile.slug
        if profile.orientation == "portrait":  # the like/comment column is on the right
            assert safe.right > safe.left, profile.slug
    # Instagram's own guide keeps more of the bottom free than TikTok's interface needs.
    assert BUILTIN_PROFILES["instagram_reels"].safe_area.bottom > SAFE.bottom


def test_subtitles_sit_above_the_caption_band_and_clear_of_the_button_column() -> None:
    spec = EditSpec(subtitles=Subtitles(path="s.srt"))
    places = layout(spec, FRAME, SAFE)
    assert places.subtitles == Insets(top=SAFE.top, right=SAFE.right, bottom=SAFE.bottom + 30,
                                      left=SAFE.left)  # fmt: skip
    # Burned in by libass: its margins are the same insets.
    style = force_style(TextStyle(), "Noto Sans SC", FRAME, places.subtitles)
    assert f"MarginV={SAFE.bottom + 30}" in style and f"MarginR={SAFE.right}" in style
    assert "MarginL=65" in style  # never closer than 6 % of the width to the frame's edge


def test_a_caption_at_the_bottom_goes_above_the_subtitles_not_over_them() -> None:
    caption = TextOverlay(text="Link in bio", style=TextStyle(position="bottom"))
    spec = EditSpec(subtitles=Subtitles(path="s.srt"), overlays=(caption,))
    places = layout(spec, FRAME, SAFE, subtitle_texts=("第一行\n第二行",))
    assert places.subtitles is not None
    subtitles = _span(places.subtitles, subtitle_height(TextStyle(), 2), "bottom")
    text = _span(places.overlays[0], text_height("Link in bio", caption.style, 800), "bottom")
    assert text[1] <= subtitles[0]


def test_longer_cues_push_the_caption_further_up() -> None:
    caption = TextOverlay(text="Link in bio")
    spec = EditSpec(subtitles=Subtitles(path="s.srt"), overlays=(caption,))
    short = layout(spec, FRAME, SAFE, subtitle_texts=("你好",))
    long = layout(spec, FRAME, SAFE, subtitle_texts=("一行\n两行\n三行",))
    assert long.overlays[0].bottom - short.overlays[0].bottom == pytest.approx(2 * 56 * 1.25, abs=1)
    # A cue too long for one line is wrapped, so it counts as two.
    wrapped = layout(spec, FRAME, SAFE, subtitle_texts=("很" * 40,))
    assert wrapped.overlays[0].bottom > short.overlays[0].bottom


def test_the_hook_goes_below_a_logo_in_the_top_corner() -> None:
    hook = TextOverlay(text="等到最后", end_s=3, style=TextStyle(position="top", size=72))
    spec = EditSpec(overlays=(hook,), logo=Logo(path="logo.png", position="top-right"))
    places = layout(spec, FRAME, SAFE, logo_size=Size(200, 100))
    assert places.logo is not None
    logo_rows = _span(places.logo, 81, "top")  # 15 % of 1080 = 162 wide, so 81 high
    assert places.logo.top == SAFE.top + 40 and places.logo.right == SAFE.right + 40
    assert places.overlays[0].top >= logo_rows[1]


def test_no_two_items_overlap_whatever_their_positions() -> None:
    positions = ("top", "top-left", "center", "bottom", "bottom-right")
    for sub_at, hook_at, caption_at, logo_at in itertools.product(
        ("bottom", "top", "center"), positions, positions, ("top-right", "bottom-left")
    ):
        hook = TextStyle(position=hook_at, size=72)
        overlays = (
            TextOverlay(text="Wait for the end 等到最后", style=hook),
            TextOverlay(text="Link in bio · 链接在简介", style=TextStyle(position=caption_at)),
        )
        spec = EditSpec(
            subtitles=Subtitles(path="s.srt", style=TextStyle(position=sub_at)),
            overlays=overlays,
            logo=Logo(path="l.png", position=logo_at),
        )
        places = layout(spec, FRAME, SAFE, logo_size=Size(100, 100))
        assert places.subtitles is not None and places.logo is not None
        spans = [
            _span(places.subtitles, subtitle_height(TextStyle(), 2), sub_at),
            _span(places.logo, 162, logo_at),
            *(
                _span(place, text_height(o.text, o.style, 850), o.style.position)
                for place, o in zip(places.overlays, overlays, strict=True)
            ),
        ]
        for (a_top, a_bottom), (b_top, b_bottom) in itertools.combinations(spans, 2):
            assert a_bottom <= b_top or b_bottom <= a_top, (sub_at, hook_at, caption_at, logo_at)
        for top, bottom in spans:
            assert top >= SAFE.top and bottom <= FRAME.height - SAFE.bottom


def test_wrapped_text_fits_between_the_side_zones() -> None:
    from shortops.media.pipeline.overlays import drawtext_filter

    long = "这是一段很长很长的钩子文字，需要换行才能放进安全区" * 2
    places = layout(EditSpec(overlays=(TextOverlay(text=long),)), FRAME, SAFE)
    built = drawtext_filter(long, TextStyle(size=56), __file__, FRAME, insets=places.overlays[0])  # type: ignore[arg-type]
    lines = built.split(":text=", 1)[1].split(":fontsize", 1)[0].split("\n")
    usable = FRAME.width - SAFE.left - SAFE.right
    assert len(lines) >= 3 and all(len(line) * 56 <= usable for line in lines)


def test_the_cover_title_moves_to_the_middle_when_the_edit_has_text_at_the_top() -> None:
    assert cover_title_position(EditSpec()) == "top"
    hook = TextOverlay(text="Hook", style=TextStyle(position="top"))
    assert cover_title_position(EditSpec(overlays=(hook,))) == "center"


def test_cue_texts_are_read_from_srt_and_webvtt_without_tags() -> None:
    srt = (
        "1\n00:00:00,000 --> 00:00:01,500\n<i>Hello</i> 你好\n第二行\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n再见\n"
    )
    assert cue_texts(srt) == ["Hello 你好\n第二行", "再见"]
    vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n{\\an8}Top line\n"
    assert cue_texts(vtt) == ["Top line"]


def test_platforms_with_the_same_zones_share_a_file_and_others_do_not() -> None:
    spec = EditSpec(subtitles=Subtitles(path="s.srt"))
    keys = {
        slug: rendition_key(input_sha256="a" * 64, profile=BUILTIN_PROFILES[slug], spec=spec,
                            duration_s=20)
        for slug in ("tiktok", "youtube_shorts", "instagram_reels")
    }  # fmt: skip
    assert keys["tiktok"] == keys["youtube_shorts"]
    assert keys["instagram_reels"] != keys["tiktok"]
    assert output_profile(TIKTOK, 20)["safe_area"] == SAFE.model_dump()


def test_a_custom_size_keeps_the_platforms_zones_in_proportion() -> None:
    reels = BUILTIN_PROFILES["instagram_reels"]
    square = scaled_safe_area(reels, 1080, 1080)
    assert square == SafeArea(top=152, right=120, bottom=377, left=65)
    data = ProfileCreate(slug="feed", name="Feed", based_on="instagram_reels", height=1080)
    assert data.safe_area is None  # not given: create_profile scales the base's
