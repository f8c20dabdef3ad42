"""The YouTube provider against the fake YouTube: the shared contract, the resumable upload with
its resume after a broken connection, Google's errors, Shorts rules, and the request checked
against the discovery document shipped in google-api-python-client."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
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

from shortops.providers.base import Provider
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
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
    Published,
    PublishRequest,
    Ticket,
    Tokens,
)
from shortops.providers.youtube import YouTubeProvider
from shortops.providers.youtube import base as yt
from shortops.providers.youtube.status import (
    FAILURE_REASONS,
    PROCESSING_FAILURES,
    REJECTION_REASONS,
)
from tests.fakes.youtube import CHANNELS_PATH, UPLOAD_PATH, VIDEOS_PATH, FakeYouTube
from tests.providers.contract import CONTRACT, Check, Harness, poll_until_done

CHUNK = 256 * 1024
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> MediaFile:
    """A real 2 s vertical H.264 MP4 (360×640), made with the FFmpeg that imageio-ffmpeg ships."""
    path = tmp_path_factory.mktemp("youtube") / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=360x640:rate=30:duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    data = path.read_bytes()
    return MediaFile(
        path=path,
        size_bytes=len(data),
        duration_s=2.0,
        width=360,
        height=640,
        sha256=hashlib.sha256(data).hexdigest(),
    )


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    server = FakeYouTube()
    yield server
    server.close()


def app_for(fake: FakeYouTube) -> AppCredentials:
    return AppCredentials(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        redirect_uri=fake.redirect_uri,
        endpoints={"auth": fake.url, "token": fake.url, "api": fake.url, "upload": fake.url},
    )


def approve(start: AuthStart) -> str:
    """The user approving on Google's consent screen: follow the redirect, return the code."""
    answer = httpx.get(start.url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == [start.state]
    return back["code"][0]


@pytest.fixture
def harness(fake: FakeYouTube, clip: MediaFile) -> Harness:
    def make_provider() -> YouTubeProvider:
        return YouTubeProvider(app_for(fake), http=Http("youtube", sleep=h.sleep))

    h = Harness(
        make_provider=make_provider,
        fake=fake,
        media=clip,
        authorize=approve,
        uploads=fake.uploads,
        live_posts=fake.live_posts,
        upload_endpoint=UPLOAD_PATH,
        status_endpoint=VIDEOS_PATH,
        profile_endpoint=CHANNELS_PATH,
        rotates_refresh_tokens=False,
    )
    return h


def make(h: Harness, fake: FakeYouTube, **kwargs: Any) -> tuple[YouTubeProvider, Tokens]:
    """A connected provider with its own settings (chunk size, clock …)."""
    provider = YouTubeProvider(app_for(fake), http=Http("youtube", sleep=h.sleep), **kwargs)
    start = provider.authorization_url("state-1")
    return provider, provider.exchange_code(approve(start), code_verifier=start.code_verifier)


def random_media(tmp_path: Path, size: int) -> MediaFile:
    """Random bytes where only the bytes matter (the fake does not decode video)."""
    data = os.urandom(size)
    path = tmp_path / "random.mp4"
    path.write_bytes(data)
    return MediaFile(
        path=path,
        size_bytes=size,
        duration_s=12.0,
        width=1080,
        height=1920,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def publish(
    provider: Provider, tokens: Tokens, request: PublishRequest
) -> tuple[Ticket, list[Ticket]]:
    recorded: list[Ticket] = []
    ticket = provider.start_publish(tokens, request, record=recorded.append)
    return ticket, recorded


# --- the shared contract --------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "youtube"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: Harness) -> None:
    check(harness)


# --- sign-in --------------------------------------------------------------------------------------


def test_authorization_asks_for_offline_access_with_pkce(harness: Harness) -> None:
    start = harness.make_provider().authorization_url("s-1")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
    assert urlsplit(start.url).path == "/o/oauth2/v2/auth"
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["include_granted_scopes"] == "true"
    assert query["code_challenge_method"] == "S256"
    assert start.code_verifier and query["code_challenge"] != start.code_verifier
    assert set(query["scope"].split()) == {yt.SCOPE_UPLOAD, yt.SCOPE_READONLY}


def test_a_wrong_pkce_verifier_is_refused(harness: Harness) -> None:
    provider = harness.make_provider()
    start = provider.authorization_url("s-1")
    with pytest.raises(ReauthRequired) as caught:
        provider.exchange_code(approve(start), code_verifier="not-the-verifier")
    assert caught.value.platform_code == "invalid_grant"


def test_refresh_keeps_the_refresh_token_google_does_not_repeat(
    harness: Harness, fake: FakeYouTube
) -> None:
    provider, tokens = harness.connect()
    assert tokens.refresh_token and tokens.expires_at is not None
    fresh = provider.refresh(tokens)
    assert "refresh_token" not in fake.token_answers[-1], "the fake answers like Google"
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.access_token != tokens.access_token
    assert fresh.scopes == tokens.scopes
    # Not rotated: the same refresh token keeps working, today and tomorrow.
    again = provider.refresh(fresh)
    assert again.refresh_token == tokens.refresh_token
    assert provider.get_profile(again).remote_id == fake.channel["id"]


def test_a_refused_upload_scope_means_connecting_again(harness: Harness, fake: FakeYouTube) -> None:
    fake.granted_scopes = (yt.SCOPE_READONLY,)  # the user unticked "Manage your YouTube videos"
    with pytest.raises(ReauthRequired) as caught:
        harness.connect()
    assert caught.value.platform_code == "missing_scope"


def test_revoked_sign_in_needs_reauth(harness: Harness) -> None:
    provider, tokens = harness.connect()
    provider.revoke(tokens)
    with pytest.raises(ReauthRequired):
        provider.refresh(tokens)
    provider.revoke(tokens)  # best effort: a second revoke raises nothing


def test_profile_is_the_channel(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    profile = provider.get_profile(tokens)
    assert profile.remote_id == fake.channel["id"]
    assert profile.handle == "@hooklab"
    assert profile.display_name == "Hook Lab"


# --- the resumable upload -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keep", "data_puts"),
    [(None, 6), (1000, 7), (0, 7)],
    ids=["chunk-stored", "part-of-chunk-stored", "chunk-lost"],
)
def test_a_broken_connection_mid_upload_resumes_from_what_youtube_holds(
    harness: Harness, fake: FakeYouTube, tmp_path: Path, keep: int | None, data_puts: int
) -> None:
    media = random_media(tmp_path, 5 * CHUNK + 12_345)  # six chunks
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)
    fake.fail_chunk("drop", nth=3, keep=keep)
    progress: list[int] = []
    recorded: list[Ticket] = []
    ticket = provider.start_publish(
        tokens,
        harness.request(media=media),
        record=recorded.append,
        on_progress=lambda p: progress.append(p.sent),
    )
    assert fake.uploads() == 1 and len(fake.videos) == 1, "exactly one video"
    (video,) = fake.videos.values()
    assert video.sha256 == media.sha256 and len(video.data) == media.size_bytes
    assert fake.session_queries == 1, "the session was asked once where to go on"
    assert fake.data_puts == data_puts
    assert ticket.data["video_id"] == video.id
    assert recorded[0].data.get("video_id") is None and recorded[-1] == ticket
    assert progress[-1] == media.size_bytes and progress == sorted(progress)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.remote_id == video.id


def test_a_drop_fault_on_a_chunk_keeps_the_bytes_it_received(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 3 * CHUNK)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)

    def record(ticket: Ticket) -> None:
        if not ticket.data.get("video_id"):  # the init is done: the next PUT is the first chunk
            fake.fail_next("drop", endpoint=UPLOAD_PATH)

    provider.start_publish(tokens, harness.request(media=media), record=record)
    (video,) = fake.videos.values()
    assert video.sha256 == media.sha256
    assert fake.data_puts == 3, "the dropped chunk had been stored, so it was not sent again"


