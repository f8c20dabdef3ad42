"""The upload to Douyin: one request for a small file, parts for a large one."""

from __future__ import annotations

from functools import partial
from typing import Any

from shortops.providers.base import OnProgress
from shortops.providers.douyin.base import TOO_LARGE, UPLOAD_BROKE, DouyinBase, _auth, _data, _read
from shortops.providers.douyin.envelope import (
    PLATFORM,
    classify,
)
from shortops.providers.douyin.parts import (
    TooLarge,
    part_ranges,
    use_parts,
)
from shortops.providers.errors import (
    OutcomeUnknown,
    Rejected,
    Transient,
)
from shortops.providers.files import FILE_UNREADABLE
from shortops.providers.types import (
    Progress,
    PublishRequest,
    Tokens,
)


class DouyinUploads(DouyinBase):
    def _upload(
        self,
        tokens: Tokens,
        open_id: str,
        request: PublishRequest,
        on_progress: OnProgress | None,
    ) -> dict[str, Any]:
        """Send the file (whole or in parts); Douyin's `video` object (with `video_id`)."""
        media = request.media
        size = media.size_bytes
        name = media.path.name
        publish = partial(classify, context="publish")
        try:
            parts = use_parts(size, self.direct_max_bytes)
        except TooLarge:
            raise Rejected(TOO_LARGE, platform=PLATFORM, size=size) from None
        if on_progress:
            on_progress(Progress(sent=0, total=size))
        try:
            if not parts:
                with media.path.open("rb") as file:
                    response = self.http.mutate(
                        "POST",
                        self._video("/upload_video/"),
                        params={"open_id": open_id},
                        files={"video": (name, file, media.content_type)},
                        headers=_auth(tokens),
                        classify=publish,
                    )
            else:
                response = self.http.mutate(
                    "POST",
                    self._video("/init_video_part_upload/"),
                    params={"open_id": open_id},
                    headers=_auth(tokens),
                    classify=publish,
                )
                upload_id = str(_data(response).get("upload_id") or "")
                if not upload_id:
                    raise Transient(platform=PLATFORM, detail="init answered without upload_id")
                for number, (offset, length) in enumerate(
                    part_ranges(size, self.part_bytes), start=1
                ):
                    self.http.mutate(
                        "POST",
                        self._video("/upload_video_part/"),
                        params={"open_id": open_id, "upload_id": upload_id, "part_number": number},
                        files={
                            "video": (name, _read(media.path, offset, length), media.content_type)
                        },
                        headers=_auth(tokens),
                        classify=publish,
                    )
                    if on_progress:
                        on_progress(Progress(sent=offset + length, total=size))
                response = self.http.mutate(
                    "POST",
                    self._video("/complete_video_part_upload/"),
                    params={"open_id": open_id, "upload_id": upload_id},
                    headers=_auth(tokens),
                    classify=publish,
                )
        except OutcomeUnknown as exc:
            # Nothing is published before create_video: a broken upload can only be repeated.
            raise Transient(
                UPLOAD_BROKE,
                platform=PLATFORM,
                platform_code=exc.platform_code,
                detail=exc.detail,
            ) from None
        except OSError as exc:
            raise Transient(FILE_UNREADABLE, platform=PLATFORM, detail=str(exc)) from None
        if on_progress:
            on_progress(Progress(sent=size, total=size))
        video = _data(response).get("video")
        return video if isinstance(video, dict) else {}
