"""Douyin: the shared provider contract against the fake Douyin, then what is Douyin's own (the
enterprise-only restriction, direct and part uploads, create_video exactly once, review, token
refresh and renewal, the HTTP-200 error envelope)."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import imageio_ffmpeg
import pytest

from shortops.kit.clock import utcnow
from shortops.providers.douyin import ENTERPRISE_ONLY_CODE, DouyinProvider, part_ranges
from shortops.providers.douyin.envelope import classify
from shortops.providers.douyin.parts import (
    DIRECT_MAX_BYTES,
    DIRECT_PREFERRED_MAX_BYTES,
    MIN_PART_BYTES,
    TooLarge,
    use_parts,
)
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import Http
from shortops.providers.types import (
    AppCredentials,
    AuthStart,
    Failed,
    MediaFile,
    Pending,
    Progress,
    Published,
    Severity,
    Ticket,
    Tokens,
)
from tests.fakes.douyin import VIDEO, FakeDouyin, multipart_field
from tests.providers.contract import CONTRACT, Check, Harness, poll_until_done

REDIRECT = "http://127.0.0.1:8000/accounts/callback/douyin"
MiB = 1024 * 1024
DAY = 86_400


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> MediaFile:
    """A real 3 s 720×1280 MP4, made with FFmpeg at test time."""
    path = tmp_path_factory.mktemp("douyin") / "clip.mp4"
    completed = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=3"),
            *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return MediaFile(
        path=path, size_bytes=path.stat().st_size, duration_s=3.0, width=720, height=1280
    )


@pytest.fixture
def fake() -> Iterator[FakeDouyin]:
    server = FakeDouyin(redirect_uris=(REDIRECT,))
    yield server
    server.close()


@pytest.fixture
def app(fake: FakeDouyin) -> AppCredentials:
    return AppCredentials(
        client_id=fake.client_key,
        client_secret=fake.client_secret,
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
def harness(fake: FakeDouyin, app: AppCredentials, video: MediaFile) -> Iterator[Harness]:
    clients: list[Http] = []
    holder: list[Harness] = []

    def make_provider() -> DouyinProvider:
        http = Http(DouyinProvider.slug, sleep=holder[0].sleep)
        clients.append(http)
        return DouyinProvider(app, http=http)

    h = Harness(
        make_provider=make_provider,
        fake=fake,
        media=video,
        authorize=approve,
        uploads=fake.video_count,
        live_posts=fake.live_item_ids,
        # The irreversible call is create_video (an uploaded video publishes nothing), so the
        # contract's "upload" faults go there; broken uploads are tested below.
        upload_endpoint=f"{VIDEO}create_video/",
        status_endpoint=f"{VIDEO}video_data/",
        profile_endpoint="/oauth/userinfo/",
        rotates_refresh_tokens=False,
    )
    holder.append(h)
    yield h
    for http in clients:
        http.close()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def connect(h: Harness, **kw: Any) -> tuple[DouyinProvider, Tokens]:
    """A signed-in provider; `kw` goes to DouyinProvider (clock, direct_max_bytes …)."""
    base = h.make_provider()
    assert isinstance(base, DouyinProvider)
    provider = DouyinProvider(base.app, http=base.http, **kw) if kw else base
    start = provider.authorization_url("s-1")
    return provider, provider.exchange_code(approve(start))


def sparse_media(tmp_path: Path, size: int) -> MediaFile:
    """A file of `size` zero bytes that takes no disk space (only the bytes matter here)."""
    path = tmp_path / f"sparse-{size}.mp4"
    with path.open("wb") as file:
        file.truncate(size)
    return MediaFile(path=path, size_bytes=size, duration_s=60.0, width=1080, height=1920)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(8 * MiB):
            digest.update(block)
    return digest.hexdigest()


# --- the shared contract -------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "douyin"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: Harness) -> None:
    check(harness)


# --- sign-in -------------------------------------------------------------------------------------


def test_authorization_url(harness: Harness, fake: FakeDouyin) -> None:
    start = harness.make_provider().authorization_url("s-9")
    parts = urlsplit(start.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/platform/oauth/connect/"
    assert query == {
        "client_key": fake.client_key,
        "response_type": "code",
        "scope": "user_info,video.create.bind,video.data.bind,video.list.bind,renew_refresh_token",
        "redirect_uri": REDIRECT,
        "state": "s-9",
    }


def test_an_app_registration_may_narrow_the_scopes(harness: Harness) -> None:
    base = harness.make_provider()
    assert base.app is not None
    app = base.app.model_copy(update={"extra": {"scopes": "user_info, video.create.bind"}})
    query = parse_qs(urlsplit(DouyinProvider(app).authorization_url("s").url).query)
    assert query["scope"] == ["user_info,video.create.bind"]


def test_sign_in_names_the_user_by_open_id(harness: Harness, fake: FakeDouyin) -> None:
    provider, tokens = connect(harness)
    assert tokens.remote_id == fake.user["open_id"]
    assert "video.create.bind" in tokens.scopes
    assert tokens.expires_at and tokens.refresh_expires_at
    assert timedelta(days=14) < tokens.expires_at - utcnow() <= timedelta(days=15)
    assert timedelta(days=29) < tokens.refresh_expires_at - utcnow() <= timedelta(days=30)
    profile = provider.get_profile(tokens)
    assert profile.remote_id == fake.user["open_id"]
    assert profile.handle == profile.display_name == "钩子实验室"
    assert profile.extra["e_account_role"] == "EAccountM"


def test_a_code_works_once(harness: Harness) -> None:
    provider = harness.make_provider()
    code = approve(provider.authorization_url("s"))
    provider.exchange_code(code)
    with pytest.raises(ReauthRequired) as caught:
        provider.exchange_code(code)
    assert caught.value.platform_code == "10007"


def test_refreshing_a_valid_token_extends_it(harness: Harness, fake: FakeDouyin) -> None:
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    fake.advance(3 * DAY)
    clock.now += timedelta(days=3)
    fresh = provider.refresh(tokens)
    assert fresh.access_token == tokens.access_token  # extended, not replaced
    assert fresh.expires_at and tokens.expires_at
    assert fresh.expires_at - tokens.expires_at > timedelta(days=2)
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.refresh_expires_at and tokens.refresh_expires_at
    assert abs(fresh.refresh_expires_at - tokens.refresh_expires_at) < timedelta(seconds=5)


def test_the_refresh_token_is_renewed_before_it_runs_out(
    harness: Harness, fake: FakeDouyin
) -> None:
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    fake.advance(15 * DAY + 60)  # the access token expired; the refresh token has 15 days left
    clock.now += timedelta(days=15, minutes=1)
    fresh = provider.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
    assert fresh.refresh_expires_at is not None
    assert abs(fresh.refresh_expires_at - (clock.now + timedelta(days=30))) < timedelta(seconds=5)
    assert fresh.extra["renewals"] == 1
    assert fake.count("POST", "/oauth/renew_refresh_token/") == 1
    with pytest.raises(ReauthRequired):  # renewing spent the old refresh token
        provider.refresh(tokens)
    assert provider.get_profile(provider.refresh(fresh)).remote_id == fake.user["open_id"]


def test_after_five_renewals_the_refresh_token_is_kept_until_it_expires(
    harness: Harness, fake: FakeDouyin
) -> None:
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    assert tokens.refresh_token
    fake.renewals[tokens.refresh_token] = 5
    clock.now += timedelta(days=15)
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.extra["renewals_used_up"] is True
    provider.refresh(fresh)
    assert fake.count("POST", "/oauth/renew_refresh_token/") == 1  # not asked again


def test_no_renewal_without_its_scope(harness: Harness, fake: FakeDouyin) -> None:
    fake.user_grants = {"user_info", "video.create.bind", "video.data.bind"}
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    clock.now += timedelta(days=15)
    assert provider.refresh(tokens).refresh_token == tokens.refresh_token
    assert fake.count("POST", "/oauth/renew_refresh_token/") == 0


def test_an_expired_refresh_token_needs_a_new_sign_in(harness: Harness, fake: FakeDouyin) -> None:
    provider, tokens = connect(harness)
    fake.advance(31 * DAY)
    with pytest.raises(ReauthRequired) as caught:
        provider.refresh(tokens)
    assert caught.value.platform_code == "10010"
    assert "30 days" in caught.value.render()


# --- the enterprise-only restriction -------------------------------------------------------------


def test_an_app_without_publishing_is_refused_before_uploading(
    harness: Harness, fake: FakeDouyin
) -> None:
    fake.app_capabilities.discard("video.create.bind")
    provider, tokens = connect(harness)
    assert "video.create.bind" not in tokens.scopes
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=lambda ticket: None)
    error = caught.value
    assert error.platform_code == ENTERPRISE_ONLY_CODE == "douyin_enterprise_only"
    assert error.params["suggested_provider"] == "manual"
    text = error.render()
    assert "only for enterprise apps" in text and "manual publish kit" in text
    assert fake.video_count() == 0 and fake.calls("upload_video") == []


def test_douyins_no_permission_answer_is_the_same_refusal(
    harness: Harness, fake: FakeDouyin
) -> None:
    provider, tokens = connect(harness)
    fake.app_capabilities.discard("video.create.bind")  # Douyin withdrew the ability
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=lambda ticket: None)
    assert caught.value.platform_code == ENTERPRISE_ONLY_CODE
    assert caught.value.params["douyin_code"] == "2100007"
    assert "logid" in caught.value.detail
    assert fake.video_count() == 0


def test_a_scope_refused_at_create_video_is_the_same_refusal() -> None:
    body = {"data": {"error_code": 28001012, "description": "scope"}, "extra": {"logid": "x"}}
    found = classify(httpx.Response(200, json=body), context="publish")
    assert isinstance(found, Rejected) and found.platform_code == ENTERPRISE_ONLY_CODE
    # Elsewhere a missing scope means reconnecting with it.
    assert isinstance(classify(httpx.Response(200, json=body)), ReauthRequired)


# --- uploads -------------------------------------------------------------------------------------


def test_a_small_file_goes_in_one_request(
    harness: Harness, fake: FakeDouyin, video: MediaFile
) -> None:
    provider, tokens = connect(harness)
    progress: list[Progress] = []
    provider.start_publish(
        tokens, harness.request(), record=lambda t: None, on_progress=progress.append
    )
    [upload] = fake.calls("upload_video")
    assert multipart_field(upload, "video") == video.path.read_bytes()
    assert upload.query["open_id"] == fake.user["open_id"]
    assert upload.headers["access-token"] == tokens.access_token
    assert fake.calls("init_video_part_upload") == [] and fake.calls("upload_video_part") == []
    assert fake.only_video().sha256 == sha256_of(video.path)
    assert progress[-1] == Progress(sent=video.size_bytes, total=video.size_bytes)


def test_a_200_mb_file_goes_in_20_mib_parts(
    harness: Harness, fake: FakeDouyin, tmp_path: Path
) -> None:
    media = sparse_media(tmp_path, 200_000_000)
    provider, tokens = connect(harness)
    progress: list[Progress] = []
    ticket = provider.start_publish(
        tokens, harness.request(media=media), record=lambda t: None, on_progress=progress.append
    )
    parts = fake.calls("upload_video_part")
    assert [r.query["part_number"] for r in parts] == [str(n) for n in range(1, 11)]
    sizes = [len(multipart_field(r, "video") or b"") for r in parts]
    assert sizes == [20 * MiB] * 9 + [200_000_000 - 9 * 20 * MiB]
    assert len({r.query["upload_id"] for r in parts}) == 1
    assert len(fake.calls("complete_video_part_upload")) == 1
    assert fake.calls("upload_video") == []
    stored = fake.only_video()
    assert (stored.size, stored.parts) == (200_000_000, 10)
    assert stored.sha256 == sha256_of(media.path)
    assert ticket.reference == stored.video_id
    assert [p.sent for p in progress] == sorted(p.sent for p in progress)
    assert progress[-1].sent == 200_000_000


def test_part_rules() -> None:
    assert part_ranges(200_000_000) == [(n * 20 * MiB, 20 * MiB) for n in range(9)] + [
        (9 * 20 * MiB, 200_000_000 - 9 * 20 * MiB)
    ]
    assert part_ranges(1) == [(0, 1)]
    # A preferred size under 5 MiB is raised to 5 MiB; the last part takes the rest.
    assert part_ranges(12 * MiB, part_bytes=1) == [
        (0, 5 * MiB),
        (5 * MiB, 5 * MiB),
        (10 * MiB, 2 * MiB),
    ]
    assert not use_parts(DIRECT_PREFERRED_MAX_BYTES)
    assert use_parts(DIRECT_PREFERRED_MAX_BYTES + 1)
    assert not use_parts(DIRECT_MAX_BYTES, direct_max=10**12)  # capped at 128 MB…
    assert use_parts(DIRECT_MAX_BYTES + 1, direct_max=10**12)  # …above it parts are mandatory
    with pytest.raises(TooLarge):
        use_parts(4_000_000_001)


def test_the_fake_refuses_what_douyin_documents(
    harness: Harness, fake: FakeDouyin, tmp_path: Path
) -> None:
    """The fake's rules hold: a part under 5 MB that is not the last is refused at complete."""
    provider, tokens = connect(harness, part_bytes=MiB)  # raised to 5 MiB by part_ranges
    provider.start_publish(
        tokens, harness.request(media=sparse_media(tmp_path, 60_000_000)), record=lambda t: None
    )
    sizes = [len(multipart_field(r, "video") or b"") for r in fake.calls("upload_video_part")]
    assert sizes[:-1] == [MIN_PART_BYTES] * (len(sizes) - 1)