def test_a_server_error_on_a_chunk_resumes(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 2 * CHUNK + 10)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)
    fake.fail_chunk("503", nth=2, keep=0)
    ticket, _ = publish(provider, tokens, harness.request(media=media))
    (video,) = fake.videos.values()
    assert video.sha256 == media.sha256 and ticket.data["video_id"] == video.id


def test_when_the_last_answer_is_lost_the_session_names_the_video(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 2 * CHUNK + 10)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)
    fake.fail_chunk("drop", nth=3)  # the last chunk lands, its answer does not
    ticket, _ = publish(provider, tokens, harness.request(media=media))
    (video,) = fake.videos.values()
    assert ticket.data["video_id"] == video.id
    assert fake.data_puts == 3 and fake.session_queries == 1


def test_an_unanswerable_last_chunk_is_outcome_unknown_and_reconciled_later(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 2 * CHUNK + 10)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)
    fake.fail_chunk("drop", nth=3)
    fake.fail_session_queries("503", times=4)  # every try of the status read fails
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    ticket = recorded[-1]
    assert ticket.data["session_url"] and not ticket.data.get("video_id")
    # Later, check_publish asks the session, learns the video id, and finds it processed.
    state = poll_until_done(provider, tokens, ticket)
    (video,) = fake.videos.values()
    assert isinstance(state, Published) and state.remote_id == video.id
    assert fake.uploads() == 1


