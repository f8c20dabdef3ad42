"""Bilibili (哔哩哔哩开放平台): OAuth sign-in and server-side archive (video) submission.

Contract notes: shared/platforms API_CONTRACTS.md §5.2; user guide: docs/platforms/bilibili.md.
Only companies can register on the open platform (business licence and ICP filing); ordinary
accounts publish through the manual publish kit instead.

Publishing, in order (every call signed, see `signing.py`):

1. ``arcopen/fn/archive/video/init`` (``utype`` 0: in parts) hands out an ``upload_token``,
   **recorded at once**: it is the reference.
2. The file goes to the upload host in 8 MiB parts (``video/v2/part/upload``, numbered from 1;
   the last part takes the rest), then ``archive/video/complete`` merges them.
3. ``archive/cover/upload`` takes the cover image and answers its URL.
4. ``archive/add-by-utoken`` submits the archive (title, desc, tid, tag, copyright …) and
   answers its ``resource_id`` (the BV id), recorded at once. This is the irreversible call: a
   dropped connection or a server error here is ``OutcomeUnknown``. Nothing before it creates an
   archive, so failures in steps 1–3 are ``Transient``: starting again is safe.
5. ``check_publish`` reads ``archive/view`` until review has passed (``status.py``). Without a
   resource id (the submit answer was lost) it looks for the title among the account's latest
   archives (``archive/viewlist``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers import tokens as token_answer
from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.bilibili import status
from shortops.providers.bilibili.cover import image_facts
from shortops.providers.bilibili.envelope import PLATFORM, SCOPE_MISSING, classify
from shortops.providers.bilibili.rules import (
    TID_REQUIRED,
    TITLE_MAX,
    BilibiliOptions,
    cover_issues,
    description_of,
    option_issues,
    tag_field,
    text_issues,
)
from shortops.providers.bilibili.signing import Signer
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
from shortops.providers.parsing import mapping
from shortops.providers.reconcile import Listing, Waiting, reconcile_by_listing
from shortops.providers.transfer import send_in_parts
from shortops.providers.types import (
    AppCredentials,
    AuthStart,
    Capability,
    Failed,
    Issue,
    Limits,
    Profile,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)

AUTH_BASE = "https://account.bilibili.com"
OAUTH_BASE = "https://api.bilibili.com"
API_BASE = "https://member.bilibili.com"
UPLOAD_BASE = "https://openupos.bilivideo.com"
AUTHORIZE_PATH = "/pc/account-pc/auth/oauth"
TOKEN_PATH = "/x/account-oauth2/v1/token"
REFRESH_PATH = "/x/account-oauth2/v1/refresh_token"
USER_INFO_PATH = "/arcopen/fn/user/account/info"
INIT_PATH = "/arcopen/fn/archive/video/init"
PART_PATH = "/video/v2/part/upload"
COMPLETE_PATH = "/arcopen/fn/archive/video/complete"
COVER_PATH = "/arcopen/fn/archive/cover/upload"
SUBMIT_PATH = "/arcopen/fn/archive/add-by-utoken"
VIEW_PATH = "/arcopen/fn/archive/view"
VIEWLIST_PATH = "/arcopen/fn/archive/viewlist"

SCOPE_ARCHIVE = "ARC_BASE"
SCOPE_USER = "USER_INFO"
PART_BYTES = 8 * 1024 * 1024  # "8 MB recommended" (Bilibili's own sample uses 8 MiB)
MAX_PARTS = 512  # 4 GiB in 8 MiB parts (a community contract test; unconfirmed)
# How long after the submit request an archive missing from viewlist is still waited for.
RECONCILE_GRACE = timedelta(minutes=15)
LIST_SIZE = 20
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

COVER_UNREADABLE = N_("The cover image cannot be read ({detail}).")
TOO_MANY_PARTS = N_(
    "The video needs {count} parts of 8 MiB; Bilibili takes at most {limit} (4 GiB)."
)
CHECKING = N_("Checking on Bilibili whether the submission went through.")
NOT_FOUND_AFTER_SUBMIT = N_(
    "{platform} shows no archive from this publication among the account's latest ones: the "
    "submission did not go through. Check the creator center, then publish again."
)
ARCHIVE_GONE = N_("Bilibili no longer has the archive {resource_id}: it was deleted.")


class BilibiliProvider(Provider):
    """Submit videos to a Bilibili account through the official open platform."""

    slug: ClassVar[str] = "bilibili"
    name: ClassVar[str] = "Bilibili 哔哩哔哩"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.publish})
    # CONSTRAINTS.md: < 5 h, ≤ 4 GB (512 parts of 8 MiB), title < 80, desc < 250 (the base
    # counts the caption with its hashtags; Bilibili's desc is the caption alone, see validate).
    limits: ClassVar[Limits] = Limits(
        min_duration_s=1,
        max_duration_s=5 * 3600 - 1,
        max_bytes=MAX_PARTS * PART_BYTES,
        title_max=TITLE_MAX,
        title_required=True,
        containers=("mp4", "flv"),
        profile_slug="bilibili",
        cover_shape="landscape",
    )
    options_model: ClassVar[type[BaseModel]] = BilibiliOptions
    # The scopes are set on the app in the open platform's console; the sign-in page takes none.
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_USER, SCOPE_ARCHIVE)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        part_bytes: int = PART_BYTES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        if part_bytes <= 0:
            raise ValueError("part_bytes must be positive")
        self.part_bytes = part_bytes

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        """Bilibili's web sign-in page: `gourl` is the redirect URI; scopes are not asked for
        here (they are the ones approved for the app)."""
        app = self.require_app()
        params = {"client_id": app.client_id, "gourl": app.redirect_uri, "state": state}
        url = f"{self.endpoint('auth', AUTH_BASE)}{AUTHORIZE_PATH}?{urlencode(params)}"
        return AuthStart(url=url, state=state)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        form = {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "authorization_code",
            "code": code,
        }
        return self._token_call(TOKEN_PATH, form, previous=None)

    def refresh(self, tokens: Tokens) -> Tokens:
        app = self.require_app()
        if not tokens.refresh_token:
            raise ReauthRequired(platform=PLATFORM, detail="no refresh token")
        form = {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
        }
        # A refresh token works once and the answer brings a new pair: sent once.
        return self._token_call(REFRESH_PATH, form, previous=tokens)

    def get_profile(self, tokens: Tokens) -> Profile:
        response = self.http.read(
            "GET",
            self._api(USER_INFO_PATH),
            auth=self._signer(tokens),
            classify=partial(classify, scope=SCOPE_USER),
        )
        user = mapping(json_body(response).get("data"))
        open_id = str(user.get("openid") or user.get("open_id") or "")
        if not open_id:
            raise Transient(platform=PLATFORM, detail="account/info answered without openid")
        name = str(user.get("name") or "")
        return Profile(
            remote_id=open_id,
            handle=name or open_id,
            display_name=name,
            avatar_url=str(user.get("face") or "") or None,
        )

    # --- publish ----------------------------------------------------------------------------

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        no_tid = request.options.get("tid") is None
        issues = [
            issue
            for issue in super().validate(request, rules)
            # Bilibili's desc is the caption alone (checked below); a missing tid gets words.
            if not (issue.field == "caption" and issue.code == "too_long")
            and not (no_tid and issue.field == "options.tid")
        ]
        if no_tid:
            issues.append(Issue(field="options.tid", code="required", message=TID_REQUIRED))
        issues += text_issues(request)
        options = _options(request.options)
        if options is not None:
            issues += option_issues(options)
        issues += cover_issues(request.cover)
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
        if tokens.scopes and SCOPE_ARCHIVE not in tokens.scopes:
            raise ReauthRequired(
                SCOPE_MISSING,
                platform=PLATFORM,
                platform_code="scope",
                detail="not in the granted scopes",
                scope=SCOPE_ARCHIVE,
            )
        options = BilibiliOptions.model_validate(request.options)
        media = request.media
        check_file(media.path, media.size_bytes, platform=PLATFORM)
        count = -(-media.size_bytes // self.part_bytes)
        if count > MAX_PARTS:
            raise Rejected(
                TOO_MANY_PARTS,
                platform=PLATFORM,
                platform_code="too_many_parts",
                count=count,
                limit=MAX_PARTS,
            )
        assert request.cover is not None  # validate refused a request without one
        cover_path = request.cover
        try:
            cover = cover_path.read_bytes()
        except OSError as exc:
            raise Rejected(COVER_UNREADABLE, platform=PLATFORM, detail=str(exc)) from None
        facts = image_facts(cover_path)
        title = request.title.strip()

        init = self._json_call(tokens, INIT_PATH, {"name": _file_name(media.path), "utype": "0"})
        upload_token = str(mapping(init.get("data")).get("upload_token") or "")
        if not upload_token:
            raise Transient(platform=PLATFORM, detail="video/init answered without upload_token")
        ticket = Ticket(
            reference=upload_token,
            data={
                "stage": "uploading",
                "title": title,
                "video_size": media.size_bytes,
                "part_bytes": self.part_bytes,
                "part_count": count,
                "tid": options.tid,
                "started_at": self.clock().isoformat(),
            },
        )
        record(ticket)

        self._upload(tokens, upload_token, media.path, media.size_bytes, on_progress)
        try:
            response = self.http.mutate(
                "POST",
                self._api(COVER_PATH),
                auth=self._signer(tokens),
                files={
                    "file": (
                        cover_path.name,
                        cover,
                        facts.content_type if facts else "image/jpeg",
                    )
                },
                classify=partial(classify, scope=SCOPE_ARCHIVE),
            )
        except (Transient, OutcomeUnknown) as exc:
            # An uploaded cover is not an archive: nothing was posted.
            raise Transient(
                platform=PLATFORM, platform_code=exc.platform_code, detail=exc.detail
            ) from None
        cover_url = str(mapping(json_body(response).get("data")).get("url") or "")
        if not cover_url:
            raise Transient(platform=PLATFORM, detail="cover/upload answered without url")

        body: dict[str, Any] = {
            "title": title,
            "cover": cover_url,
            "desc": description_of(request),
            "tag": tag_field(request),
            **options.submit_fields(),
        }
        ticket = Ticket(
            reference=upload_token,
            data={**ticket.data, "stage": "submitting", "cover_url": cover_url},
        )
        record(ticket)
        try:
            submitted = self._json_call(
                tokens, SUBMIT_PATH, body, params={"upload_token": upload_token}
            )
        except Transient as exc:
            if not exc.platform_code:  # could not connect: nothing was sent
                raise
            # Bilibili answered the one call that creates the archive with a server error.
            raise OutcomeUnknown(
                platform=PLATFORM, platform_code=exc.platform_code, detail=exc.detail
            ) from None
        resource_id = str(mapping(submitted.get("data")).get("resource_id") or "")
        if not resource_id:
            raise OutcomeUnknown(platform=PLATFORM, detail="add-by-utoken gave no resource_id")
        ticket = Ticket(
            reference=upload_token,
            data={
                **ticket.data,
                "stage": "submitted",
                "resource_id": resource_id,
                "submitted_at": self.clock().isoformat(),
            },
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        data = ticket.data
        resource_id = str(data.get("resource_id") or "")
        if not resource_id:
            return self._reconcile(tokens, ticket)
        try:
            response = self.http.read(
                "GET",
                self._api(VIEW_PATH),
                params={"resource_id": resource_id},
                auth=self._signer(tokens),
                classify=partial(classify, scope=SCOPE_ARCHIVE),
            )
        except Rejected as exc:
            # unconfirmed: -404 is Bilibili's general "nothing here" code.
            if exc.platform_code not in ("-404", "404"):
                raise
            return Failed(
                reason=ARCHIVE_GONE,
                params={"resource_id": resource_id},
                platform_code=exc.platform_code,
            )
        return status.interpret(resource_id, mapping(json_body(response).get("data")))

    def live_url(self, remote_id: str) -> str | None:
        return status.video_url(remote_id)

    # --- upload -----------------------------------------------------------------------------

    def _upload(
        self,
        tokens: Tokens,
        upload_token: str,
        path: Path,
        size: int,
        on_progress: OnProgress | None,
    ) -> None:
        """The parts, then the merge (transfer.py: no archive exists yet, so a broken upload is
        Transient; a refusal stays Rejected)."""

        def send(index: int, content: bytes) -> None:
            self.http.mutate(
                "POST",
                self.endpoint("upload", UPLOAD_BASE) + PART_PATH,
                params={"upload_token": upload_token, "part_number": str(index + 1)},
                content=content,
                headers={"Content-Type": "application/octet-stream"},
                auth=self._signer(tokens),
                classify=partial(classify, scope=SCOPE_ARCHIVE),
            )

        def complete(_count: int) -> None:
            self.http.mutate(
                "POST",
                self._api(COMPLETE_PATH),
                params={"upload_token": upload_token},
                auth=self._signer(tokens),
                classify=partial(classify, scope=SCOPE_ARCHIVE),
            )

        send_in_parts(
            path,
            size=size,
            part_bytes=self.part_bytes,
            platform=PLATFORM,
            send=send,
            complete=complete,
            on_progress=on_progress,
        )

    # --- status -----------------------------------------------------------------------------

    def _reconcile(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """Where a publication stands when its resource id never came back."""

        def recent() -> Any:
            response = self.http.read(
                "GET",
                self._api(VIEWLIST_PATH),
                params={"pn": "1", "ps": str(LIST_SIZE), "status": "all"},
                auth=self._signer(tokens),
                classify=partial(classify, scope=SCOPE_ARCHIVE),
            )
            return mapping(json_body(response).get("data")).get("list")

        # A ticket still at "uploading": add-by-utoken was never sent, no archive can exist.
        return reconcile_by_listing(
            ticket,
            platform=PLATFORM,
            listing=Listing("title", "title", "ctime", "resource_id"),
            waiting=Waiting(RECONCILE_GRACE, CHECKING, 60, NOT_FOUND_AFTER_SUBMIT),
            now=self.clock(),
            recent=recent,
            interpret=status.interpret,
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + path

    def _signer(self, tokens: Tokens) -> Signer:
        """Signs each attempt of a call afresh (nonce, timestamp, body MD5)."""
        app = self.require_app()
        return Signer(
            client_id=app.client_id, app_secret=app.client_secret, access_token=tokens.access_token
        )

    def _json_call(
        self,
        tokens: Tokens,
        path: str,
        payload: dict[str, Any],
        *,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A signed JSON mutation; the signature covers the exact bytes sent."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response = self.http.mutate(
            "POST",
            self._api(path),
            params=params,
            content=body,
            headers={"Content-Type": "application/json"},
            auth=self._signer(tokens),
            classify=partial(classify, scope=SCOPE_ARCHIVE),
        )
        return json_body(response)

    def _token_call(self, path: str, form: dict[str, str], *, previous: Tokens | None) -> Tokens:
        response = self.http.mutate(
            "POST",
            self.endpoint("oauth", OAUTH_BASE) + path,
            data=form,
            classify=partial(classify, token_endpoint=True),
        )
        data = mapping(json_body(response).get("data"))
        access = token_answer.access_token(data, platform=PLATFORM)
        scopes = data.get("scopes")
        return Tokens(
            access_token=access,
            refresh_token=token_answer.refresh_token(data.get("refresh_token"), previous),
            expires_at=self._expiry(data.get("expires_in")),
            # Bilibili names no refresh-token lifetime.
            refresh_expires_at=previous.refresh_expires_at if previous else None,
            scopes=tuple(str(s) for s in scopes if s)
            if isinstance(scopes, list) and scopes
            else (previous.scopes if previous else ()),
            remote_id=previous.remote_id if previous else None,
        )

    def _expiry(self, value: Any) -> datetime | None:
        """`expires_in`: an absolute epoch time in the fixtures community clients recorded,
        seconds from now in other clients (unconfirmed), so a value past 10^9 is read as a time."""
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            return None
        if value > 1_000_000_000:
            return datetime.fromtimestamp(value, UTC)
        return self.clock() + timedelta(seconds=float(value))


# --- helpers ------------------------------------------------------------------------------------


def _options(options: dict[str, Any]) -> BilibiliOptions | None:
    try:
        return BilibiliOptions.model_validate(options)
    except ValidationError:
        return None  # reported by the base class


def _file_name(path: Path) -> str:
    """The file name video/init wants (with its extension), kept to safe characters."""
    stem = _SAFE_NAME.sub("_", path.stem).strip("._") or "video"
    suffix = path.suffix.lower() if path.suffix.lower() in (".mp4", ".flv") else ".mp4"
    return f"{stem[:60]}{suffix}"