@pytest.mark.parametrize("endpoint", ["upload_video_part", "complete_video_part_upload"])
def test_a_broken_upload_publishes_nothing_and_is_transient(
    harness: Harness, fake: FakeDouyin, tmp_path: Path, endpoint: str
) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("drop", endpoint=f"{VIDEO}{endpoint}/")
    recorded: list[Ticket] = []
    with pytest.raises(Transient) as caught:
        provider.start_publish(
            tokens,
            harness.request(media=sparse_media(tmp_path, 60_000_000)),
            record=recorded.append,
        )
    assert "starting again is safe" in caught.value.render()
    assert recorded == [] and fake.live_item_ids() == []
    assert fake.calls("create_video") == []


def test_a_dropped_small_upload_is_transient(harness: Harness, fake: FakeDouyin) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("drop", endpoint=f"{VIDEO}upload_video/")
    with pytest.raises(Transient):
        provider.start_publish(tokens, harness.request(), record=lambda t: None)
    assert fake.calls("create_video") == []


# --- create_video and status ---------------------------------------------------------------------


def test_create_video_carries_text_and_cover(harness: Harness, fake: FakeDouyin) -> None:
    harness.options = {"cover_tsp": 1.5}
    provider, tokens = connect(harness)
    recorded: list[Ticket] = []
    ticket = provider.start_publish(
        tokens, harness.request(hashtags=("干货", "hooks")), record=recorded.append
    )
    [create] = fake.calls("create_video")
    body = create.json()
    assert body["text"] == "Three tips for better hooks 第一条 #干货 #hooks"
    assert body["cover_tsp"] == 1.5
    assert body["video_id"] == ticket.reference
    # The video_id is recorded before create_video, the item_id right after.
    assert [("item_id" in t.data) for t in recorded] == [False, True]
    assert ticket.data["item_id"] in fake.live_item_ids()


