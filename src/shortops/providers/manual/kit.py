"""The assisted publish kit: everything an operator needs to post by hand on a platform without
an API for the account (Xiaohongshu, WeChat Channels, Weibo, Xigua, Haokan, personal Douyin …).

`build_kit` is pure: from the post's text, the manual options and the account's platform label
it makes the title, the caption with topics written the way that platform writes them, and the
checklist of steps and declarations (AI-generated label, brand partnership, original or reprint)
in order. Texts are English templates (N_) with parameters, translated where they are shown.

The limits below are what the creator pages and the tools that drive them enforce (see
../shared/platforms/CONSTRAINTS.md, "browser automation only"): not documented contracts, so
they live here, in one place, to be corrected when a platform changes its page.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shortops.errors import N_
from shortops.providers.base import check_limits, text_length
from shortops.providers.types import Frozen, Issue, Limits, MediaFile, PublishRequest

_MB = 1_000_000
_GB = 1_000_000_000

# WeChat Channels' short title (短标题): 6–16 characters of letters, digits and a few symbols.
SHORT_TITLE_MIN, SHORT_TITLE_MAX = 6, 16
_SHORT_TITLE_OK = re.compile(r"[^\W_]|[《》“”:+?%°]")


class ManualOptions(BaseModel):
    """Per-post options of a manual account: what the operator must declare on the platform."""

    model_config = ConfigDict(extra="forbid")

    # The platform as the account names it (Account.platform_label); the engine fills it in.
    platform_label: str = Field(default="", max_length=64)
    # WeChat Channels' short title; made from the title when empty.
    short_title: str = Field(default="", max_length=32)
    # Made or substantially edited with AI: China's labelling rules (effective 2025-09-01) and
    # every platform's own policy ask for the label.
    ai_generated: bool = False
    # A paid partnership: the platform's brand tool must mark it (advertising law).
    branded_content: bool = False
    brand: str = Field(default="", max_length=100)
    # Empty for original work; otherwise where the video comes from.
    reprint_source: str = Field(default="", max_length=300)


class ChecklistItem(Frozen):
    """One step the operator ticks off on the platform's page."""

    code: str
    text: str  # English template (N_), filled with `params`
    params: dict[str, Any] = Field(default_factory=dict)
    required: bool = True


class PlatformPreset(Frozen):
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    limits: Limits = Limits()
    upload_url: str | None = None
    # Where its posts live: a pasted link must be on one of these (or a subdomain).
    domains: tuple[str, ...] = ()
    # "#topic" on most platforms; Weibo writes topics with a hash on both sides: "#topic#".
    topic_style: Literal["hash", "double_hash"] = "hash"
    short_title: bool = False  # WeChat Channels
    has_original_declaration: bool = True
    steps: tuple[ChecklistItem, ...] = ()


class Kit(Frozen):
    platform: str
    platform_name: str
    title: str
    short_title: str
    caption: str
    hashtags: tuple[str, ...]
    upload_url: str | None
    checklist: tuple[ChecklistItem, ...]
    issues: tuple[Issue, ...]
    limits: Limits


def _step(code: str, text: str, required: bool = True, **params: Any) -> ChecklistItem:
    return ChecklistItem(code=code, text=text, params=params, required=required)


