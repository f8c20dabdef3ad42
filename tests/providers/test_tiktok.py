"""TikTok: the shared provider contract against the fake, then what is TikTok's own."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import imageio_ffmpeg
import pytest

from shortops.providers.base import PostingRules
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import Http
from shortops.providers.tiktok import TikTokProvider, chunk_plan
from shortops.providers.tiktok.chunks import (
    DEFAULT_CHUNK_BYTES,
    MAX_CHUNK_BYTES,
    MIN_CHUNK_BYTES,
    TooLargeForChunks,
    chunk_ranges,
)
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
from tests.fakes.tiktok import FakeTikTok, pkce_hex, plan_problems
from tests.providers.contract import CONTRACT, Check, Harness, poll_until_done

REDIRECT = "http://127.0.0.1:8000/accounts/callback/tiktok"
MiB = 1024 * 1024
PUBLIC = {"privacy_level": "PUBLIC_TO_EVERYONE"}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def video(tmp_path_factory: pytest.TempPathFactory) -> MediaFile:
    """A real 4 s 360×640 MP4, made with FFmpeg at test time."""
    path = tmp_path_factory.mktemp("tiktok") / "clip.mp4"
    completed = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4"),
            *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return MediaFile(
        path=path, size_bytes=path.stat().st_size, duration_s=4.0, width=360, height=640
    )


@pytest.fixture
def fake() -> Iterator[FakeTikTok]:
    server = FakeTikTok(redirect_uris=(REDIRECT,))
    yield server
    server.close()


@pytest.fixture
def app(fake: FakeTikTok) -> AppCredentials:
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
def harness(fake: FakeTikTok, app: AppCredentials, video: MediaFile) -> Iterator[Harness]:
    clients: list[Http] = []
    holder: list[Harness] = []

    def make_provider() -> TikTokProvider:
        http = Http(TikTokProvider.slug, sleep=holder[0].sleep)
        clients.append(http)
        return TikTokProvider(app, http=http)

    h = Harness(
        make_provider=make_provider,
        fake=fake,
        media=video,
        authorize=approve,
        uploads=fake.inits,
        live_posts=fake.live_post_ids,
        upload_endpoint="/upload/",
        status_endpoint="/v2/post/publish/status/fetch/",
        profile_endpoint="/v2/user/info/",
        rotates_refresh_tokens=True,
        options=dict(PUBLIC),
    )
    holder.append(h)
    yield h
    for http in clients:
        http.close()


def connect(h: Harness, **kw: Any) -> tuple[TikTokProvider, Tokens]:
    """A signed-in provider; `kw` goes to TikTokProvider (clock, chunk_bytes)."""
    base = h.make_provider()
    assert isinstance(base, TikTokProvider)
    provider = TikTokProvider(base.app, http=base.http, **kw) if kw else base
    start = provider.authorization_url("s-1")
    return provider, provider.exchange_code(approve(start), code_verifier=start.code_verifier)


def random_media(tmp_path: Path, size: int, **changes: Any) -> MediaFile:
    path = tmp_path / f"random-{size}.mp4"
    path.write_bytes(os.urandom(size))
    values: dict[str, Any] = {
        "path": path,
        "size_bytes": size,
        "duration_s": 10.0,
        "width": 1080,
        "height": 1920,
    }
    return MediaFile.model_validate({**values, **changes})


def init_bodies(fake: FakeTikTok) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests if r.path.endswith("/video/init/")]


def noop(ticket: Ticket) -> None:
    return None


# --- the shared contract -------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "tiktok"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: Harness) -> None:
    check(harness)


# --- chunk maths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "preferred", "expected"),
    [
        (1, DEFAULT_CHUNK_BYTES, (1, 1)),
        (MIN_CHUNK_BYTES - 1, DEFAULT_CHUNK_BYTES, (MIN_CHUNK_BYTES - 1, 1)),  # < 5 MB: whole
        (MIN_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, (MIN_CHUNK_BYTES, 1)),  # 5 MB
        (2 * DEFAULT_CHUNK_BYTES - 1, DEFAULT_CHUNK_BYTES, (2 * DEFAULT_CHUNK_BYTES - 1, 1)),
        (2 * DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, (DEFAULT_CHUNK_BYTES, 2)),
        (MAX_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, (DEFAULT_CHUNK_BYTES, 6)),
        (MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, (MAX_CHUNK_BYTES, 1)),  # 64 MB: still one chunk
        (MAX_CHUNK_BYTES + 1, MAX_CHUNK_BYTES, (32_000_000, 2)),  # 64 MB + 1: must split
        (64 * MiB, MAX_CHUNK_BYTES, (32 * MiB, 2)),  # 64 MiB is over 64 000 000
        (12_000_000, 5 * MiB, (5 * MiB, 2)),
        (50_000_123, 10_000_000, (10_000_000, 5)),  # TikTok's own example
        (4_000_000_000, DEFAULT_CHUNK_BYTES, (DEFAULT_CHUNK_BYTES, 381)),  # the 4 GB limit
        (60_000_000_000, DEFAULT_CHUNK_BYTES, (60_000_000, 1000)),  # > 1000 chunks: grow
        (100, 1, (100, 1)),  # a tiny preferred size is raised to 5 MiB
    ],
)
def test_chunk_plan_boundaries(size: int, preferred: int, expected: tuple[int, int]) -> None:
    assert chunk_plan(size, preferred) == expected
    assert plan_problems(size, *expected) == []


def test_chunk_plan_default_and_limits() -> None:
    assert chunk_plan(3_000_000) == (3_000_000, 1)
    with pytest.raises(ValueError):
        chunk_plan(0)
    with pytest.raises(TooLargeForChunks):
        chunk_plan(70_000_000_000)


@pytest.mark.parametrize("preferred", [1, 5 * MiB, DEFAULT_CHUNK_BYTES, 40 * MiB, 10**9])
def test_every_plan_passes_the_documented_rules(preferred: int) -> None:
    sizes = {1, MIN_CHUNK_BYTES - 1, MIN_CHUNK_BYTES, MIN_CHUNK_BYTES + 1, MAX_CHUNK_BYTES}
    sizes |= {MAX_CHUNK_BYTES + 1, 64 * MiB, 64 * MiB + 1, 128_000_000, 4_000_000_000}
    sizes |= {int.from_bytes(os.urandom(5)) % 5_000_000_000 + 1 for _ in range(300)}
    for size in sorted(sizes):
        chunk, count = chunk_plan(size, preferred)
        assert plan_problems(size, chunk, count) == [], (size, chunk, count)
        ranges = chunk_ranges(size, chunk, count)
        assert ranges[0][0] == 0 and ranges[-1][1] == size - 1
        assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))
        assert all(last - first + 1 == chunk for first, last in ranges[:-1])


def test_the_fake_refuses_plans_tiktok_refuses() -> None:
    assert plan_problems(3_000_000, 1_000_000, 3)  # under 5 MB: one chunk only
    assert plan_problems(100_000_000, 100_000_000, 1)  # over 64 MB: must split
    assert plan_problems(50_000_000, 10_000_000, 4)  # not floor(size / chunk)
    assert plan_problems(300_000_000, 64_000_000, 2)  # last chunk over 128 MB
    assert plan_problems(20_000_000, 4_000_000, 5)  # chunks under 5 MB
    assert plan_problems(6_000_000_000, 5 * MiB, 1144)  # over 1000 chunks


@pytest.mark.parametrize(
    ("size", "chunk_bytes", "ranges"),
    [
        (12_000_000, 5 * MiB, [(0, 5_242_879), (5_242_880, 11_999_999)]),
        (25_000_000, DEFAULT_CHUNK_BYTES, [(0, 10_485_759), (10_485_760, 24_999_999)]),
        (3_000_000, DEFAULT_CHUNK_BYTES, [(0, 2_999_999)]),
    ],
)
def test_a_file_goes_in_the_planned_chunks(
    harness: Harness,
    fake: FakeTikTok,
    tmp_path: Path,
    size: int,
    chunk_bytes: int,
    ranges: list[tuple[int, int]],
) -> None:
    provider, tokens = connect(harness, chunk_bytes=chunk_bytes)
    media = random_media(tmp_path, size)
    progress: list[Progress] = []
    recorded: list[Ticket] = []
    ticket = provider.start_publish(
        tokens,
        harness.request(media=media),
        record=recorded.append,
        on_progress=progress.append,
    )
    assert fake.content_ranges() == [f"bytes {first}-{last}/{size}" for first, last in ranges]
    lengths = [int(r.headers["content-length"]) for r in fake.requests if r.method == "PUT"]
    assert lengths == [last - first + 1 for first, last in ranges]
    assert init_bodies(fake)[0]["source_info"] == {
        "source": "FILE_UPLOAD",
        "video_size": size,
        "chunk_size": ranges[0][1] + 1,
        "total_chunk_count": len(ranges),
    }
    publish = fake.only_publish()
    assert publish.complete and publish.received == size
    assert publish.sha256.hexdigest() == hashlib.sha256(media.path.read_bytes()).hexdigest()
    assert set(publish.content_types) == {"video/mp4"}
    assert [p.sent for p in progress] == [0] + [last + 1 for _, last in ranges]
    assert recorded == [ticket] and ticket.data["total_chunk_count"] == len(ranges)
    # No bearer token goes to the upload host.
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert all("authorization" not in r.headers for r in puts)


def test_a_server_error_on_an_early_chunk_is_transient_on_the_last_unknown(
    harness: Harness, fake: FakeTikTok, tmp_path: Path
) -> None:
    provider, tokens = connect(harness, chunk_bytes=5 * MiB)
    media = random_media(tmp_path, 12_000_000)
    fake.chunk_faults[0] = 500
    with pytest.raises(Transient):  # the upload cannot complete: trying again is safe
        provider.start_publish(tokens, harness.request(media=media), record=noop)
    assert len(fake.content_ranges()) == 1, "a chunk is never sent twice"

    fake.chunk_faults[1] = 500
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):  # TikTok may hold the whole file
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    assert recorded, "the publish id was recorded before the upload"
    assert len(fake.content_ranges()) == 3


def test_a_broken_transfer_gets_its_verdict_at_the_next_check(
    harness: Harness, fake: FakeTikTok, tmp_path: Path
) -> None:
    """No waiting an hour for the upload link to expire once the outcome is certain."""
    provider, tokens = connect(harness, chunk_bytes=5 * MiB)
    media = random_media(tmp_path, 12_000_000)
    fake.chunk_faults[0] = 500
    recorded: list[Ticket] = []
    with pytest.raises(Transient):
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and state.permanent, state
    assert state.platform_code == "upload_broken"
    assert "0 of 12000000 bytes" in state.reason.format(**state.params)

    # The final chunk failing: TikTok's own byte count decides (here it holds none of it).
    small = random_media(tmp_path, 3_000_000)
    fake.chunk_faults[0] = 500
    recorded.clear()
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(media=small), record=recorded.append)
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and state.platform_code == "upload_broken"
    assert fake.live_post_ids() == []


# --- sign-in --------------------------------------------------------------------------------------


def test_authorization_url_asks_for_pkce_the_tiktok_way(harness: Harness, fake: FakeTikTok) -> None:
    provider = harness.make_provider()
    start = provider.authorization_url("st")
    url = urlsplit(start.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/v2/auth/authorize/"
    assert query["client_key"] == fake.client_key
    assert query["scope"] == "user.info.basic,video.publish,video.upload,user.info.stats,video.list"
    assert query["response_type"] == "code" and query["redirect_uri"] == REDIRECT
    assert query["code_challenge_method"] == "S256"
    assert start.code_verifier and 43 <= len(start.code_verifier) <= 128
    assert query["code_challenge"] == pkce_hex(start.code_verifier)  # hex, TikTok's way
    assert len(query["code_challenge"]) == 64
    assert "client_secret" not in start.url
    scoped = provider.authorization_url("st", scopes=("user.info.basic", "video.upload"))
    assert "scope=user.info.basic%2Cvideo.upload" in scoped.url


def test_exchange_needs_the_right_verifier(harness: Harness) -> None:
    provider = harness.make_provider()
    start = provider.authorization_url("st")
    code = approve(start)
    with pytest.raises(Rejected, match="Code verifier or code challenge is invalid"):
        provider.exchange_code(code, code_verifier="not-the-verifier-" + "x" * 40)


def test_tokens_carry_lifetimes_scopes_and_open_id(harness: Harness, fake: FakeTikTok) -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    fake.access_ttl_s, fake.refresh_ttl_s = 7200, 180 * 86400
    fake.user_grants = {"user.info.basic", "video.upload"}  # the user grants a subset
    provider, tokens = connect(harness, clock=lambda: now)
    assert tokens.expires_at == now + timedelta(hours=2)
    assert tokens.refresh_expires_at == now + timedelta(days=180)
    assert tokens.scopes == ("user.info.basic", "video.upload")
    assert tokens.remote_id == fake.user["open_id"]
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.scopes == tokens.scopes and fresh.remote_id == tokens.remote_id


@pytest.mark.parametrize("status", [200, 400])
def test_a_spent_refresh_token_needs_reauth_whatever_the_status(
    harness: Harness, fake: FakeTikTok, status: int
) -> None:
    fake.oauth_error_status = status
    provider, tokens = connect(harness)
    provider.refresh(tokens)
    with pytest.raises(ReauthRequired) as caught:
        provider.refresh(tokens)
    assert caught.value.platform_code == "invalid_grant"
    assert "log_id" in caught.value.detail


def test_wrong_app_credentials_say_so(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    fake.client_secret = "rotated-in-the-portal"
    with pytest.raises(ReauthRequired, match="client secret"):
        provider.refresh(tokens)


def test_profile_uses_username_when_granted(harness: Harness, fake: FakeTikTok) -> None:
    provider = harness.make_provider()
    start = provider.authorization_url("st", scopes=("user.info.basic", "user.info.profile"))
    tokens = provider.exchange_code(approve(start), code_verifier=start.code_verifier)
    profile = provider.get_profile(tokens)
    assert profile.remote_id == "open-id-1" and profile.handle == "hooklab"
    assert profile.display_name == "Hook Lab" and profile.avatar_url
    assert fake.count("POST", "/v2/post/publish/creator_info/") == 0


def test_profile_without_profile_scope_takes_the_creator_username(
    harness: Harness, fake: FakeTikTok
) -> None:
    provider, tokens = connect(harness)
    profile = provider.get_profile(tokens)
    assert profile.handle == "hooklab"
    asked = [r.query["fields"] for r in fake.requests if r.path == "/v2/user/info/"]
    assert asked == ["open_id,union_id,avatar_url,display_name"]


def test_a_missing_scope_names_it(harness: Harness, fake: FakeTikTok) -> None:
    fake.user_grants = {"video.publish", "video.upload"}
    provider, tokens = connect(harness)
    with pytest.raises(ReauthRequired, match=r"user\.info\.basic"):
        provider.get_profile(tokens)


def test_revoke_makes_the_token_useless(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    provider.revoke(tokens)
    assert tokens.access_token in fake.revoked
    with pytest.raises(AuthExpired):
        provider.get_profile(tokens)


# --- creator_info rules --------------------------------------------------------------------------


def test_posting_rules_come_from_creator_info(harness: Harness, fake: FakeTikTok) -> None:
    fake.privacy_options = ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    fake.max_duration_s, fake.duet_disabled = 180, True
    provider, tokens = connect(harness)
    rules = provider.posting_rules(tokens)
    assert rules == PostingRules(
        privacy_options=("FOLLOWER_OF_CREATOR", "SELF_ONLY"),
        duet_disabled=True,
        max_duration_s=180,
    )
    long = harness.media.model_copy(update={"duration_s": 200.0})
    issues = provider.validate(harness.request(media=long), rules)
    assert {(i.code, i.severity) for i in issues} >= {
        ("too_long", Severity.error),
        ("privacy_not_offered", Severity.error),
    }


def test_an_account_at_its_daily_cap_cannot_post(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    fake.daily_post_cap = 0
    rules = provider.posting_rules(tokens)
    assert rules is not None and not rules.can_post
    assert "spam_risk_too_many_posts" in rules.detail
    issues = provider.validate(harness.request(), rules)
    assert any(i.code == "cannot_post" for i in issues)


def test_switched_off_interactions_are_sent_off(harness: Harness, fake: FakeTikTok) -> None:
    fake.comment_disabled = fake.stitch_disabled = True
    provider, tokens = connect(harness)
    options = {**PUBLIC, "disable_comment": False, "disable_duet": False, "disable_stitch": False}
    rules = provider.posting_rules(tokens)
    warnings = provider.validate(harness.request(options=options), rules)
    assert {i.field for i in warnings if i.severity == Severity.warning} >= {
        "options.disable_comment",
        "options.disable_stitch",
    }
    provider.start_publish(tokens, harness.request(options=options), record=noop)
    info = init_bodies(fake)[0]["post_info"]
    assert info["disable_comment"] is True and info["disable_stitch"] is True
    assert info["disable_duet"] is False
    assert info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert info["title"] == "Three tips for better hooks 第一条 #hooks #shorts"


def test_a_privacy_level_not_offered_is_refused_before_any_init(
    harness: Harness, fake: FakeTikTok
) -> None:
    fake.privacy_options = ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    provider, tokens = connect(harness)
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    message = str(caught.value)
    assert "PUBLIC_TO_EVERYONE" in message and "FOLLOWER_OF_CREATOR, SELF_ONLY" in message
    assert fake.count("POST", "/v2/post/publish/video/init/") == 0 and fake.inits() == 0


def test_privacy_has_no_default(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    before = len(fake.requests)
    issues = provider.validate(harness.request(options={}))
    assert [(i.field, i.code) for i in issues if i.severity == Severity.error] == [
        ("options.privacy_level", "required")
    ]
    with pytest.raises(Rejected, match="privacy level"):
        provider.start_publish(tokens, harness.request(options={}), record=noop)
    assert len(fake.requests) == before, "nothing is sent for a request that cannot go"


def test_an_audit_pending_app_explains_private_only(harness: Harness, fake: FakeTikTok) -> None:
    fake.set_unaudited()
    provider, tokens = connect(harness)
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    assert "audit-pending apps can only post privately (SELF_ONLY)" in str(caught.value)
    assert fake.inits() == 0


def test_an_unaudited_refusal_at_init_is_explained_too(harness: Harness, fake: FakeTikTok) -> None:
    fake.unaudited = True  # creator_info still lists every level; init refuses
    provider, tokens = connect(harness)
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    assert caught.value.platform_code == "unaudited_client_can_only_post_to_private_accounts"
    assert "audit-pending apps can only post privately (SELF_ONLY)" in str(caught.value)
    assert "log_id" in caught.value.detail


def test_a_private_post_is_published_with_the_profile_url(
    harness: Harness, fake: FakeTikTok
) -> None:
    fake.set_unaudited()
    provider, tokens = connect(harness)
    request = harness.request(options={"privacy_level": "SELF_ONLY"})
    ticket = provider.start_publish(tokens, request, record=noop)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published), state
    assert (state.remote_id, state.url, state.visibility) == (
        ticket.reference,
        "https://www.tiktok.com/@hooklab",
        "private",
    )
    assert "no link to posts that are not public" in state.detail
    assert fake.live_post_ids(), "the post exists, TikTok only keeps its id to itself"


def test_branded_content_cannot_be_private(harness: Harness) -> None:
    provider = harness.make_provider()
    options = {"privacy_level": "SELF_ONLY", "brand_content_toggle": True}
    issues = provider.validate(harness.request(options=options))
    assert [i.code for i in issues if i.severity == Severity.error] == ["branded_private"]


# --- publishing -----------------------------------------------------------------------------------


def test_a_public_post_waits_for_moderation(harness: Harness, fake: FakeTikTok) -> None:
    fake.moderation_polls = 2
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    states = [provider.check_publish(tokens, ticket) for _ in range(2)]
    assert all(isinstance(s, Pending) and "moderation" in s.detail for s in states), states
    assert fake.live_post_ids(), "live on TikTok, but its id is not given out yet"
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published) and state.visibility == "public"
    assert state.url == f"https://www.tiktok.com/@hooklab/video/{state.remote_id}"
    assert state.remote_id in fake.live_post_ids()


def test_inbox_mode_sends_a_draft(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    request = harness.request(options={"mode": "inbox"})
    issues = provider.validate(request)
    assert [i.code for i in issues] == ["inbox_drops_settings"]
    assert issues[0].severity == Severity.warning
    ticket = provider.start_publish(tokens, request, record=noop)
    assert fake.count("POST", "/v2/post/publish/inbox/video/init/") == 1
    assert fake.count("POST", "/v2/post/publish/video/init/") == 0
    assert init_bodies(fake)[0].keys() == {"source_info"}
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.visibility == "inbox"
    assert state.url == "https://www.tiktok.com/@hooklab" and "inbox" in state.detail


def test_inbox_mode_needs_only_video_upload(harness: Harness, fake: FakeTikTok) -> None:
    fake.user_grants = {"user.info.basic", "video.upload"}
    provider, tokens = connect(harness)
    assert provider.posting_rules(tokens) is None  # no video.publish: no rules to read
    ticket = provider.start_publish(tokens, harness.request(options={"mode": "inbox"}), record=noop)
    assert fake.count("POST", "/v2/post/publish/creator_info/") == 0
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.url == "https://www.tiktok.com/"
    with pytest.raises(ReauthRequired, match=r"video\.publish"):
        provider.start_publish(tokens, harness.request(), record=noop)


def test_a_failed_duration_check_reads_as_words(harness: Harness, fake: FakeTikTok) -> None:
    fake.fail_reason, fake.max_duration_s = "duration_check_failed", 180
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Failed) and state.permanent
    assert state.platform_code == "duration_check_failed"
    assert state.reason.format(**state.params) == (
        "TikTok refused the video's length (4.0 s): this account can post videos from 3 s to 180 s."
    )


@pytest.mark.parametrize(
    ("reason", "words", "permanent"),
    [
        ("frame_rate_check_failed", "23 to 60 frames", True),
        ("picture_size_check_failed", "360 and 4096 pixels", True),
        ("spam_risk_too_many_posts", "spam risk (spam_risk_too_many_posts)", False),
        ("internal", "publishing again may work", False),
        ("something_new", "(something_new)", True),
    ],
)
def test_fail_reasons(
    harness: Harness, fake: FakeTikTok, reason: str, words: str, permanent: bool
) -> None:
    fake.fail_reason = reason
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Failed) and state.permanent is permanent
    assert words in state.reason.format(**state.params)


def test_captions_count_utf16_units(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    fits = harness.request(caption="😀" * 1100, hashtags=())  # 1100 emoji = 2200 units
    assert [i for i in provider.validate(fits) if i.severity == Severity.error] == []
    over = harness.request(caption="😀" * 1101, hashtags=())  # 1101 characters, 2202 units
    issues = [i for i in provider.validate(over) if i.field == "caption"]
    assert issues and issues[0].params["length"] == 2202
    with pytest.raises(Rejected):
        provider.start_publish(tokens, over, record=noop)
    assert fake.inits() == 0
    provider.start_publish(tokens, fits, record=noop)
    assert init_bodies(fake)[0]["post_info"]["title"] == "😀" * 1100


def test_an_expired_upload_link_is_a_clear_error(harness: Harness, fake: FakeTikTok) -> None:
    fake.upload_url_ttl_s = 0  # the fake's link dies at once
    now = [datetime(2025, 3, 1, 12, 0, tzinfo=UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0])
    recorded: list[Ticket] = []
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    size = harness.media.size_bytes
    assert str(caught.value) == (
        "The TikTok upload link stopped working (it lasts one hour) before the whole video was "
        f"sent: 0 of {size} bytes arrived. Nothing was posted; publish again to start a new "
        "upload."
    )
    assert fake.live_post_ids() == []
    # The engine reconciles the recorded publish later: it never finished.
    assert isinstance(provider.check_publish(tokens, recorded[0]), Pending)
    now[0] += timedelta(hours=2, minutes=1)
    state = provider.check_publish(tokens, recorded[0])
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "upload_incomplete"


def test_the_link_is_not_used_after_its_hour(
    harness: Harness, fake: FakeTikTok, tmp_path: Path
) -> None:
    now = [datetime(2025, 3, 1, 12, 0, tzinfo=UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0], chunk_bytes=5 * MiB)
    media = random_media(tmp_path, 12_000_000)

    def slow_network(progress: Progress) -> None:
        if progress.sent:  # the first chunk took 61 minutes
            now[0] += timedelta(minutes=61)

    with pytest.raises(Rejected, match="5242880 of 12000000 bytes arrived"):
        provider.start_publish(
            tokens, harness.request(media=media), record=noop, on_progress=slow_network
        )
    assert len(fake.content_ranges()) == 1


def test_init_is_rate_limited_per_token(harness: Harness, fake: FakeTikTok) -> None:
    fake.rate_limits["init"] = 1
    provider, tokens = connect(harness)
    provider.start_publish(tokens, harness.request(), record=noop)
    with pytest.raises(RateLimited) as caught:
        provider.start_publish(tokens, harness.request("pub-2"), record=noop)
    assert caught.value.retry_after_s == 60  # TikTok sends no Retry-After
    assert fake.inits() == 1


def test_init_failures(harness: Harness, fake: FakeTikTok) -> None:
    provider, tokens = connect(harness)
    recorded: list[Ticket] = []
    fake.fail_next("500", endpoint="/v2/post/publish/video/init/")
    with pytest.raises(Transient):  # nothing was created: trying again cannot post twice
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    fake.fail_next("drop", endpoint="/v2/post/publish/video/init/")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    fake.fail_next("403", endpoint="/v2/post/publish/video/init/")
    with pytest.raises(Rejected, match="daily limit"):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    fake.forbidden_code = "brand_new_refusal"
    fake.fail_next("403", endpoint="/v2/post/publish/video/init/")
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert "brand_new_refusal" in str(caught.value) and "log_id" in str(caught.value)
    assert recorded == [] and fake.inits() == 0


def test_inbox_drafts_ignore_the_posting_rules(harness: Harness, fake: FakeTikTok) -> None:
    fake.max_duration_s, fake.daily_post_cap = 2, 0  # direct posts are capped; drafts are not
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(options={"mode": "inbox"}), record=noop)
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)


def test_a_file_that_shrinks_during_the_upload_is_transient(
    harness: Harness, fake: FakeTikTok, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    media = random_media(tmp_path, 3_000_000)

    def truncate(ticket: Ticket) -> None:
        media.path.write_bytes(b"x" * 10)

    with pytest.raises(Transient, match="cannot be read"):
        provider.start_publish(tokens, harness.request(media=media), record=truncate)
    assert fake.live_post_ids() == []


def test_a_changed_file_is_refused_before_init(
    harness: Harness, fake: FakeTikTok, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    media = random_media(tmp_path, 1000)
    media.path.write_bytes(b"x" * 999)
    with pytest.raises(Rejected, match="changed"):
        provider.start_publish(tokens, harness.request(media=media), record=noop)
    assert fake.inits() == 0


# --- the fake itself ------------------------------------------------------------------------------


def test_the_fake_enforces_the_upload_protocol(harness: Harness, fake: FakeTikTok) -> None:
    """The fake refuses what TikTok documents it refuses, so the provider's passing means
    something."""
    _, tokens = connect(harness)
    auth = {"Authorization": f"Bearer {tokens.access_token}"}
    size = 6 * MiB

    def init(chunk_size: int, count: int) -> httpx.Response:
        return httpx.post(
            f"{fake.url}/v2/post/publish/video/init/",
            headers=auth,
            json={
                "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE", "title": ""},
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": chunk_size,
                    "total_chunk_count": count,
                },
            },
        )

    bad = init(MiB, 6)  # 1 MiB chunks are under the 5 MB minimum
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_param"
    good = init(size, 1)
    data = good.json()["data"]
    body = b"\0" * size

    def put(first: int, content_type: str = "video/mp4") -> int:
        headers = {
            "Content-Type": content_type,
            "Content-Range": f"bytes {first}-{size - 1}/{size}",
        }
        return httpx.put(data["upload_url"], content=body[first:], headers=headers).status_code

    assert put(1) == 416  # not where the previous chunk ended
    assert put(0, "image/png") == 400
    assert put(0) == 201
    assert put(0) == 416  # already complete
    status = httpx.post(
        f"{fake.url}/v2/post/publish/status/fetch/",
        headers=auth,
        json={"publish_id": data["publish_id"]},
    )
    assert status.json()["data"]["status"] == "PUBLISH_COMPLETE"
    assert status.json()["data"]["publicaly_available_post_id"] == [int(fake.live_post_ids()[0])]
