"""An archive's review state (``arcopen/fn/archive/view``) as a publish state.

``data.addit_info`` carries ``state`` (int), ``state_desc`` and ``reject_reason`` (community
clients; API_CONTRACTS.md §5.2). The meaning of the numbers follows Bilibili's archive states as
documented by community projects (unconfirmed for the open platform):

    0 开放浏览 (open), 1 橙色通过           published: https://www.bilibili.com/video/{bvid}
    -2 打回, -3/-4/-5 锁定, -12/-16 转码/转储失败, -100 删除
                                           failed, with Bilibili's reason
    any other (-1 待审, -30 已提交, -40 定时 …) pending, "in review"

A ``reject_reason`` on a state that is not open also counts as a refusal.
"""

from __future__ import annotations

from typing import Any

from shortops.errors import N_
from shortops.providers.parsing import integer
from shortops.providers.types import Failed, Pending, Published, PublishState

WEB = "https://www.bilibili.com"
OPEN_STATES = frozenset({0, 1})
REFUSED_STATES = frozenset({-2, -3, -4, -5, -12, -16, -100})
REVIEW_POLL_S = 60.0

IN_REVIEW = N_("Submitted to Bilibili; the archive is in review.")
REVIEW_REFUSED = N_("Bilibili did not pass the archive in review: {reason}")


def video_url(bvid: str) -> str:
    return f"{WEB}/video/{bvid}"


def interpret(resource_id: str, archive: dict[str, Any]) -> PublishState:
    addit = archive.get("addit_info")
    addit = addit if isinstance(addit, dict) else {}
    state = integer(addit.get("state"))
    desc = str(addit.get("state_desc") or "")
    reason = str(addit.get("reject_reason") or "")
    if state in OPEN_STATES:
        return Published(remote_id=resource_id, url=video_url(resource_id))
    if state in REFUSED_STATES or (reason and state is not None):
        return Failed(
            reason=REVIEW_REFUSED,
            params={"reason": reason or desc or str(state)},
            platform_code=str(state),
        )
    return Pending(detail=IN_REVIEW, poll_after_s=REVIEW_POLL_S)
