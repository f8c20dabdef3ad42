"""Kuaishou: the shared provider contract against the fake, then what is Kuaishou's own."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import imageio_ffmpeg
import pytest

from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import Http
from shortops.providers.kuaishou import KuaishouProvider
from shortops.providers.kuaishou.envelope import classify
from shortops.providers.kuaishou.provider import CAPTION_SOFT_MAX, FRAGMENT_BYTES
from shortops.providers.types import (
    AppCredentials,
    AuthStart,
    Failed,
    MediaFile,
    Pending,
    Progress,
    Published,
    PublishRequest,
    Severity,
    Ticket,
    Tokens,
)
from tests.fakes.kuaishou import FakeKuaishou, parse_multipart
from tests.providers.contract import CONTRACT, Check, Harness, poll_until_done

REDIRECT = "http://127.0.0.1:8000/accounts/callback/kuaishou"
MiB = 1024 * 1024


# --- fixtures ------------------------------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    completed = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kuaishou")


@pytest.fixture(scope="module")
def video(media_dir: Path) -> MediaFile:
    """A real 4 s 360×640 MP4, made with FFmpeg at test time."""
    path = media_dir / "clip.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4"),
        *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)),
    )
    return MediaFile(
        path=path, size_bytes=path.stat().st_size, duration_s=4.0, width=360, height=640
    )


@pytest.fixture(scope="module")
def cover(media_dir: Path) -> Path:
    """A real portrait JPEG cover (720×1280)."""
    path = media_dir / "cover.jpg"
    ffmpeg(*("-f", "lavfi", "-i", "color=c=orange:size=720x1280"), "-frames:v", "1", str(path))
    return path


@dataclass
class CoverHarness(Harness):
    """The contract's harness, with the cover Kuaishou requires on every request."""

    cover: Path | None = None

    def request(self, key: str = "pub-1", **changes: object) -> PublishRequest:
        if self.cover is not None:
            changes.setdefault("cover", self.cover)
        return super().request(key, **changes)


@pytest.fixture
def fake() -> Iterator[FakeKuaishou]:
    server = FakeKuaishou(redirect_uris=(REDIRECT,))
    yield server
    server.close()


@pytest.fixture
def app(fake: FakeKuaishou) -> AppCredentials:
    return AppCredentials(
        client_id=fake.app_id,
        client_secret=fake.app_secret,
        redirect_uri=REDIRECT,
        endpoints={"auth": fake.url, "api": fake.url},
    )


