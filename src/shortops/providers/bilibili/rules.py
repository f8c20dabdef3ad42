"""What a user chooses for one Bilibili archive, and what Bilibili would refuse (pure checks).

The fields of ``arcopen/fn/archive/add-by-utoken`` (API_CONTRACTS.md §5.2, from a mirror of the
official docs): ``title`` (< 80 characters), ``cover`` (a URL from the cover upload), ``tid``
(category, required), ``no_reprint``, ``desc`` (< 250), ``tag`` (comma list, < 200 in total),
``copyright`` (1 original, 2 reprint), ``source`` (required for reprints), ``topic_id``,
``mission_id``. There is no dynamic (动态) text, schedule or collection field in the open
platform's submit call, so none is offered.

"< 80" is read strictly: at most 79 characters (one community contract test accepts 80;
unconfirmed). The same for the description (249) and the tags (199).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shortops.errors import N_
from shortops.providers.bilibili.cover import image_facts
from shortops.providers.types import Issue, PublishRequest, Severity

TITLE_MAX = 79
DESC_MAX = 249
TAG_TOTAL_MAX = 199
COVER_MAX_BYTES = 5 * 1024 * 1024  # "5 MB", read strictly
COVER_MIN_WIDTH, COVER_MIN_HEIGHT = 960, 600

TID_REQUIRED = N_(
    "Choose a Bilibili category (tid) for this archive: Bilibili requires one. The ids are in "
    "the category list of the Bilibili creator center (for example 21 is 日常, daily life)."
)
REPRINT_NEEDS_SOURCE = N_(
    "A Bilibili reprint (copyright 2) needs its source: say where the video comes from."
)
SOURCE_IGNORED = N_(
    "The source is only sent for reprints (copyright 2); this archive is marked original, so "
    "the source is left out."
)
TAGS_EMPTY = N_(
    "No tags: Bilibili archives are normally submitted with at least one tag. Add hashtags to "
    "the publication; they become the archive's tags."
)
TAGS_TOO_LONG = N_(
    "The Bilibili tags take {length} characters together (commas included); Bilibili allows "
    "{limit}."
)
TEXT_TOO_LONG = N_("The {field} has {length} characters; the platform allows {limit}.")
COVER_REQUIRED = N_(
    "Bilibili needs a landscape cover image (JPEG or PNG, at least 960×600, at most 5 MB). The "
    "Bilibili render profile makes one; add it to the publication."
)
COVER_FORMAT = N_("Bilibili takes JPEG or PNG cover images; this cover is neither.")
COVER_TOO_BIG = N_("The cover is {size} MB; Bilibili takes cover images up to {limit} MB.")
COVER_TOO_SMALL = N_(
    "The cover is {width}×{height}; Bilibili needs at least {min_width}×{min_height} (landscape)."
)
COVER_PORTRAIT = N_(
    "The cover is {width}×{height}, portrait; Bilibili shows covers in landscape (16:10), so it "
    "will be cropped. Use the landscape cover of the Bilibili render profile."
)


class BilibiliOptions(BaseModel):
    """One archive's settings, sent with the submission."""

    model_config = ConfigDict(extra="forbid")

    tid: int = Field(
        ...,
        gt=0,
        description="Category (分区) id, required; from the creator center's category list "
        "(archive/type/list).",
    )
    copyright: Literal[1, 2] = Field(1, description="1: original work (自制). 2: reprint (转载).")
    source: str | None = Field(
        None, description="Where a reprint comes from (URL or description); required for 2."
    )
    no_reprint: bool = Field(
        False, description="Ask others not to repost the video (禁止转载); for original work."
    )
    topic_id: int | None = Field(None, gt=0, description="A Bilibili topic to join (optional).")
    mission_id: int | None = Field(
        None, gt=0, description="A Bilibili creator event (活动) to join (optional)."
    )

    def submit_fields(self) -> dict[str, object]:
        """The options as add-by-utoken spells them (without title, cover, desc and tag)."""
        fields: dict[str, object] = {
            "tid": self.tid,
            "copyright": self.copyright,
            "no_reprint": 1 if self.no_reprint else 0,
        }
        if self.copyright == 2 and self.source:
            fields["source"] = self.source.strip()
        if self.topic_id is not None:
            fields["topic_id"] = self.topic_id
        if self.mission_id is not None:
            fields["mission_id"] = self.mission_id
        return fields


def tags_of(request: PublishRequest) -> list[str]:
    """The hashtags as Bilibili tags: without '#' and commas, each once."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in request.hashtags:
        tag = raw.strip().lstrip("#").replace(",", " ").replace("，", " ").strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def tag_field(request: PublishRequest) -> str:
    return ",".join(tags_of(request))


def description_of(request: PublishRequest) -> str:
    """The archive's description: the caption (the hashtags go to the tags)."""
    return request.caption.strip()


def text_issues(request: PublishRequest) -> list[Issue]:
    issues: list[Issue] = []
    desc = description_of(request)
    if len(desc) > DESC_MAX:
        issues.append(
            Issue(
                field="caption",
                code="too_long",
                message=TEXT_TOO_LONG,
                params={"field": "caption", "length": len(desc), "limit": DESC_MAX},
            )
        )
    tag = tag_field(request)
    if not tag:
        issues.append(
            Issue(field="hashtags", code="empty", severity=Severity.warning, message=TAGS_EMPTY)
        )
    elif len(tag) > TAG_TOTAL_MAX:
        issues.append(
            Issue(
                field="hashtags",
                code="too_long",
                message=TAGS_TOO_LONG,
                params={"length": len(tag), "limit": TAG_TOTAL_MAX},
            )
        )
    return issues


def option_issues(options: BilibiliOptions) -> list[Issue]:
    source = (options.source or "").strip()
    if options.copyright == 2 and not source:
        return [Issue(field="options.source", code="required", message=REPRINT_NEEDS_SOURCE)]
    if options.copyright == 1 and source:
        return [
            Issue(
                field="options.source",
                code="ignored",
                severity=Severity.warning,
                message=SOURCE_IGNORED,
            )
        ]
    return []


def cover_issues(cover: Path | None) -> list[Issue]:
    if cover is None or not cover.is_file():
        return [Issue(field="cover", code="required", message=COVER_REQUIRED)]
    size = cover.stat().st_size
    if size > COVER_MAX_BYTES:
        return [
            Issue(
                field="cover",
                code="too_large",
                message=COVER_TOO_BIG,
                params={"size": round(size / 1024**2, 1), "limit": 5},
            )
        ]
    facts = image_facts(cover)
    if facts is None:
        return [Issue(field="cover", code="format", message=COVER_FORMAT)]
    if facts.width < COVER_MIN_WIDTH or facts.height < COVER_MIN_HEIGHT:
        return [
            Issue(
                field="cover",
                code="too_small",
                message=COVER_TOO_SMALL,
                params={
                    "width": facts.width,
                    "height": facts.height,
                    "min_width": COVER_MIN_WIDTH,
                    "min_height": COVER_MIN_HEIGHT,
                },
            )
        ]
    if facts.width < facts.height:
        return [
            Issue(
                field="cover",
                code="portrait",
                severity=Severity.warning,
                message=COVER_PORTRAIT,
                params={"width": facts.width, "height": facts.height},
            )
        ]
    return []
