"""The manual provider and its publish kit: presets by platform name, topics written the
platform's way, the checklist of declarations, and the limits each platform's page enforces."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortops.providers.manual import ManualProvider
from shortops.providers.manual.kit import (
    PRESETS,
    ManualOptions,
    build_kit,
    caption_with_topics,
    limits_for,
    preset_for,
    short_title_from,
)
from shortops.providers.types import MediaFile, Pending, PublishRequest, Ticket, Tokens

MEDIA = MediaFile(
    path=Path("/media/renditions/abc.mp4"),
    size_bytes=50_000_000,
    duration_s=42.0,
    width=1080,
    height=1920,
)


def _request(**changes: object) -> PublishRequest:
    data: dict[str, object] = {
        "media": MEDIA,
        "title": "三个开头技巧",
        "caption": "开头三秒决定一切",
        "hashtags": ("短视频", "运营"),
        "options": {"platform_label": "小红书"},
        "idempotency_key": "pub-9",
    }
    data.update(changes)
    return PublishRequest.model_validate(data)


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("小红书", "xiaohongshu"),
        ("Xiaohongshu", "xiaohongshu"),
        (" XHS ", "xiaohongshu"),
        ("RedNote", "xiaohongshu"),
        ("视频号", "wechat_channels"),
        ("WeChat Channels", "wechat_channels"),
        ("wechat-channels", "wechat_channels"),
        ("微博", "weibo"),
        ("西瓜视频", "xigua"),
        ("好看视频", "haokan"),
        ("百家号", "haokan"),
        ("抖音", "douyin_personal"),
        ("Douyin personal", "douyin_personal"),
        ("快手极速版", "other"),
    ],
)
def test_platform_names_find_their_preset(label: str, key: str) -> None:
    assert preset_for(label).key == key


def test_every_named_platform_has_limits_and_an_upload_page() -> None:
    assert set(PRESETS) == {
        "xiaohongshu",
        "wechat_channels",
        "weibo",
        "xigua",
        "haokan",
        "douyin_personal",
    }
    for preset in PRESETS.values():
        assert preset.upload_url and preset.upload_url.startswith("https://")
        assert preset.limits.max_duration_s
    assert limits_for("小红书").hashtags_max == 10 and limits_for("小红书").title_max == 20
    assert limits_for("快手极速版").max_duration_s is None  # unknown: no limits assumed
    assert preset_for("快手极速版").name == "快手极速版"


def test_weibo_topics_have_a_hash_on_both_sides() -> None:
    kit = build_kit(platform_label="微博", caption="开头三秒", hashtags=("短视频", "#运营"))
    assert kit.caption == "开头三秒 #短视频# #运营#"
    assert caption_with_topics("看 #短视频", ("短视频", "运营"), "hash") == "看 #短视频 #运营"


def test_xiaohongshu_kit_checks_ten_topics_and_twenty_characters() -> None:
    tags = tuple(f"话题{n}" for n in range(11))
    kit = build_kit(
        platform_label="小红书", title="这是一个超过二十个字的标题这是一个超过二十个字的标题",
        hashtags=tags, media=MEDIA,
    )  # fmt: skip
    codes = {(issue.field, issue.code) for issue in kit.issues}
    assert ("hashtags", "too_many") in codes and ("title", "too_long") in codes
    assert kit.upload_url == "https://creator.xiaohongshu.com/publish/publish"
    assert [item.code for item in kit.checklist][:2] == ["open_page", "upload_video"]
    assert kit.checklist[1].params == {"filename": "abc.mp4"}
    assert kit.checklist[-1].code == "paste_url"


def test_wechat_channels_short_title_is_made_and_checked() -> None:
    assert short_title_from("三个开头技巧, 让人停下来! 第1条") == "三个开头技巧让人停下来第1条"
    kit = build_kit(platform_label="视频号", title="三个开头技巧：让人停下来", media=MEDIA)
    assert kit.short_title == "三个开头技巧让人停下来"
    assert not kit.issues
    assert "short_title" in [item.code for item in kit.checklist]
    assert "title" not in [item.code for item in kit.checklist]  # no separate title there
    short = build_kit(platform_label="视频号", title="太短", media=MEDIA)
    assert [i.code for i in short.issues] == ["short_title"]
    bad = build_kit(
        platform_label="视频号", options=ManualOptions(short_title="Hooks — 3 tips!"), media=MEDIA
    )
    assert [i.code for i in bad.issues] == ["short_title"]


def test_declarations_follow_the_options() -> None:
    plain = build_kit(platform_label="微博", title="t")
    by_code = {item.code: item for item in plain.checklist}
    assert by_code["ai_label"].required is False and by_code["original"].required is False
    assert "branded" not in by_code and "reprint" not in by_code

    declared = build_kit(
        platform_label="微博",
        title="t",
        options=ManualOptions(
            ai_generated=True,
            branded_content=True,
            brand="Acme",
            reprint_source="https://example.com/v/1",
        ),
    )
    by_code = {item.code: item for item in declared.checklist}
    assert by_code["ai_label"].required is True
    assert by_code["branded"].params == {"brand": "Acme"}
    assert by_code["reprint"].params == {"source": "https://example.com/v/1"}
    assert "original" not in by_code


def test_a_brand_deal_needs_the_brand() -> None:
    kit = build_kit(platform_label="微博", options=ManualOptions(branded_content=True), media=MEDIA)
    assert [(i.field, i.code) for i in kit.issues] == [("options.brand", "required")]


def test_checklist_texts_render_with_their_params() -> None:
    kit = build_kit(platform_label="抖音", title="t", media=MEDIA)
    for item in kit.checklist:
        assert "{" not in item.text.format(**item.params)
    assert "creator_center" in [item.code for item in kit.checklist]


# --- the provider ---------------------------------------------------------------------------------


def test_provider_records_the_kit_and_waits_for_the_operator() -> None:
    provider = ManualProvider()
    recorded: list[Ticket] = []
    tokens = Tokens(access_token="manual")
    ticket = provider.start_publish(tokens, _request(), record=recorded.append)
    assert recorded == [ticket]
    assert ticket.reference == "kit-pub-9"
    assert ticket.data == {"platform": "xiaohongshu", "platform_label": "小红书"}
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Pending) and state.detail == "waiting for the operator"
    assert provider.capabilities == {"publish"} and not provider.uses_oauth


def test_provider_validates_against_the_accounts_platform() -> None:
    provider = ManualProvider()
    assert provider.validate(_request()) == []
    too_long = MEDIA.model_copy(update={"duration_s": 1200})
    issues = provider.validate(_request(media=too_long))
    assert [(i.field, i.code) for i in issues] == [("media", "too_long")]
    # An unknown platform has no limits to break.
    assert provider.validate(_request(media=too_long, options={"platform_label": "X"})) == []
    wrong = provider.validate(_request(options={"platform_label": "小红书", "privacy": "x"}))
    assert [i.code for i in wrong] == ["invalid_option"]