def approve(start: AuthStart) -> str:
    """The user in the browser: open the authorize URL, come back with the code."""
    response = httpx.get(start.url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [start.state]
    return query["code"][0]


@pytest.fixture
def harness(
    fake: FakeKuaishou, app: AppCredentials, video: MediaFile, cover: Path
) -> Iterator[CoverHarness]:
    clients: list[Http] = []

    def make_provider() -> KuaishouProvider:
        http = Http(KuaishouProvider.slug, sleep=h.sleep)
        clients.append(http)
        return KuaishouProvider(app, http=http)

    h = CoverHarness(
        make_provider=make_provider,
        fake=fake,
        media=video,
        authorize=approve,
        uploads=fake.uploads,
        live_posts=fake.live_photo_ids,
        # photo/publish is the call that posts; the byte upload before it posts nothing.
        upload_endpoint="/openapi/photo/publish",
        status_endpoint="/openapi/photo/info",
        profile_endpoint="/openapi/user_info",
        rotates_refresh_tokens=True,
        cover=cover,
    )
    yield h
    for http in clients:
        http.close()


def connect(h: Harness, **kw: Any) -> tuple[KuaishouProvider, Tokens]:
    """A signed-in provider; `kw` goes to KuaishouProvider (clock, fragment sizes)."""
    base = h.make_provider()
    assert isinstance(base, KuaishouProvider)
    provider = KuaishouProvider(base.app, http=base.http, **kw) if kw else base
    start = provider.authorization_url("s-1")
    return provider, provider.exchange_code(approve(start))


def random_media(tmp_path: Path, size: int) -> MediaFile:
    """Random bytes where only the bytes matter (the fake does not decode video)."""
    path = tmp_path / f"random-{size}.mp4"
    path.write_bytes(os.urandom(size))
    return MediaFile(path=path, size_bytes=size, duration_s=30.0, width=1080, height=1920)


def noop(ticket: Ticket) -> None:
    return None


def upload_requests(fake: FakeKuaishou) -> list[Any]:
    return [r for r in fake.requests if r.path.startswith("/api/upload")]


# --- the shared contract -------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "kuaishou"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: CoverHarness) -> None:
    check(harness)


# --- the cover ----------------------------------------------------------------------------------


def test_kuaishou_needs_a_cover(harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path) -> None:
    provider, tokens = connect(harness)
    for missing in (None, tmp_path / "no-such-cover.jpg"):
        request = harness.request(cover=missing)
        errors = [i for i in provider.validate(request) if i.severity == Severity.error]
        assert [(i.field, i.code) for i in errors] == [("cover", "required")]
        assert "Kuaishou needs a cover image" in errors[0].render()
        before = len(fake.requests)
        with pytest.raises(Rejected, match="Kuaishou needs a cover image"):
            provider.start_publish(tokens, request, record=noop)
        assert len(fake.requests) == before, "nothing is sent for a request that cannot go"
    assert fake.uploads() == 0


def test_a_cover_that_is_no_image_is_a_warning(harness: CoverHarness, tmp_path: Path) -> None:
    odd = tmp_path / "cover.gif"
    odd.write_bytes(b"GIF89a" + b"\0" * 32)
    issues = harness.make_provider().validate(harness.request(cover=odd))
    assert [(i.field, i.code, i.severity) for i in issues] == [
        ("cover", "format", Severity.warning)
    ]


def test_the_cover_goes_with_the_publish(
    harness: CoverHarness, fake: FakeKuaishou, cover: Path
) -> None:
    provider, tokens = connect(harness)
    provider.start_publish(tokens, harness.request(), record=noop)
    publish = [r for r in fake.requests if r.path == "/openapi/photo/publish"]
    assert len(publish) == 1
    fields = parse_multipart(publish[0])
    assert fields["cover"] == ("cover.jpg", cover.read_bytes())
    assert fields["caption"][1].decode() == "Three tips for better hooks 第一条 #hooks #shorts"
    assert fields["stereo_type"][1] == b"NOT_SPHERICAL_VIDEO"
    photo = fake.only_photo()
    assert photo.cover == cover.read_bytes() and photo.caption.endswith("#shorts")


# --- sign-in --------------------------------------------------------------------------------------


def test_authorization_url(harness: CoverHarness, fake: FakeKuaishou) -> None:
    start = harness.make_provider().authorization_url("st")
    url = urlsplit(start.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/oauth2/authorize"
    assert query == {
        "app_id": fake.app_id,
        "scope": "user_info,user_video_publish,user_video_info",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "st",
        "ua": "pc",
    }
    assert start.code_verifier is None and fake.app_secret not in start.url


def test_tokens_carry_lifetimes_scopes_and_the_open_id(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    provider, tokens = connect(harness, clock=lambda: now)
    assert tokens.expires_at == now + timedelta(seconds=3600)
    assert tokens.refresh_expires_at == now + timedelta(seconds=648_000)
    assert tokens.scopes == ("user_info", "user_video_publish", "user_video_info")
    assert tokens.remote_id == "ks-open-id-1"
    assert provider.get_profile(tokens).remote_id == "ks-open-id-1"
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    # The new refresh token inherits the old one's expiry instead of starting a new period.
    assert fresh.refresh_expires_at is not None and tokens.refresh_expires_at is not None
    assert (
        timedelta(0) <= tokens.refresh_expires_at - fresh.refresh_expires_at < timedelta(seconds=5)
    )
    assert fresh.scopes == tokens.scopes and fresh.remote_id == tokens.remote_id


def test_profile(harness: CoverHarness) -> None:
    provider, tokens = connect(harness)
    profile = provider.get_profile(tokens)
    assert (profile.remote_id, profile.handle) == ("ks-open-id-1", "钩子实验室 Hook Lab")
    assert profile.avatar_url == "https://p1.a.yximgs.com/head.jpg"
    assert profile.extra["city"] == "上海"


def test_spent_and_foreign_refresh_tokens(harness: CoverHarness, fake: FakeKuaishou) -> None:
    provider, tokens = connect(harness)
    fresh = provider.refresh(tokens)
    with pytest.raises(ReauthRequired) as caught:
        provider.refresh(tokens)
    assert caught.value.platform_code == "100200113"
    fake.app_secret = "rotated-in-the-portal"
    with pytest.raises(ReauthRequired, match="app secret") as caught:
        provider.refresh(fresh)
    assert caught.value.platform_code == "100200101"


def test_a_used_code_needs_a_new_sign_in(harness: CoverHarness) -> None:
    provider = harness.make_provider()
    code = approve(provider.authorization_url("st"))
    provider.exchange_code(code)
    with pytest.raises(ReauthRequired) as caught:
        provider.exchange_code(code)
    assert caught.value.platform_code == "100200105"


def test_without_the_publish_scope_nothing_is_sent(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    fake.user_grants = {"user_info", "user_video_info"}
    provider, tokens = connect(harness)
    with pytest.raises(ReauthRequired, match="user_video_publish"):
        provider.start_publish(tokens, harness.request(), record=noop)
    assert fake.count("POST", "/openapi/photo/start_upload") == 0


def test_a_missing_scope_on_the_platform_names_it(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    fake.user_grants = {"user_video_publish", "user_video_info"}
    provider, tokens = connect(harness)
    with pytest.raises(ReauthRequired, match="user_info permission"):
        provider.get_profile(tokens)


# --- uploading ------------------------------------------------------------------------------------


def test_a_small_file_goes_in_one_request(
    harness: CoverHarness, fake: FakeKuaishou, video: MediaFile
) -> None:
    provider, tokens = connect(harness)
    progress: list[Progress] = []
    recorded: list[Ticket] = []
    ticket = provider.start_publish(
        tokens, harness.request(), record=recorded.append, on_progress=progress.append
    )
    uploads = upload_requests(fake)
    assert [(r.method, r.path) for r in uploads] == [("POST", "/api/upload")]
    assert uploads[0].body == video.path.read_bytes()
    assert uploads[0].headers["content-type"] == "video/mp4"
    # Only the upload token goes to the upload endpoint, never the access token.
    assert set(uploads[0].query) == {"upload_token"}
    session = fake.sessions[ticket.reference]
    assert session.complete and session.size == video.size_bytes
    assert [p.sent for p in progress] == [0, video.size_bytes]
    assert [t.data["stage"] for t in recorded] == ["uploading", "publishing", "published"]
    assert recorded[0].reference == recorded[-1].reference == ticket.reference
    assert ticket.data["photo_id"] == fake.only_photo().photo_id


def test_a_large_file_goes_in_8_mib_fragments(
    harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    size = 20 * MiB + 12_345
    media = random_media(tmp_path, size)
    progress: list[Progress] = []
    ticket = provider.start_publish(
        tokens, harness.request(media=media), record=noop, on_progress=progress.append
    )
    uploads = upload_requests(fake)
    fragments = [r for r in uploads if r.path == "/api/upload/fragment"]
    assert [r.query["fragment_id"] for r in fragments] == ["0", "1", "2"]
    assert [len(r.body) for r in fragments] == [FRAGMENT_BYTES, FRAGMENT_BYTES, size - 16 * MiB]
    assert uploads[-1].path == "/api/upload/complete"
    assert uploads[-1].query["fragment_count"] == "3"
    session = fake.sessions[ticket.reference]
    assert session.size == size
    assert session.sha256 == hashlib.sha256(media.path.read_bytes()).hexdigest()
    assert [p.sent for p in progress] == [0, 8 * MiB, 16 * MiB, size]
    assert ticket.data["fragment_count"] == 3
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.remote_id in fake.live_photo_ids()


def test_the_fragment_size_is_configurable(
    harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path
) -> None:
    provider, tokens = connect(harness, direct_upload_max_bytes=0, fragment_bytes=5 * MiB)
    media = random_media(tmp_path, 12 * MiB)
    provider.start_publish(tokens, harness.request(media=media), record=noop)
    sizes = [len(r.body) for r in upload_requests(fake) if r.path == "/api/upload/fragment"]
    assert sizes == [5 * MiB, 5 * MiB, 2 * MiB]


def test_a_broken_upload_posts_nothing_and_can_start_again(
    harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    media = random_media(tmp_path, 20 * MiB)
    recorded: list[Ticket] = []
    fake.fail_next("drop", endpoint="/api/upload/fragment")
    with pytest.raises(Transient, match="nothing was posted"):
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    assert [t.data["stage"] for t in recorded] == ["uploading"]
    assert fake.count("POST", "/openapi/photo/publish") == 0
    assert len(upload_requests(fake)) == 1, "a fragment is never sent twice"
    # The engine reconciles the recorded upload: it never reached photo/publish.
    state = provider.check_publish(tokens, recorded[0])
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "upload_incomplete"
    assert fake.count("GET", "/openapi/photo/") == 0, "nothing to ask Kuaishou"
    ticket = provider.start_publish(tokens, harness.request(media=media), record=noop)
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)


def test_a_refused_fragment_stays_refused(
    harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("400", endpoint="/api/upload/complete")
    with pytest.raises(Rejected, match="as invalid"):
        provider.start_publish(
            tokens, harness.request(media=random_media(tmp_path, 11 * MiB)), record=noop
        )


def test_a_server_error_on_publish_is_outcome_unknown(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("500", endpoint="/openapi/photo/publish")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=noop)
    assert fake.count("POST", "/openapi/photo/publish") == 1


def test_a_lost_publish_answer_is_found_by_its_caption(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    now = [datetime.now(UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0])
    fake.processing_polls = 1
    published = provider.start_publish(tokens, harness.request(), record=noop)
    # A ticket as a crash right after photo/publish leaves it: no photo id.
    lost = Ticket(
        reference=published.reference,
        data={k: v for k, v in published.data.items() if k != "photo_id"} | {"stage": "publishing"},
    )
    state = provider.check_publish(tokens, lost)
    assert isinstance(state, Pending)  # found, still processing
    assert fake.count("GET", "/openapi/photo/list") == 1
    fake.only_photo().pending = False
    state = provider.check_publish(tokens, lost)
    assert isinstance(state, Published) and state.remote_id == published.data["photo_id"]


def test_a_dropped_publish_that_never_arrived_ends_failed(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    now = [datetime.now(UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0])
    recorded: list[Ticket] = []
    fake.fail_next("drop", endpoint="/openapi/photo/publish")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert recorded[-1].data["stage"] == "publishing"
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Pending) and "whether the publish request went through" in (
        state.detail
    )
    now[0] += timedelta(minutes=16)
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "not_found" and fake.live_photo_ids() == []


# --- status ---------------------------------------------------------------------------------------


def test_processing_then_live_at_the_web_url(harness: CoverHarness, fake: FakeKuaishou) -> None:
    fake.processing_polls = 2
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    states = [provider.check_publish(tokens, ticket) for _ in range(2)]
    assert all(isinstance(s, Pending) and "processing" in s.detail for s in states)
    state = provider.check_publish(tokens, ticket)
    photo_id = ticket.data["photo_id"]
    assert isinstance(state, Published)
    assert state.url == f"https://www.kuaishou.com/short-video/{photo_id}"
    assert provider.live_url(photo_id) == state.url


def test_without_user_video_info_the_publish_answer_is_all(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    fake.user_grants = {"user_info", "user_video_publish"}
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published) and "user_video_info" in state.detail
    assert fake.count("GET", "/openapi/photo/info") == 0


def test_a_deleted_video_fails_after_a_grace(harness: CoverHarness, fake: FakeKuaishou) -> None:
    now = [datetime.now(UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0])
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    fake.photos.clear()
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    now[0] += timedelta(minutes=20)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and state.platform_code == "photo_not_found"
    assert ticket.data["photo_id"] in state.reason.format(**state.params)


# --- validation and errors ------------------------------------------------------------------------


def test_a_long_caption_is_only_a_warning(harness: CoverHarness, fake: FakeKuaishou) -> None:
    provider, tokens = connect(harness)
    caption = "长" * (CAPTION_SOFT_MAX + 1)
    request = harness.request(caption=caption, hashtags=())
    issues = provider.validate(request)
    assert [(i.field, i.code, i.severity) for i in issues] == [
        ("caption", "long", Severity.warning)
    ]
    provider.start_publish(tokens, request, record=noop)
    assert fake.only_photo().caption == caption, "sent whole, not cut"


def test_limits_come_from_the_kuaishou_profile(harness: CoverHarness) -> None:
    provider = harness.make_provider()
    short = harness.media.model_copy(update={"duration_s": 2.0})
    issues = provider.validate(harness.request(media=short))
    assert [(i.field, i.code) for i in issues if i.severity == Severity.error] == [
        ("media", "too_short")
    ]
    wide = harness.media.model_copy(update={"width": 1920, "height": 1080})
    assert [i.code for i in provider.validate(harness.request(media=wide))] == ["aspect"]


def test_the_daily_request_limit(harness: CoverHarness, fake: FakeKuaishou) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("403", endpoint="/openapi/photo/start_upload")  # result 100100402
    with pytest.raises(RateLimited) as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    assert caught.value.retry_after_s == 3600
    assert "1000 calls" in str(caught.value) and caught.value.platform_code == "100100402"
    assert fake.uploads() == 0


def test_an_expired_token_on_a_read_is_auth_expired(
    harness: CoverHarness, fake: FakeKuaishou
) -> None:
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    fake.expire_tokens()
    with pytest.raises(AuthExpired) as caught:
        provider.check_publish(tokens, ticket)
    assert caught.value.platform_code == "100200108"
    assert not harness.slept, "an expired token is not retried"


def test_unknown_codes_are_refused_with_the_code(harness: CoverHarness, fake: FakeKuaishou) -> None:
    provider, tokens = connect(harness)
    fake.forbidden_code = 100999999
    fake.fail_next("403", endpoint="/openapi/photo/start_upload")
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    assert "100999999: fault 403" in str(caught.value)


def test_a_changed_file_is_refused_before_anything_is_sent(
    harness: CoverHarness, fake: FakeKuaishou, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    media = random_media(tmp_path, 1000)
    media.path.write_bytes(b"x" * 999)
    with pytest.raises(Rejected, match="changed"):
        provider.start_publish(tokens, harness.request(media=media), record=noop)
    assert fake.uploads() == 0


# --- the fake itself ------------------------------------------------------------------------------


def test_the_fake_enforces_the_upload_protocol(harness: CoverHarness, fake: FakeKuaishou) -> None:
    """The fake refuses what Kuaishou's clients report it refuses, so passing means something."""
    _, tokens = connect(harness)
    auth = {"app_id": fake.app_id, "access_token": tokens.access_token}
    api = fake.url

    def start() -> str:
        answer = httpx.post(f"{api}/openapi/photo/start_upload", params=auth).json()
        assert answer["result"] == 1 and answer["endpoint"] == fake.endpoint_host
        return str(answer["upload_token"])

    def post(path: str, token: str, **kw: Any) -> dict[str, Any]:
        params = {"upload_token": token, **kw.pop("params", {})}
        return dict(httpx.post(f"http://{fake.endpoint_host}{path}", params=params, **kw).json())

    token = start()
    publish = f"{api}/openapi/photo/publish"
    files = {"cover": ("c.jpg", b"\xff\xd8\xff-cover", "image/jpeg")}
    early = httpx.post(publish, params={**auth, "upload_token": token}, files=files).json()
    assert early["result"] == 100120002  # not uploaded yet
    assert (
        post("/api/upload/fragment", token, params={"fragment_id": "1"}, content=b"b")["result"]
        == 1
    )
    resume = httpx.get(
        f"http://{fake.endpoint_host}/api/upload/resume", params={"upload_token": token}
    )
    assert resume.json()["fragment_list"] == [1] and resume.json()["fragment_index"] == 0
    # Fragment 0 is missing: completing with two is refused.
    refused = post("/api/upload/complete", token, params={"fragment_count": "2"})
    assert refused["result"] == 100120002
    post("/api/upload/fragment", token, params={"fragment_id": "0"}, content=b"a")
    assert post("/api/upload/complete", token, params={"fragment_count": "2"})["result"] == 1
    no_cover = httpx.post(
        publish, params={**auth, "upload_token": token}, data={"caption": "x"}
    ).json()
    assert no_cover["result"] == 100200100
    done = httpx.post(
        publish, params={**auth, "upload_token": token}, data={"caption": "hi"}, files=files
    ).json()
    assert done["result"] == 1 and done["video_info"]["pending"] is True
    again = httpx.post(publish, params={**auth, "upload_token": token}, files=files).json()
    assert again["result"] == 100200100, "an upload token posts once"
    assert fake.only_photo().size == 2 and fake.only_photo().caption == "hi"

    multipart = start()
    answer = post(
        "/api/upload/multipart", multipart, files={"file": ("v.mp4", b"0123", "video/mp4")}
    )
    assert answer["result"] == 1 and fake.sessions[multipart].size == 4
    wrong_app = httpx.get(f"{api}/openapi/user_info", params={**auth, "app_id": "other"}).json()
    assert wrong_app["result"] == 100200101


# --- the envelope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "token_endpoint", "expected"),
    [
        (200, {"result": 1}, False, None),
        (200, {}, False, None),  # the upload host's answers carry no documented envelope
        (200, {"result": 100200108, "error_msg": "access_token过期"}, False, AuthExpired),
        (200, {"result": 100200102}, False, AuthExpired),
        (200, {"result": 100200109}, False, ReauthRequired),
        (200, {"result": 100200111}, False, ReauthRequired),
        (200, {"result": 100200106}, False, ReauthRequired),
        (200, {"result": 100200101}, False, ReauthRequired),
        (200, {"result": 100200105}, True, ReauthRequired),
        (200, {"result": 100200102}, True, ReauthRequired),
        (200, {"result": 100100402}, False, RateLimited),
        (429, {}, False, RateLimited),
        (200, {"result": 100200500}, False, Transient),
        (502, {}, True, Transient),
        (200, {"result": 100200100}, False, Rejected),
        (200, {"result": 100120002}, False, Rejected),
        (200, {"result": 120003}, False, Rejected),
        (200, {"result": 42}, False, Rejected),
        (401, {}, False, AuthExpired),
    ],
)
def test_result_codes_map_to_the_closed_set(
    status: int, body: dict[str, Any], token_endpoint: bool, expected: type | None
) -> None:
    found = classify(httpx.Response(status, json=body), token_endpoint=token_endpoint)
    if expected is None:
        assert found is None
    else:
        assert found is not None and type(found) is expected, found
        code = body.get("result")
        assert found.platform_code == (str(code) if code is not None else str(status))