def test_review_is_pending_then_published_with_the_share_url(
    harness: Harness, fake: FakeDouyin
) -> None:
    provider, tokens = connect(harness)
    fake.processing_polls = 2
    ticket = provider.start_publish(tokens, harness.request(), record=lambda t: None)
    first = provider.check_publish(tokens, ticket)
    assert isinstance(first, Pending) and "reviewing" in first.detail
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert state.url.startswith("https://www.iesdouyin.com/share/video/")
    assert state.remote_id == ticket.data["item_id"] and state.visibility == "public"


def test_without_a_share_url_a_numeric_id_gets_douyins_pattern(
    harness: Harness, fake: FakeDouyin
) -> None:
    fake.share_urls, fake.numeric_item_ids = False, True
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=lambda t: None)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert state.url == f"https://www.douyin.com/video/{state.remote_id}"
    assert "unconfirmed" in state.detail


def test_without_a_share_url_an_encrypted_id_claims_no_link(
    harness: Harness, fake: FakeDouyin
) -> None:
    fake.share_urls = False
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=lambda t: None)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.url == ""  # the engine asks a person
    assert state.remote_id.startswith("@")


def test_without_video_data_the_post_is_published_unverified(
    harness: Harness, fake: FakeDouyin
) -> None:
    fake.user_grants = {"user_info", "video.create.bind"}
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=lambda t: None)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published) and state.visibility == "unknown"
    assert "video.data.bind" in state.detail
    assert fake.calls("video_data") == []