PRESETS: dict[str, PlatformPreset] = {
    preset.key: preset
    for preset in (
        PlatformPreset(
            key="xiaohongshu",
            name="Xiaohongshu 小红书",
            aliases=("xiaohongshu", "xhs", "小红书", "rednote", "red", "little red book"),
            # Title ≤ 20 and ≤ 10 topics are enforced by the creator page's tools (more topics
            # make the page hang); duration and size claims conflict (unconfirmed).
            limits=Limits(
                min_duration_s=3,
                max_duration_s=900,
                max_bytes=500 * _MB,
                aspect_ratios=(9 / 16, 3 / 4),
                title_max=20,
                caption_max=1000,
                hashtags_max=10,
                profile_slug="xiaohongshu",
            ),
            upload_url="https://creator.xiaohongshu.com/publish/publish",
            domains=("xiaohongshu.com", "xhslink.com"),
            steps=(
                _step("topics", N_("Add the topics from the caption: at most 10.")),
                _step(
                    "schedule",
                    N_("To post later, use the page's scheduled publish (定时发布)."),
                    required=False,
                ),
            ),
        ),
        PlatformPreset(
            key="wechat_channels",
            name="WeChat Channels 视频号",
            aliases=("wechat_channels", "wechat channels", "channels", "视频号", "微信视频号"),
            limits=Limits(
                min_duration_s=3,
                max_duration_s=3600,
                max_bytes=1 * _GB,
                aspect_ratios=(9 / 16,),
                caption_max=1000,
                profile_slug="wechat_channels",
            ),
            upload_url="https://channels.weixin.qq.com/platform/post/create",
            domains=("weixin.qq.com", "channels.weixin.qq.com"),
            short_title=True,
            steps=(
                _step(
                    "short_title",
                    N_(
                        "Fill in the short title (短标题): 6–16 characters, letters, digits and "
                        "《》“”:+?%° only."
                    ),
                ),
                _step("topics", N_("Topics stay inline in the description, as in the caption.")),
            ),
        ),
        PlatformPreset(
            key="weibo",
            name="Weibo 微博",
            aliases=("weibo", "微博", "sina weibo", "新浪微博"),
            limits=Limits(
                min_duration_s=1,
                max_duration_s=900,
                max_bytes=1 * _GB,
                title_max=30,
                caption_max=2000,
                profile_slug="weibo",
            ),
            upload_url="https://weibo.com/upload/channel",
            domains=("weibo.com", "weibo.cn"),
            topic_style="double_hash",
            steps=(
                _step(
                    "topics",
                    N_(
                        "Weibo topics have a hash on both sides (#topic#); the caption is "
                        "already written that way."
                    ),
                ),
            ),
        ),
        PlatformPreset(
            key="xigua",
            name="Xigua Video 西瓜视频",
            aliases=("xigua", "西瓜视频", "西瓜", "ixigua", "xigua video"),
            limits=Limits(
                min_duration_s=1,
                max_duration_s=3600,
                aspect_ratios=(16 / 9, 9 / 16),
                title_max=30,
                caption_max=400,
            ),
            upload_url="https://studio.ixigua.com/upload",
            domains=("ixigua.com", "toutiao.com"),
            steps=(_step("category", N_("Choose a category (分类) for the video.")),),
        ),
        PlatformPreset(
            key="haokan",
            name="Haokan Video 好看视频",
            aliases=("haokan", "好看视频", "好看", "baijiahao", "百家号", "haokan video"),
            limits=Limits(
                min_duration_s=1,
                max_duration_s=3600,
                aspect_ratios=(16 / 9, 9 / 16),
                title_max=30,
            ),
            upload_url="https://baijiahao.baidu.com/builder/rc/edit?type=videoV2",
            domains=("haokan.baidu.com", "haokan.hao123.com", "baijiahao.baidu.com"),
            steps=(
                _step(
                    "baijiahao",
                    N_(
                        "Haokan videos are posted through Baijiahao (百家号): choose a category "
                        "there."
                    ),
                ),
            ),
        ),
        PlatformPreset(
            key="douyin_personal",
            name="Douyin 抖音 (personal)",
            aliases=("douyin_personal", "douyin", "抖音", "douyin personal", "个人抖音"),
            # Douyin's publish API is for enterprise apps only; personal accounts post here.
            limits=Limits(
                min_duration_s=3,
                max_duration_s=900,
                max_bytes=4 * _GB,
                aspect_ratios=(9 / 16,),
                title_max=30,
                caption_max=1000,
                profile_slug="douyin",
            ),
            upload_url="https://creator.douyin.com/creator-micro/content/upload",
            domains=("douyin.com", "iesdouyin.com"),
            steps=(
                _step(
                    "creator_center",
                    N_(
                        "Personal Douyin accounts cannot be posted to through the API: upload "
                        "in the Douyin Creator Center (抖音创作者中心)."
                    ),
                ),
            ),
        ),
    )
}


def _normalise(label: str) -> str:
    return " ".join(label.replace("_", " ").replace("-", " ").casefold().split())


# A preset's own name counts as an alias: labels shortops writes itself use it.
_ALIASES = {
    _normalise(alias): key for key, p in PRESETS.items() for alias in (key, p.name, *p.aliases)
}


def preset_for(label: str) -> PlatformPreset:
    """The preset for a platform name as a user typed it; unknown names get no limits."""
    key = _ALIASES.get(_normalise(label))
    if key is not None:
        return PRESETS[key]
    return PlatformPreset(key="other", name=label.strip() or "Other")


def limits_for(label: str) -> Limits:
    """The limits a manual post for this platform is checked against."""
    return preset_for(label).limits


def topic(tag: str, style: str) -> str:
    bare = tag.strip().strip("#")
    return f"#{bare}#" if style == "double_hash" else f"#{bare}"


def caption_with_topics(caption: str, hashtags: tuple[str, ...], style: str) -> str:
    """The caption followed by the topics it does not already contain, in the platform's style."""
    text = caption.strip()
    extra = [topic(tag, style) for tag in hashtags if tag.strip("# ")]
    extra = [item for item in dict.fromkeys(extra) if item.casefold() not in text.casefold()]
    return " ".join(part for part in (text, " ".join(extra)) if part)