def test_a_broken_middle_chunk_that_cannot_resume_published_nothing(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 3 * CHUNK)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK)
    fake.fail_chunk("drop", nth=2)
    fake.fail_session_queries("503", times=4)
    recorded: list[Ticket] = []
    with pytest.raises(Transient) as caught:
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    assert "nothing was published" in str(caught.value)
    assert fake.videos == {}
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "uploadIncomplete"
    assert state.params == {"sent": 2 * CHUNK, "total": media.size_bytes}


def test_resuming_gives_up_after_a_bounded_number_of_tries(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, 2 * CHUNK)
    provider, tokens = make(harness, fake, chunk_bytes=CHUNK, max_resumes=2)
    for nth in (1, 2, 3):
        fake.fail_chunk("drop", nth=nth, keep=0)
    recorded: list[Ticket] = []
    with pytest.raises(Transient):
        provider.start_publish(tokens, harness.request(media=media), record=recorded.append)
    assert fake.data_puts == 3 and fake.session_queries == 3
    assert fake.videos == {}
    assert len(harness.slept) == 2, "it waited before each resume it made"
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and state.params["sent"] == 0


def test_an_expired_session_is_transient(
    harness: Harness, fake: FakeYouTube, tmp_path: Path
) -> None:
    media = random_media(tmp_path, CHUNK)
    provider, tokens = make(harness, fake)
    recorded: list[Ticket] = []

    def record(ticket: Ticket) -> None:
        recorded.append(ticket)
        fake.expire_session(ticket.data["session_url"])

    with pytest.raises(Transient) as caught:
        provider.start_publish(tokens, harness.request(media=media), record=record)
    assert caught.value.platform_code == "uploadSessionNotFound"
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and state.permanent  # cannot tell: a person looks


def test_a_small_file_goes_in_one_put(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    publish(provider, tokens, harness.request())
    assert fake.data_puts == 1 and fake.session_queries == 0
    put = next(r for r in fake.requests if r.method == "PUT")
    size = harness.media.size_bytes
    assert put.headers["content-range"] == f"bytes 0-{size - 1}/{size}"


def test_chunks_are_multiples_of_256_kib(harness: Harness, fake: FakeYouTube) -> None:
    with pytest.raises(ValueError):
        YouTubeProvider(app_for(fake), chunk_bytes=CHUNK + 1)


# --- Google's errors ------------------------------------------------------------------------------


def test_quota_exceeded_is_rejected_with_the_reset_time(
    harness: Harness, fake: FakeYouTube
) -> None:
    provider, tokens = harness.connect()
    fake.quota_used = fake.quota_per_day - 1000  # videos.insert costs 1600
    with pytest.raises(Rejected) as caught:
        publish(provider, tokens, harness.request())
    assert caught.value.platform_code == "quotaExceeded"
    assert "midnight Pacific time" in str(caught.value)
    assert 1 <= caught.value.params["hours"] <= 25
    assert fake.uploads() == 0


def test_the_newer_quota_model_counts_insert_calls(harness: Harness, fake: FakeYouTube) -> None:
    fake.insert_calls_per_day = 1
    provider, tokens = harness.connect()
    publish(provider, tokens, harness.request("a"))
    with pytest.raises(Rejected):
        publish(provider, tokens, harness.request("b"))
    assert fake.uploads() == 1


def test_quota_running_out_after_the_upload_only_delays_the_status(
    harness: Harness, fake: FakeYouTube
) -> None:
    provider, tokens = harness.connect()
    ticket, _ = publish(provider, tokens, harness.request())
    fake.quota_used = fake.quota_per_day
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Pending) and state.poll_after_s >= 3600


