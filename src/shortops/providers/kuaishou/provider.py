"""Kuaishou (快手开放平台, open.kuaishou.com): OAuth sign-in and the photo (video) publish API.

Contract notes: shared/platforms API_CONTRACTS.md §5.1; user guide: docs/platforms/kuaishou.md.
Kuaishou's publish API is documented behind the developer portal; what follows comes from a
mirror of the docs' navigation and several working clients, so field-level details are marked
``unconfirmed`` where they are used.

Publishing, in order:

1. ``POST /openapi/photo/start_upload`` hands out an ``upload_token`` and the ``endpoint`` (a
   host) the bytes go to. The upload token is **recorded at once**: it is the reference.
2. The file goes to the endpoint: in one ``POST /api/upload`` below 10 MiB, else in 8 MiB
   fragments (``/api/upload/fragment``, ids from 0) closed by ``/api/upload/complete``. Nothing
   is posted by an upload, so a broken upload is ``Transient``: starting again is safe.
3. ``POST /openapi/photo/publish`` (multipart: the **required** ``cover`` image and the
   ``caption``) makes the post; its ``photo_id`` is recorded. This is the irreversible call: a
   dropped connection or a server error here is ``OutcomeUnknown``.
4. ``check_publish`` reads ``/openapi/photo/info``: ``pending`` while Kuaishou processes the
   video, then published. Without a photo id (the publish answer was lost) it looks for the
   caption among the account's latest posts (``/openapi/photo/list``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers import tokens as token_answer
from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.errors import (
    OutcomeUnknown,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.files import (
    check_file,
    refuse_errors,
)
from shortops.providers.http import Http, json_body
from shortops.providers.kuaishou.envelope import (
    PLATFORM,
    SCOPE_MISSING,
    VIDEO_NOT_FOUND,
    classify,
)
from shortops.providers.parsing import mapping, timestamp
from shortops.providers.reconcile import Listing, Waiting, reconcile_by_listing
from shortops.providers.transfer import send_in_parts
from shortops.providers.types import (
    AppCredentials,
    AuthStart,
    Capability,
    Failed,
    Issue,
    Limits,
    Pending,
    Profile,
    Published,
    PublishRequest,
    PublishState,
    Severity,
    Ticket,
    Tokens,
)

AUTH_BASE = "https://open.kuaishou.com"
API_BASE = "https://open.kuaishou.com"
WEB = "https://www.kuaishou.com"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/access_token"
REFRESH_PATH = "/oauth2/refresh_token"
USER_INFO_PATH = "/openapi/user_info"
START_UPLOAD_PATH = "/openapi/photo/start_upload"
PUBLISH_PATH = "/openapi/photo/publish"
INFO_PATH = "/openapi/photo/info"
LIST_PATH = "/openapi/photo/list"
# On the upload endpoint start_upload names (community clients; unconfirmed).
UPLOAD_PATH = "/api/upload"
FRAGMENT_PATH = "/api/upload/fragment"
COMPLETE_PATH = "/api/upload/complete"

SCOPE_USER = "user_info"
SCOPE_PUBLISH = "user_video_publish"
SCOPE_VIDEO_INFO = "user_video_info"  # photo/info and photo/list (community clients)

MiB = 1024 * 1024
# unconfirmed: one working client uploads files under 10 MiB in one request and cuts larger
# ones into 8 MiB fragments; another uses 5 MiB fragments for everything.
DIRECT_UPLOAD_MAX_BYTES = 10 * MiB
FRAGMENT_BYTES = 8 * MiB
# unconfirmed: one client cuts captions at 100 characters; Kuaishou documents no limit.
CAPTION_SOFT_MAX = 100
STEREO_TYPE = "NOT_SPHERICAL_VIDEO"  # photo/publish's `stereo_type` for ordinary videos
# How long after the publish request a post missing from photo/list is still waited for.
RECONCILE_GRACE = timedelta(minutes=15)
LIST_COUNT = 20
PROCESSING_POLL_S = 30.0

COVER_REQUIRED = N_("Kuaishou needs a cover image: add one to the publication (JPEG or PNG).")
COVER_FORMAT = N_(
    "The cover is not a JPEG or PNG image; Kuaishou may refuse it (which formats it takes is "
    "not documented)."
)
CAPTION_LONG = N_(
    "The caption has {length} characters; Kuaishou clients report captions cut at {limit} "
    "characters (unconfirmed), so its end may not show."
)
NOT_MP4 = N_("Kuaishou is known to take MP4 videos; this file is {content_type}.")
COVER_UNREADABLE = N_("The cover image cannot be read ({detail}).")
PROCESSING = N_("Posted to Kuaishou; Kuaishou is still processing the video.")
NO_STATUS_SCOPE = N_(
    "Posted to Kuaishou. The account did not grant user_video_info, so shortops cannot follow "
    "the video's processing; the link works once Kuaishou has finished."
)
CHECKING = N_("Checking on Kuaishou whether the publish request went through.")
NOT_FOUND_AFTER_PUBLISH = N_(
    "{platform} shows no post from this publication among the account's latest posts: the "
    "publish request did not go through. Check the account, then publish again."
)
VIDEO_GONE = N_("Kuaishou no longer has the video {photo_id}: it was deleted or removed.")


class KuaishouProvider(Provider):
    """Publish videos to a Kuaishou account through the open platform."""

    slug: ClassVar[str] = "kuaishou"
    name: ClassVar[str] = "Kuaishou 快手"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.publish})
    # unconfirmed: Kuaishou publishes no limits for the API. These are the Produce module's
    # Kuaishou profile (3 s – 10 min, 4 GB, 9:16); the caption limit is a warning (validate).
    limits: ClassVar[Limits] = Limits(
        min_duration_s=3,
        max_duration_s=600,
        max_bytes=4 * 1024**3,
        aspect_ratios=(9 / 16,),
        containers=("mp4",),
        profile_slug="kuaishou",
        cover_shape="portrait",
    )
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_USER, SCOPE_PUBLISH, SCOPE_VIDEO_INFO)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        direct_upload_max_bytes: int = DIRECT_UPLOAD_MAX_BYTES,
        fragment_bytes: int = FRAGMENT_BYTES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        if fragment_bytes <= 0:
            raise ValueError("fragment_bytes must be positive")
        self.direct_upload_max_bytes = direct_upload_max_bytes
        self.fragment_bytes = fragment_bytes

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        params = {
            "app_id": app.client_id,
            "scope": ",".join(scopes or self.default_scopes),
            "response_type": "code",
            "redirect_uri": app.redirect_uri,
            "state": state,
            "ua": "pc",  # the web (PC) sign-in page; "h5" pages exist for phones
        }
        url = f"{self.endpoint('auth', AUTH_BASE)}{AUTHORIZE_PATH}?{urlencode(params)}"
        return AuthStart(url=url, state=state)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        params = {
            "app_id": app.client_id,
            "app_secret": app.client_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        return self._token_call(TOKEN_PATH, params, previous=None)

    def refresh(self, tokens: Tokens) -> Tokens:
        app = self.require_app()
        if not tokens.refresh_token:
            raise ReauthRequired(platform=PLATFORM, detail="no refresh token")
        params = {
            "app_id": app.client_id,
            "app_secret": app.client_secret,
            "refresh_token": tokens.refresh_token,
            "grant_type": "refresh_token",
        }
        # Kuaishou rotates refresh tokens (the old one stops working), so a refresh is sent once.
        return self._token_call(REFRESH_PATH, params, previous=tokens)

    def get_profile(self, tokens: Tokens) -> Profile:
        response = self.http.read(
            "GET",
            self._api(USER_INFO_PATH),
            params=self._auth_params(tokens),
            classify=partial(classify, scope=SCOPE_USER),
        )
        user = mapping(json_body(response).get("user_info"))
        # user_info does not name the user: the open_id comes with the token answer.
        open_id = str(tokens.remote_id or user.get("open_id") or "")
        if not open_id:
            raise ReauthRequired(platform=PLATFORM, detail="the sign-in answer had no open_id")
        name = str(user.get("name") or "")
        avatar = str(user.get("head") or user.get("bigHead") or "") or None
        return Profile(
            remote_id=open_id,
            handle=name or open_id,
            display_name=name,
            avatar_url=avatar,
            extra={key: user[key] for key in ("sex", "fan", "follow", "city") if key in user},
        )

    # --- publish ----------------------------------------------------------------------------

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        issues = super().validate(request, rules)
        cover = request.cover
        if cover is None or not cover.is_file():
            issues.append(Issue(field="cover", code="required", message=COVER_REQUIRED))
        elif _image_type(cover) is None:
            issues.append(
                Issue(field="cover", code="format", severity=Severity.warning, message=COVER_FORMAT)
            )
        caption = _caption(request)
        if len(caption) > CAPTION_SOFT_MAX:
            issues.append(
                Issue(
                    field="caption",
                    code="long",
                    severity=Severity.warning,
                    message=CAPTION_LONG,
                    params={"length": len(caption), "limit": CAPTION_SOFT_MAX},
                )
            )
        if request.media.content_type != "video/mp4":
            issues.append(
                Issue(
                    field="media",
                    code="format",
                    severity=Severity.warning,
                    message=NOT_MP4,
                    params={"content_type": request.media.content_type},
                )
            )
        return issues

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        refuse_errors(self.validate(request), platform=PLATFORM)
        if tokens.scopes and SCOPE_PUBLISH not in tokens.scopes:
            raise ReauthRequired(
                SCOPE_MISSING,
                platform=PLATFORM,
                platform_code="scope",
                detail="not in the granted scopes",
                scope=SCOPE_PUBLISH,
            )
        media = request.media
        check_file(media.path, media.size_bytes, platform=PLATFORM)
        assert request.cover is not None  # validate refused a request without one
        cover_path = request.cover
        try:
            cover = cover_path.read_bytes()
        except OSError as exc:
            raise Rejected(COVER_UNREADABLE, platform=PLATFORM, detail=str(exc)) from None
        caption = _caption(request)
        app = self.require_app()

        response = self.http.mutate(
            "POST",
            self._api(START_UPLOAD_PATH),
            params=self._auth_params(tokens),
            classify=partial(classify, scope=SCOPE_PUBLISH),
        )
        body = json_body(response)
        upload_token = str(body.get("upload_token") or "")
        endpoint = str(body.get("endpoint") or "")
        if not upload_token or not endpoint:
            # Without them nothing can be uploaded, so nothing can be posted.
            raise Transient(platform=PLATFORM, detail="start_upload answered without a token")
        # unconfirmed: clients send the bytes over plain http:// to the named host; a full URL
        # is used as given.
        base = endpoint.rstrip("/") if "://" in endpoint else f"http://{endpoint.rstrip('/')}"
        whole = media.size_bytes <= self.direct_upload_max_bytes
        count = 1 if whole else -(-media.size_bytes // self.fragment_bytes)
        data: dict[str, Any] = {
            "stage": "uploading",
            "endpoint": base,
            "caption": caption,
            "video_size": media.size_bytes,
            "fragment_count": 0 if whole else count,
            "started_at": self.clock().isoformat(),
        }
        ticket = Ticket(reference=upload_token, data=data)
        record(ticket)

        self._upload(base, upload_token, media.path, media.size_bytes, whole, on_progress)

        ticket = Ticket(reference=upload_token, data={**ticket.data, "stage": "publishing"})
        record(ticket)
        try:
            response = self.http.mutate(
                "POST",
                self._api(PUBLISH_PATH),
                params={**self._auth_params(tokens), "upload_token": upload_token},
                data={"caption": caption, "stereo_type": STEREO_TYPE},
                files={"cover": (cover_path.name, cover, _image_type(cover_path) or "image/jpeg")},
                classify=partial(classify, scope=SCOPE_PUBLISH),
            )
        except Transient as exc:
            if not exc.platform_code:  # could not connect: nothing was sent
                raise
            # Kuaishou answered with a server error to the one call that posts: it may have.
            raise OutcomeUnknown(
                platform=PLATFORM, platform_code=exc.platform_code, detail=exc.detail
            ) from None
        video = mapping(json_body(response).get("video_info"))
        photo_id = str(video.get("photo_id") or "")
        if not photo_id:
            raise OutcomeUnknown(platform=PLATFORM, detail="publish answered without photo_id")
        ticket = Ticket(
            reference=upload_token,
            data={
                **ticket.data,
                "stage": "published",
                "photo_id": photo_id,
                "published_at": self.clock().isoformat(),
                "app_id": app.client_id,
            },
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        data = ticket.data
        photo_id = str(data.get("photo_id") or "")
        if not photo_id:
            return self._reconcile(tokens, ticket)
        if tokens.scopes and SCOPE_VIDEO_INFO not in tokens.scopes:
            # The publish answer is all there is to go on.
            return Published(remote_id=photo_id, url=video_url(photo_id), detail=NO_STATUS_SCOPE)
        try:
            response = self.http.read(
                "GET",
                self._api(INFO_PATH),
                params={**self._auth_params(tokens), "photo_id": photo_id},
                classify=partial(classify, scope=SCOPE_VIDEO_INFO),
            )
        except Rejected as exc:
            if exc.platform_code not in {str(code) for code in VIDEO_NOT_FOUND}:
                raise
            return self._missing(photo_id, data)
        video = mapping(json_body(response).get("video_info"))
        if not video:
            return self._missing(photo_id, data)
        return _state(photo_id, video)

    def live_url(self, remote_id: str) -> str | None:
        return video_url(remote_id)

    # --- upload -----------------------------------------------------------------------------

    def _upload(
        self,
        base: str,
        upload_token: str,
        path: Path,
        size: int,
        whole: bool,
        on_progress: OnProgress | None,
    ) -> None:
        """Send the file to the upload endpoint, whole or in fragments (transfer.py: a broken
        upload is Transient, a refusal stays Rejected)."""

        def send(index: int, content: bytes) -> None:
            params = {"upload_token": upload_token}
            if not whole:
                params["fragment_id"] = str(index)
            self.http.mutate(
                "POST",
                f"{base}{UPLOAD_PATH if whole else FRAGMENT_PATH}",
                params=params,
                content=content,
                headers={"Content-Type": "video/mp4", "Content-Length": str(len(content))},
                classify=classify,
            )

        def complete(count: int) -> None:
            self.http.mutate(
                "POST",
                f"{base}{COMPLETE_PATH}",
                params={"upload_token": upload_token, "fragment_count": str(count)},
                classify=classify,
            )

        send_in_parts(
            path,
            size=size,
            part_bytes=size if whole else self.fragment_bytes,
            platform=PLATFORM,
            send=send,
            complete=None if whole else complete,
            on_progress=on_progress,
        )

    # --- status -----------------------------------------------------------------------------

    def _reconcile(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """Where a publish stands when its photo id never came back."""

        def recent() -> Any:
            response = self.http.read(
                "GET",
                self._api(LIST_PATH),
                params={**self._auth_params(tokens), "count": str(LIST_COUNT)},
                classify=partial(classify, scope=SCOPE_VIDEO_INFO),
            )
            return json_body(response).get("video_list")

        # A ticket still at "uploading": photo/publish was never sent, nothing can be posted.
        return reconcile_by_listing(
            ticket,
            platform=PLATFORM,
            listing=Listing("caption", "caption", "create_time", "photo_id"),
            waiting=Waiting(RECONCILE_GRACE, CHECKING, PROCESSING_POLL_S, NOT_FOUND_AFTER_PUBLISH),
            now=self.clock(),
            recent=recent,
            interpret=_state,
        )

    def _missing(self, photo_id: str, data: dict[str, Any]) -> PublishState:
        since = timestamp(data.get("published_at"))
        if since is not None and self.clock() - since < RECONCILE_GRACE:
            return Pending(detail=PROCESSING, poll_after_s=PROCESSING_POLL_S)
        return Failed(
            reason=VIDEO_GONE, params={"photo_id": photo_id}, platform_code="photo_not_found"
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + path

    def _auth_params(self, tokens: Tokens) -> dict[str, str]:
        # Kuaishou takes the token as a query parameter, with the app id.
        return {"app_id": self.require_app().client_id, "access_token": tokens.access_token}

    def _token_call(self, path: str, params: dict[str, str], *, previous: Tokens | None) -> Tokens:
        # Documented as GET with the secret in the query (API_CONTRACTS.md §5.1). The code and
        # a rotating refresh token work once: sent once.
        response = self.http.mutate(
            "GET",
            self.endpoint("auth", AUTH_BASE) + path,
            params=params,
            classify=partial(classify, token_endpoint=True),
        )
        body = json_body(response)
        access = token_answer.access_token(body, platform=PLATFORM)
        now = self.clock()
        scopes = token_answer.scope_list(body.get("scopes") or body.get("scope"))
        # Lifetimes are "not fixed, read from the answer"; a refreshed refresh token keeps the
        # old one's expiry, which the answer's refresh_token_expires_in reflects.
        return Tokens(
            access_token=access,
            refresh_token=token_answer.refresh_token(body.get("refresh_token"), previous),
            expires_at=token_answer.expires_after(now, body.get("expires_in")),
            refresh_expires_at=token_answer.expires_after(now, body.get("refresh_token_expires_in"))
            or (previous.refresh_expires_at if previous else None),
            scopes=scopes or (previous.scopes if previous else ()),
            remote_id=token_answer.remote_id(body.get("open_id"), previous),
        )


# --- helpers ------------------------------------------------------------------------------------


def video_url(photo_id: str) -> str:
    # unconfirmed: the open platform documents no page URL; this is the kuaishou.com web
    # pattern, whose ids look like the API's photo ids (play_url is a raw media link).
    return f"{WEB}/short-video/{photo_id}"


def _state(photo_id: str, video: dict[str, Any]) -> PublishState:
    if video.get("pending"):
        return Pending(detail=PROCESSING, poll_after_s=PROCESSING_POLL_S)
    return Published(remote_id=photo_id, url=video_url(photo_id))


def _caption(request: PublishRequest) -> str:
    return request.text_with_hashtags() or request.title.strip()


def _image_type(path: Path) -> str | None:
    """image/jpeg or image/png from the file's first bytes; None for anything else."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError:
        return None
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