def test_a_lost_create_answer_is_found_in_the_video_list(
    harness: Harness, fake: FakeDouyin
) -> None:
    provider, tokens = connect(harness)
    fake.drop_create_answer = True  # Douyin creates the post, the answer never arrives
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    [ticket] = recorded  # the video_id was recorded before create_video
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert fake.live_item_ids() == [state.remote_id]
    assert len(fake.calls("create_video")) == 1  # never repeated


def test_a_create_that_never_happened_goes_to_a_person(harness: Harness, fake: FakeDouyin) -> None:
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    fake.fail_next("drop", endpoint=f"{VIDEO}create_video/")
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    [ticket] = recorded
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    clock.now += timedelta(minutes=11)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "create_unconfirmed"
    assert len(fake.calls("create_video")) == 1 and fake.live_item_ids() == []


def test_a_list_without_video_ids_cannot_match(harness: Harness, fake: FakeDouyin) -> None:
    clock = Clock()
    provider, tokens = connect(harness, clock=clock)
    fake.list_video_ids = False
    fake.drop_create_answer = True
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    clock.now += timedelta(minutes=11)
    state = provider.check_publish(tokens, recorded[0])
    assert isinstance(state, Failed) and state.platform_code == "create_unconfirmed"


def test_a_server_error_at_create_is_outcome_unknown(harness: Harness, fake: FakeDouyin) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("500", endpoint=f"{VIDEO}create_video/")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=lambda t: None)
    assert len(fake.calls("create_video")) == 1


