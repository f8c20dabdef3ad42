"""The resumable upload to YouTube: chunks, resuming after a broken connection, and reading
what a session holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import httpx

from shortops.errors import N_
from shortops.providers.base import OnProgress
from shortops.providers.errors import (
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from shortops.providers.http import MAX_INLINE_WAIT_S, json_body
from shortops.providers.types import (
    Failed,
    Progress,
    PublishRequest,
    Ticket,
    Tokens,
)
from shortops.providers.youtube import envelope
from shortops.providers.youtube.base import YouTubeBase, _auth, _received


class YouTubeUploads(YouTubeBase):
    def _upload(
        self,
        tokens: Tokens,
        request: PublishRequest,
        ticket: Ticket,
        *,
        moved: Callable[[str], None],
        on_progress: OnProgress | None,
    ) -> dict[str, Any]:
        """Send the file to the session; the video resource once YouTube has all of it."""
        session_url = str(ticket.data["session_url"])
        total = int(ticket.data["total"])
        content_type = request.media.content_type
        offset = 0
        failures = 0
        with request.media.path.open("rb") as file:
            while True:
                file.seek(offset)
                chunk = file.read(min(self.chunk_bytes, total - offset))
                end = offset + len(chunk) - 1
                last = end + 1 >= total
                broke = False
                try:
                    response = self.http.mutate(
                        "PUT",
                        session_url,
                        classify=self._classify_session,
                        content=chunk,
                        headers={
                            **_auth(tokens),
                            "Content-Type": content_type,
                            "Content-Range": f"bytes {offset}-{end}/{total}",
                        },
                    )
                except (Transient, OutcomeUnknown, RateLimited, Rejected) as exc:
                    if isinstance(exc, Rejected) and exc.platform_code != envelope.SESSION_GONE:
                        raise
                    if isinstance(exc, Rejected):
                        raise self._session_expired(offset, total) from None
                    broke = True
                    failures += 1
                    response = self._recover(
                        tokens, session_url, offset, total, last, failures, exc
                    )
                if response.status_code in (200, 201):
                    if on_progress is not None:
                        on_progress(Progress(sent=total, total=total))
                    return json_body(response)
                if response.status_code != 308:
                    raise OutcomeUnknown(
                        platform=self.name,
                        detail=f"unexpected HTTP {response.status_code} from the upload session",
                    )
                new_location = response.headers.get("location")
                if new_location and urljoin(session_url, new_location) != session_url:
                    session_url = urljoin(session_url, new_location)
                    moved(session_url)
                received = _received(response)
                if received <= offset and not broke:
                    failures += 1  # a 308 that took nothing: count it, so this cannot loop
                if failures > self.max_resumes:
                    raise Transient(
                        N_("The upload to {platform} kept breaking off and stopped at {sent} of "
                           "{total} bytes; nothing was published. Starting again is safe."),
                        platform=self.name,
                        detail=f"{received}/{total}",
                        sent=received,
                        total=total,
                    )  # fmt: skip
                offset = min(received, total)
                if on_progress is not None:
                    on_progress(Progress(sent=offset, total=total))

    def _recover(
        self,
        tokens: Tokens,
        session_url: str,
        offset: int,
        total: int,
        last: bool,
        failures: int,
        error: ProviderError,
    ) -> httpx.Response:
        """After a broken chunk: wait, then ask the session what it holds (308 or 200/201)."""
        if isinstance(error, RateLimited):
            wait = min(error.retry_after_s, MAX_INLINE_WAIT_S)
        else:
            wait = min(30.0, 0.5 * 2 ** (failures - 1))
        if failures <= self.max_resumes:
            self.http.sleep(wait)
        try:
            return self._query_session(tokens, session_url, total)
        except ProviderError as exc:
            if (
                isinstance(exc, Rejected)
                and exc.platform_code == envelope.SESSION_GONE
                and not last
            ):
                raise self._session_expired(offset, total) from None
            if last:
                # The last bytes may have landed, making the video: only a later query can tell.
                raise OutcomeUnknown(
                    N_("The connection to {platform} broke while the end of the video was being "
                       "sent, and the upload session did not answer afterwards ({detail}). The "
                       "video may exist; it is checked before anything is sent again."),
                    platform=self.name,
                    platform_code=exc.platform_code,
                    detail=error.detail or exc.detail,
                ) from None  # fmt: skip
            raise Transient(
                N_("The upload to {platform} broke off at {sent} of {total} bytes and could not "
                   "be resumed ({detail}); nothing was published. Starting again is safe."),
                platform=self.name,
                platform_code=exc.platform_code,
                detail=exc.detail or error.detail,
                sent=offset,
                total=total,
            ) from None  # fmt: skip

    def _query_session(self, tokens: Tokens, session_url: str, total: int) -> httpx.Response:
        """What the session holds: 308 (+ Range) while incomplete, 200/201 + video when done."""
        return self.http.read(
            "PUT",
            session_url,
            classify=self._classify_session,
            content=b"",
            headers={**_auth(tokens), "Content-Range": f"bytes */{total}"},
        )

    def _session_expired(self, offset: int, total: int) -> Transient:
        return Transient(
            N_("The {platform} upload session expired at {sent} of {total} bytes; nothing was "
               "published. Starting again is safe."),
            platform=self.name,
            platform_code=envelope.SESSION_GONE,
            detail=f"{offset}/{total}",
            sent=offset,
            total=total,
        )  # fmt: skip

    def _video_from_session(self, tokens: Tokens, ticket: Ticket) -> str | Failed:
        """The video id from the upload session, or why there is none (start_publish broke)."""
        data = ticket.data
        session_url = str(data.get("session_url") or ticket.reference)
        total = int(data.get("total") or 0)
        try:
            response = self._query_session(tokens, session_url, total)
        except Rejected as exc:
            if exc.platform_code != envelope.SESSION_GONE:
                raise
            return Failed(
                reason=N_("YouTube no longer knows this upload session, so whether the video "
                          "was created cannot be told from here. Look for it in YouTube Studio "
                          "before publishing again."),
                platform_code=envelope.SESSION_GONE,
            )  # fmt: skip
        if response.status_code == 308:
            received = _received(response)
            return Failed(
                reason=N_("The upload stopped at {sent} of {total} bytes and will not finish by "
                          "itself; nothing was published."),
                params={"sent": received, "total": total},
                permanent=False,
                platform_code="uploadIncomplete",
            )  # fmt: skip
        video_id = json_body(response).get("id")
        if not isinstance(video_id, str) or not video_id:
            return Failed(
                reason=N_("YouTube finished the upload without naming the video. Look for it in "
                          "YouTube Studio before publishing again."),
                platform_code="noVideoId",
            )  # fmt: skip
        return video_id