def short_title_from(title: str) -> str:
    """WeChat Channels' short title made from a title: allowed characters only, at most 16."""
    return "".join(_SHORT_TITLE_OK.findall(title))[:SHORT_TITLE_MAX]


def kit_issues(preset: PlatformPreset, request: PublishRequest) -> list[Issue]:
    """The request against the preset's limits, plus the rules only a manual platform has."""
    options = ManualOptions.model_validate(request.options)
    issues = check_limits(preset.limits, request)
    if preset.short_title:
        short = options.short_title or short_title_from(request.title)
        bad = [c for c in short if not _SHORT_TITLE_OK.fullmatch(c)]
        length = text_length(short, "chars")
        if bad or not SHORT_TITLE_MIN <= length <= SHORT_TITLE_MAX:
            issues.append(
                Issue(
                    field="options.short_title",
                    code="short_title",
                    message=N_("The short title “{short_title}” must have 6–16 characters: "
                               "letters, digits and 《》“”:+?%° only."),
                    params={"short_title": short},
                )
            )  # fmt: skip
    if options.branded_content and not options.brand.strip():
        issues.append(
            Issue(
                field="options.brand",
                code="required",
                message=N_("Name the brand of the paid partnership."),
            )
        )
    return issues


def build_kit(
    *,
    platform_label: str,
    title: str = "",
    caption: str = "",
    hashtags: tuple[str, ...] = (),
    options: ManualOptions | None = None,
    media: MediaFile | None = None,
    filename: str = "",
) -> Kit:
    """The kit for posting this by hand on the platform named `platform_label`."""
    options = options or ManualOptions(platform_label=platform_label)
    preset = preset_for(platform_label)
    short = ""
    if preset.short_title:
        short = options.short_title or short_title_from(title)
    issues: list[Issue] = []
    if media is not None:
        request = PublishRequest(
            media=media,
            title=title,
            caption=caption,
            hashtags=hashtags,
            options=options.model_dump(),
            idempotency_key="kit",
        )
        issues = kit_issues(preset, request)
    return Kit(
        platform=preset.key,
        platform_name=preset.name,
        title=title,
        short_title=short,
        caption=caption_with_topics(caption, hashtags, preset.topic_style),
        hashtags=hashtags,
        upload_url=preset.upload_url,
        checklist=tuple(
            _checklist(preset, options, title=title, filename=filename or _name_of(media))
        ),
        issues=tuple(issues),
        limits=preset.limits,
    )


def _name_of(media: MediaFile | None) -> str:
    return media.path.name if media is not None else ""


def _checklist(
    preset: PlatformPreset, options: ManualOptions, *, title: str, filename: str
) -> list[ChecklistItem]:
    items = [
        _step(
            "open_page",
            N_("Sign in to {platform} as the account and open its upload page."),
            platform=preset.name,
        ),
        _step("upload_video", N_("Upload the video file {filename}."), filename=filename)
        if filename
        else _step("upload_video", N_("Upload the video file from the kit.")),
    ]
    if title and not preset.short_title:
        items.append(_step("title", N_("Paste the title.")))
    items.append(_step("caption", N_("Paste the caption with its topics.")))
    items += preset.steps
    items.append(_step("cover", N_("Choose the cover."), required=False))
    if options.ai_generated:
        items.append(
            _step(
                "ai_label",
                N_("Turn on the AI-generated content label (内容由AI生成): the video was made "
                   "or edited with AI."),
            )
        )  # fmt: skip
    else:
        items.append(
            _step(
                "ai_label",
                N_("If any part of the video was made with AI, turn on the AI-generated "
                   "content label."),
                required=False,
            )
        )  # fmt: skip
    if options.branded_content:
        items.append(
            _step(
                "branded",
                N_("Mark the post as a paid partnership with {brand} using the platform's "
                   "brand tool; an undisclosed ad breaks advertising law."),
                brand=options.brand,
            )
        )  # fmt: skip
    if options.reprint_source.strip():
        items.append(
            _step(
                "reprint",
                N_("Mark the video as a reprint (转载) and name the source: {source}."),
                source=options.reprint_source.strip(),
            )
        )
    elif preset.has_original_declaration:
        items.append(
            _step(
                "original",
                N_("Declare the video as your original work (原创声明) where the page offers it."),
                required=False,
            )
        )
    items.append(
        _step(
            "paste_url",
            N_("When the post is live, copy its link and paste it into shortops to finish."),
        )
    )
    return items


def link_on_platform(label: str, host: str) -> bool:
    """Whether a live post's host belongs to the platform (any host for unknown platforms)."""
    domains = preset_for(label).domains
    host = host.casefold().rstrip(".").split(":")[0]
    return not domains or any(host == d or host.endswith("." + d) for d in domains)