def test_a_rate_limited_status_read_waits(harness: Harness, fake: FakeDouyin) -> None:
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=lambda t: None)
    fake.fail_next("429", endpoint=f"{VIDEO}video_data/", times=10)
    with pytest.raises(RateLimited) as caught:
        provider.check_publish(tokens, ticket)
    assert caught.value.retry_after_s == 30
    assert harness.slept == [30, 30, 30]


# --- validation ----------------------------------------------------------------------------------


def test_validation(harness: Harness, video: MediaFile) -> None:
    provider = harness.make_provider()
    assert [i for i in provider.validate(harness.request()) if i.severity == Severity.error] == []

    def found(**changes: Any) -> list[tuple[str, str]]:
        return [(i.severity.value, i.code) for i in provider.validate(harness.request(**changes))]

    assert found(options={"cover_tsp": 3.5}) == [("error", "cover_after_end")]
    assert found(options={"cover_tsp": -1}) == [("error", "invalid_option")]
    assert found(caption="很" * 56, hashtags=()) == [("warning", "maybe_too_long")]
    assert found(caption="感谢 @小明 的支持", hashtags=()) == [("warning", "mentions_not_linked")]
    small = video.model_copy(update={"width": 360, "height": 640})
    assert found(media=small) == [("warning", "low_resolution")]
    long = video.model_copy(update={"duration_s": 901.0})
    assert found(media=long) == [("error", "too_long")]
    wide = video.model_copy(update={"width": 1280, "height": 720})
    assert found(media=wide) == [("warning", "aspect")]


# --- the envelope --------------------------------------------------------------------------------


def classic(code: int, status: int = 200, sub: int = 0) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "data": {"error_code": code, "description": "d"},
            "extra": {"logid": "L1", "error_code": code, "sub_error_code": sub},
        },
    )


@pytest.mark.parametrize(
    ("response", "expected", "platform_code"),
    [
        (classic(2190008), AuthExpired, "2190008"),
        (classic(28001008), AuthExpired, "28001008"),
        (classic(2190002), AuthExpired, "2190002"),
        (classic(10010), ReauthRequired, "10010"),
        (classic(10020), ReauthRequired, "10020"),
        (classic(28001015), ReauthRequired, "28001015"),
        (classic(28003018), RateLimited, "28003018"),
        (classic(28003017), Rejected, "28003017"),
        (classic(2190001), Rejected, "2190001"),
        (classic(2100004), Transient, "2100004"),
        (classic(28001005), Transient, "28001005"),
        (classic(2100005), Rejected, "2100005"),
        (classic(2100009), Rejected, "2100009"),
        (classic(28001020), Rejected, "28001020"),
        (classic(0, sub=2100004), Transient, "2100004"),
        (
            httpx.Response(200, json={"err_no": 28003018, "err_msg": "m", "log_id": "x"}),
            RateLimited,
            "28003018",
        ),
        (httpx.Response(502), Transient, "502"),
    ],
)
def test_douyin_errors_become_the_closed_set(
    response: httpx.Response, expected: type, platform_code: str
) -> None:
    found = classify(response)
    assert type(found) is expected
    assert found is not None and found.platform_code == platform_code


def test_success_needs_every_code_zero() -> None:
    assert classify(classic(0)) is None
    assert classify(httpx.Response(200, json={"err_no": 0, "data": {}})) is None
    assert classify(httpx.Response(200, json={"data": {"error_code": 0}, "extra": {}})) is None


def test_token_endpoint_refusals_need_a_new_sign_in() -> None:
    assert isinstance(classify(classic(10007), context="token"), ReauthRequired)
    assert isinstance(classify(classic(2190008), context="token"), ReauthRequired)
    assert isinstance(classify(classic(2100004), context="token"), Transient)


def test_errors_keep_the_logid() -> None:
    found = classify(classic(2100005))
    assert found is not None and found.detail == "2100005: d (logid L1)"