@pytest.mark.parametrize(
    ("kind", "error", "code"),
    [
        ("quotaExceeded", Rejected, "quotaExceeded"),
        ("uploadLimitExceeded", Rejected, "uploadLimitExceeded"),
        ("rateLimitExceeded", RateLimited, "rateLimitExceeded"),
        ("429", RateLimited, "rateLimitExceeded"),
        ("401", AuthExpired, "authError"),
        ("403", ReauthRequired, "forbidden"),
        ("500", Transient, "backendError"),
        ("503", Transient, "backendError"),
    ],
)
def test_google_errors_become_the_closed_set(
    harness: Harness, fake: FakeYouTube, kind: str, error: type[ProviderError], code: str
) -> None:
    provider, tokens = harness.connect()
    fake.fail_next(kind, endpoint=UPLOAD_PATH)
    with pytest.raises(error) as caught:
        publish(provider, tokens, harness.request())
    assert type(caught.value) is error and caught.value.platform_code == code
    assert fake.uploads() == 0


def test_forbidden_reads_are_not_retried(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    fake.fail_next("403", endpoint=CHANNELS_PATH)
    with pytest.raises(ReauthRequired):
        provider.get_profile(tokens)
    assert harness.slept == []


def test_metadata_youtube_refuses_is_rejected(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    request = harness.request(caption="字" * 1700, hashtags=())  # 5100 bytes: validate says so
    with pytest.raises(Rejected) as caught:
        publish(provider, tokens, request)
    assert caught.value.platform_code == "invalidDescription"


# --- status, URLs, scheduling ---------------------------------------------------------------------


def test_a_short_links_to_shorts_and_a_regular_video_to_watch(
    harness: Harness, fake: FakeYouTube
) -> None:
    provider, tokens = harness.connect()
    ticket, _ = publish(provider, tokens, harness.request("short"))
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert state.url == f"https://www.youtube.com/shorts/{state.remote_id}"
    assert state.visibility == "public" and state.detail == ""

    wide = harness.media.model_copy(update={"width": 1920, "height": 1080})
    request = harness.request("wide", media=wide, options={"short": False})
    assert [i for i in provider.validate(request) if i.severity == "error"] == []
    ticket, _ = publish(provider, tokens, request)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert state.url == f"https://www.youtube.com/watch?v={state.remote_id}"
    assert provider.live_url(state.remote_id) == state.url


def test_publish_at_uploads_private_with_publish_at(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    ticket, _ = publish(provider, tokens, harness.request(publish_at=when))
    (video,) = fake.videos.values()
    assert video.status["privacyStatus"] == "private"
    assert video.status["publishAt"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.visibility == "private"
    assert "scheduled" in state.detail


def test_a_publish_time_that_has_passed_publishes_now(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    request = harness.request(publish_at=datetime.now(UTC) - timedelta(minutes=5))
    publish(provider, tokens, request)
    (video,) = fake.videos.values()
    assert video.status["privacyStatus"] == "public" and "publishAt" not in video.status


def test_only_a_public_post_can_be_scheduled(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    request = harness.request(
        publish_at=datetime.now(UTC) + timedelta(days=1), options={"privacy": "unlisted"}
    )
    assert [i.code for i in provider.validate(request)] == ["conflict"]
    with pytest.raises(Rejected):
        publish(provider, tokens, request)
    assert fake.uploads() == 0


def test_options_reach_youtube(harness: Harness, fake: FakeYouTube) -> None:
    provider, tokens = harness.connect()
    options = {
        "privacy": "unlisted",
        "made_for_kids": True,
        "category_id": "27",
        "ai_generated": True,
        "notify_subscribers": False,
    }
    publish(provider, tokens, harness.request(options=options))
    (video,) = fake.videos.values()
    assert video.status["privacyStatus"] == "unlisted"
    assert video.status["selfDeclaredMadeForKids"] is True
    assert video.status["containsSyntheticMedia"] is True
    assert video.snippet["categoryId"] == "27"
    assert video.snippet["tags"] == ["hooks", "shorts"]
    assert video.snippet["description"] == "Three tips for better hooks 第一条 #hooks #shorts"
    init = next(r for r in fake.requests if r.method == "POST" and r.path == UPLOAD_PATH)
    assert init.query["notifySubscribers"] == "false"


def test_an_unaudited_project_keeps_uploads_private(harness: Harness, fake: FakeYouTube) -> None:
    fake.unverified_project = True
    provider, tokens = harness.connect()
    ticket, _ = publish(provider, tokens, harness.request())
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published) and state.visibility == "private"
    assert "audit" in state.detail


@pytest.mark.parametrize(
    ("outcome", "reason", "permanent"),
    [
        (("failed", "codec"), FAILURE_REASONS["codec"], True),
        (("failed", "uploadAborted"), FAILURE_REASONS["uploadAborted"], False),
        (("rejected", "duplicate"), REJECTION_REASONS["duplicate"], True),
        (
            ("processing", "transcodeFailed"),
            PROCESSING_FAILURES["transcodeFailed"],
            True,
        ),
    ],
    ids=["codec", "upload-aborted", "duplicate", "transcode-failed"],
)
def test_a_processing_failure_is_failed_with_the_reason(
    harness: Harness,
    fake: FakeYouTube,
    outcome: tuple[str, str],
    reason: str,
    permanent: bool,
) -> None:
    fake.outcomes = [outcome]
    fake.processing_polls = 1
    provider, tokens = harness.connect()
    ticket, _ = publish(provider, tokens, harness.request())
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Failed), state
    assert state.reason == reason and state.platform_code == outcome[1]
    assert state.permanent is permanent
    assert fake.live_posts() == []


def test_processing_progress_is_reported(harness: Harness, fake: FakeYouTube) -> None:
    fake.processing_polls = 3
    provider, tokens = harness.connect()
    ticket, _ = publish(provider, tokens, harness.request())
    states = [provider.check_publish(tokens, ticket) for _ in range(3)]
    progress = [s.progress for s in states if isinstance(s, Pending)]
    assert progress == [0.25, 0.5, 0.75]


def test_a_video_missing_from_the_list_is_pending_then_gone(
    harness: Harness, fake: FakeYouTube
) -> None:
    now = [datetime.now(UTC)]
    provider, tokens = make(harness, fake, clock=lambda: now[0])
    ticket, _ = publish(provider, tokens, harness.request())
    fake.videos.clear()  # deleted on YouTube, or not listed yet
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    now[0] += yt.NOT_LISTED_GRACE + timedelta(seconds=1)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and state.platform_code == "videoNotFound"


# --- validation -----------------------------------------------------------------------------------


def codes(provider: YouTubeProvider, request: PublishRequest) -> set[tuple[str, str]]:
    return {(i.field, i.code) for i in provider.validate(request) if i.severity == "error"}


def test_the_description_limit_is_in_bytes(harness: Harness) -> None:
    provider = YouTubeProvider()
    # 1700 CJK characters: far under 5000 characters, over 5000 bytes.
    issues = provider.validate(harness.request(caption="字" * 1700, hashtags=()))
    (issue,) = [i for i in issues if i.field == "caption"]
    assert issue.code == "too_long" and issue.params == {"length": 5100, "limit": 5000}
    assert codes(provider, harness.request(caption="字" * 1666, hashtags=())) == set()
    # Plain ASCII over the limit is reported once, not once per way of counting.
    issues = provider.validate(harness.request(caption="x" * 5001, hashtags=()))
    assert [i.code for i in issues if i.field == "caption"] == ["too_long"]


def test_titles_and_tags_follow_youtube_rules(harness: Harness) -> None:
    provider = YouTubeProvider()
    assert ("title", "forbidden_characters") in codes(provider, harness.request(title="a <b>"))
    assert ("title", "too_long") in codes(provider, harness.request(title="t" * 101))
    assert ("title", "required") in codes(provider, harness.request(title=" "))
    assert ("caption", "forbidden_characters") in codes(provider, harness.request(caption="1 > 0"))
    tags = tuple(f"tag{n:02d}" + "x" * 14 for n in range(25))  # 25 × 19 + 24 commas = 499
    assert ("hashtags", "too_long") not in codes(provider, harness.request(hashtags=tags))
    spaced = (*tags[:-1], "tag24 " + "x" * 13)  # as long, but its quotes count: 501
    assert ("hashtags", "too_long") in codes(provider, harness.request(hashtags=spaced))


def test_a_short_must_be_vertical_and_at_most_three_minutes(harness: Harness) -> None:
    provider = YouTubeProvider()
    wide = harness.media.model_copy(update={"width": 640, "height": 360})
    assert codes(provider, harness.request(media=wide)) == {("media", "aspect")}
    square = harness.media.model_copy(update={"width": 640, "height": 640})
    assert codes(provider, harness.request(media=square)) == set()
    long = harness.media.model_copy(update={"duration_s": 181.0})
    assert codes(provider, harness.request(media=long)) == {("media", "too_long")}
    at_limit = harness.media.model_copy(update={"duration_s": 180.0})
    assert codes(provider, harness.request(media=at_limit)) == set()
    regular = harness.request(media=long, options={"short": False})
    assert codes(provider, regular) == set()


def test_options_are_checked(harness: Harness) -> None:
    provider = YouTubeProvider()
    issues = provider.validate(harness.request(options={"privacy": "friends"}))
    assert [i.field for i in issues] == ["options.privacy"]


# --- the request against Google's discovery document ----------------------------------------------


def discovery() -> dict[str, Any]:
    """youtube.v3.json from google-api-python-client (a test-only dependency)."""
    spec = importlib.util.find_spec("googleapiclient")
    if spec is None or spec.origin is None:
        message = (
            "google-api-python-client is not installed; it ships the YouTube discovery document "
            "this test checks requests against (pip install -e '.[dev]')"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    path = Path(spec.origin).parent / "discovery_cache" / "documents" / "youtube.v3.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def walk(value: Any, schema: dict[str, Any], doc: dict[str, Any], where: str) -> list[str]:
    """Every place where `value` does not fit the discovery schema."""
    if "$ref" in schema:
        return walk(value, doc["schemas"][schema["$ref"]], doc, where)
    kind = schema.get("type")
    problems: list[str] = []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties:
                problems.append(f"{where}.{key}: not in the discovery document")
            else:
                problems += walk(item, properties[key], doc, f"{where}.{key}")
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        for n, item in enumerate(value):
            problems += walk(item, schema["items"], doc, f"{where}[{n}]")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{where}: expected a boolean")
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string")
        elif "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
        elif schema.get("format") == "date-time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    return problems


def full_request(h: Harness) -> PublishRequest:
    """A request that sets every field the provider can send."""
    return h.request(
        options={
            "privacy": "public",
            "made_for_kids": False,
            "category_id": "22",
            "ai_generated": True,
            "notify_subscribers": False,
        },
        publish_at=datetime.now(UTC) + timedelta(days=1),
    )


def test_the_upload_request_fits_the_discovery_document(
    harness: Harness, fake: FakeYouTube
) -> None:
    doc = discovery()
    method = doc["resources"]["videos"]["methods"]["insert"]
    provider, tokens = harness.connect()
    publish(provider, tokens, full_request(harness))
    init = next(r for r in fake.requests if r.method == "POST" and r.path == UPLOAD_PATH)

    # The path is the one googleapiclient builds: "upload/" + servicePath + the method's path,
    # which is the discovery's simple media path (its `resumable` path, /resumable/upload/…, is
    # an older alias no Google client library uses; uploadType=resumable picks the protocol).
    protocols = method["mediaUpload"]["protocols"]
    assert init.path == "/upload/" + doc["servicePath"] + method["path"]
    assert init.path == protocols["simple"]["path"]
    assert protocols["resumable"]["path"] == "/resumable" + init.path

    parameters = {**doc["parameters"], **method["parameters"]}
    for name, value in init.query.items():
        assert name in parameters, f"query parameter {name} is not in the discovery document"
        spec = parameters[name]
        if spec.get("type") == "boolean":
            assert value in ("true", "false")
        if "enum" in spec:
            assert value in spec["enum"], (name, value)
    for name in method.get("parameterOrder", []):
        assert name in init.query, f"required parameter {name} is missing"
    assert init.query["uploadType"] == "resumable"
    video_properties = doc["schemas"]["Video"]["properties"]
    assert all(part in video_properties for part in init.query["part"].split(","))

    body = init.json()
    assert set(body) == set(init.query["part"].split(",")), "part names what the body sets"
    assert walk(body, {"$ref": method["request"]["$ref"]}, doc, "video") == []
    assert body["status"]["privacyStatus"] == "private" and "publishAt" in body["status"]
    assert body["status"]["containsSyntheticMedia"] is True
    content_type = init.headers["x-upload-content-type"]
    assert any(
        content_type == accept or (accept.endswith("/*") and content_type.startswith(accept[:-1]))
        for accept in method["mediaUpload"]["accept"]
    )
    assert int(init.headers["x-upload-content-length"]) <= int(method["mediaUpload"]["maxSize"])


def test_googleapiclient_builds_the_same_upload_request(
    harness: Harness, fake: FakeYouTube
) -> None:
    doc = discovery()
    provider, tokens = harness.connect()
    publish(provider, tokens, full_request(harness))
    init = next(r for r in fake.requests if r.method == "POST" and r.path == UPLOAD_PATH)

    discovery_module = importlib.import_module("googleapiclient.discovery")
    http_module = importlib.import_module("googleapiclient.http")
    service = discovery_module.build_from_document(doc, http=http_module.HttpMock(None, {}))
    media = http_module.MediaFileUpload(
        str(harness.media.path), mimetype=harness.media.content_type, resumable=True
    )
    built = service.videos().insert(
        part=init.query["part"],
        notifySubscribers=init.query["notifySubscribers"] == "true",
        body=init.json(),
        media_body=media,
    )
    theirs = urlsplit(built.uri)
    assert theirs.path == init.path
    their_query = {k: v[0] for k, v in parse_qs(theirs.query).items()}
    their_query.pop("alt", None)  # googleapiclient asks for alt=json, the default
    assert their_query == init.query


def test_other_calls_fit_the_discovery_document(harness: Harness, fake: FakeYouTube) -> None:
    doc = discovery()
    provider, tokens = harness.connect()
    provider.get_profile(tokens)
    ticket, _ = publish(provider, tokens, harness.request())
    poll_until_done(provider, tokens, ticket)
    resources = doc["resources"]
    for path, method in ((CHANNELS_PATH, "channels"), (VIDEOS_PATH, "videos")):
        spec = resources[method]["methods"]["list"]
        assert "/" + doc["servicePath"] + spec["path"] == path
        used = next(r for r in fake.requests if r.method == "GET" and r.path == path)
        assert set(used.query) <= set(spec["parameters"]) | set(doc["parameters"])
        schema = doc["schemas"][method[:-1].capitalize()]["properties"]
        assert all(part in schema for part in used.query["part"].split(","))
    scopes = doc["auth"]["oauth2"]["scopes"]
    assert all(scope in scopes for scope in YouTubeProvider.default_scopes)
