"""Instagram: the shared provider contract against the fake Instagram, then what is Instagram's
own (the pull from a public URL, the container state machine, the exactly-once media_publish,
the publishing limit, professional accounts only, caption rules, Graph errors)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import imageio_ffmpeg
import pytest

from shortops.kit.clock import utcnow
from shortops.providers.errors import (
    AuthExpired,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import Http
from shortops.providers.instagram import InstagramProvider
from shortops.providers.instagram.envelope import classify
from shortops.providers.types import (
    AppCredentials,
    AuthStart,
    Failed,
    MediaFile,
    Pending,
    Published,
    Severity,
    Ticket,
    Tokens,
)
from tests.fakes.instagram import FakeInstagram, FileServer
from tests.providers.contract import CONTRACT, Check, Harness, poll_until_done

REDIRECT = "http://127.0.0.1:8000/accounts/callback/instagram"
USER = "17841400000000001"
DAY = 86_400

# Contract checks whose premise does not hold on Instagram, with why; each is replaced by the
# Instagram-specific tests named in the reason.
NOT_APPLICABLE = {
    "refresh_gives_working_tokens": (
        "Instagram has no separate refresh token: the long-lived access token refreshes itself "
        "(ig_refresh_token) and only while it is still valid, so once the platform has expired "
        "it, only a new sign-in helps. Covered by test_refresh_gives_a_new_60_day_token and "
        "test_an_expired_token_cannot_be_refreshed."
    ),
    "a_dropped_upload_is_outcome_unknown": (
        "start_publish only creates a container, which cannot go live without media_publish "
        "and whose id nobody knows when the answer is lost, so a dropped creation is Transient "
        "(test_a_dropped_container_creation_is_transient). The irreversible media_publish runs "
        "in check_publish, where a lost answer is settled through the container status "
        "(test_a_lost_publish_answer_is_settled_by_the_container)."
    ),
}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 4 s 360×640 MP4 with the moov atom first, made with FFmpeg at test time."""
    path = tmp_path_factory.mktemp("instagram") / "clip.mp4"
    completed = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4"),
            *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
            *("-movflags", "+faststart"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return path


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()


@pytest.fixture
def video(clip: Path, files: FileServer) -> MediaFile:
    return MediaFile(
        path=clip,
        size_bytes=clip.stat().st_size,
        duration_s=4.0,
        width=360,
        height=640,
        public_url=files.publish(clip),
    )


@pytest.fixture
def fake() -> Iterator[FakeInstagram]:
    server = FakeInstagram(redirect_uris=(REDIRECT,))
    yield server
    server.close()


@pytest.fixture
def app(fake: FakeInstagram) -> AppCredentials:
    return AppCredentials(
        client_id=fake.app_id,
        client_secret=fake.app_secret,
        redirect_uri=REDIRECT,
        endpoints={"auth": fake.url, "token": fake.url, "graph": fake.url},
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
def harness(fake: FakeInstagram, app: AppCredentials, video: MediaFile) -> Iterator[Harness]:
    clients: list[Http] = []
    holder: list[Harness] = []

    def make_provider() -> InstagramProvider:
        http = Http(InstagramProvider.slug, sleep=holder[0].sleep)
        clients.append(http)
        return InstagramProvider(app, http=http, allow_local_media_url=True)

    h = Harness(
        make_provider=make_provider,
        fake=fake,
        media=video,
        authorize=approve,
        uploads=fake.container_count,
        live_posts=fake.live_media_ids,
        upload_endpoint=f"/v23.0/{USER}/media",  # container creation
        status_endpoint="/v23.0/1795",  # container ids start 1795
        profile_endpoint="/v23.0/me",
        rotates_refresh_tokens=True,
    )
    holder.append(h)
    yield h
    for http in clients:
        http.close()


def connect(h: Harness) -> tuple[InstagramProvider, Tokens]:
    provider, tokens = h.connect()
    assert isinstance(provider, InstagramProvider)
    return provider, tokens


def start(h: Harness, provider: InstagramProvider, tokens: Tokens, **changes: Any) -> Ticket:
    recorded: list[Ticket] = []
    ticket = provider.start_publish(tokens, h.request(**changes), record=recorded.append)
    assert recorded == [ticket]
    return ticket


def container_form(fake: FakeInstagram) -> dict[str, str]:
    [request] = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/media")]
    return request.form()


def errors(issues: list[Any]) -> list[Any]:
    return [i for i in issues if i.severity == Severity.error]


# --- the shared contract -------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "instagram"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: Harness) -> None:
    if check.__name__ in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[check.__name__])
    check(harness)


def test_every_skipped_contract_check_exists() -> None:
    assert set(NOT_APPLICABLE) <= {check.__name__ for check in CONTRACT}


# --- sign-in -------------------------------------------------------------------------------------


def test_authorization_url_is_business_login(harness: Harness, fake: FakeInstagram) -> None:
    start_ = harness.make_provider().authorization_url("s-1")
    parts = urlsplit(start_.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/oauth/authorize"
    assert query == {
        "client_id": fake.app_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "instagram_business_basic,instagram_business_content_publish,"
        "instagram_business_manage_insights",
        "state": "s-1",
    }
    assert start_.code_verifier is None  # Instagram documents no PKCE


def test_sign_in_gives_a_long_lived_token(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    assert tokens.access_token.startswith("IGQV")  # the long-lived one, not the 1 h token
    assert tokens.refresh_token == tokens.access_token
    assert tokens.remote_id == USER
    assert "instagram_business_content_publish" in tokens.scopes
    assert tokens.expires_at is not None
    assert timedelta(days=59) < tokens.expires_at - utcnow() <= timedelta(days=60)
    profile = provider.get_profile(tokens)
    assert (profile.remote_id, profile.handle, profile.display_name) == (
        USER,
        "hooklab",
        "Hook Lab",
    )
    assert profile.extra["profile_url"] == "https://www.instagram.com/hooklab/"


def test_the_older_flat_token_answer_works_too(harness: Harness, fake: FakeInstagram) -> None:
    fake.flat_token_answer = True
    _, tokens = connect(harness)
    assert tokens.remote_id == USER


def test_a_code_works_once(harness: Harness) -> None:
    provider = harness.make_provider()
    code = approve(provider.authorization_url("s"))
    provider.exchange_code(code + "#_")  # Instagram's "#_" suffix is not part of the code
    with pytest.raises(ReauthRequired) as caught:
        provider.exchange_code(code)
    assert "already used" in caught.value.detail


def test_a_sign_in_without_publishing_permission_is_refused(
    harness: Harness, fake: FakeInstagram
) -> None:
    fake.user_grants = {"instagram_business_basic"}
    with pytest.raises(ReauthRequired) as caught:
        connect(harness)
    assert caught.value.platform_code == "missing_permission"
    assert "instagram_business_content_publish" in caught.value.render()


def test_a_personal_account_is_refused(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.user["account_type"] = "PERSONAL"
    with pytest.raises(Rejected) as caught:
        provider.get_profile(tokens)
    assert caught.value.platform_code == "personal_account"
    assert "Business or Creator" in caught.value.render()


@pytest.mark.parametrize("kind", ["BUSINESS", "MEDIA_CREATOR"])
def test_professional_accounts_are_accepted(
    harness: Harness, fake: FakeInstagram, kind: str
) -> None:
    provider, tokens = connect(harness)
    fake.user["account_type"] = kind
    assert provider.get_profile(tokens).extra["account_type"] == kind


def test_refresh_gives_a_new_60_day_token(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.advance(2 * DAY)  # Instagram refreshes tokens at least 24 h old
    fresh = provider.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == fresh.access_token
    assert fresh.remote_id == USER and fresh.scopes == tokens.scopes
    assert provider.get_profile(fresh).remote_id == USER


def test_a_young_token_is_not_refreshed_but_stays_valid(harness: Harness) -> None:
    provider, tokens = connect(harness)
    with pytest.raises(Rejected):  # not ReauthRequired: the token still works
        provider.refresh(tokens)
    assert provider.get_profile(tokens).remote_id == USER


def test_an_expired_token_cannot_be_refreshed(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.expire_tokens()
    with pytest.raises(AuthExpired):
        provider.get_profile(tokens)
    with pytest.raises(ReauthRequired):
        provider.refresh(tokens)


# --- publishing ----------------------------------------------------------------------------------


def test_the_container_carries_the_reel(
    harness: Harness, fake: FakeInstagram, files: FileServer, video: MediaFile
) -> None:
    harness.options = {
        "share_to_feed": False,
        "thumb_offset_ms": 1500,
        "collaborators": ["@friend.one", "friend_two"],
    }
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    form = container_form(fake)
    assert form["media_type"] == "REELS"
    assert form["video_url"] == video.public_url
    assert form["caption"] == "Three tips for better hooks 第一条 #hooks #shorts"
    assert form["share_to_feed"] == "false"
    assert form["thumb_offset"] == "1500"
    assert json.loads(form["collaborators"]) == ["friend.one", "friend_two"]
    assert ticket.reference.startswith("1795")
    assert ticket.data["ig_user_id"] == USER


def test_instagram_pulls_the_video_from_the_public_url(
    harness: Harness, fake: FakeInstagram, files: FileServer, clip: Path
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    container = fake.only_container()
    assert container.fetched_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert len(files.hits) == 1
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert state.url.startswith("https://www.instagram.com/reel/")


def test_an_unreachable_video_url_fails_with_the_reason(
    harness: Harness, fake: FakeInstagram, files: FileServer, video: MediaFile
) -> None:
    provider, tokens = connect(harness)
    gone = video.model_copy(update={"public_url": f"{files.url}/media/expired/clip.mp4"})
    fake.processing_polls = 1
    ticket = start(harness, provider, tokens, media=gone)
    assert files.hits == ["/media/expired/clip.mp4"]  # Instagram tried, got a 404
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed), state
    assert state.platform_code == "2207052" and state.permanent
    assert "SHORTOPS_PUBLIC_URL" in state.reason
    assert fake.publish_calls() == 0 and fake.live_media_ids() == []


def test_a_url_nothing_answers_on_fails_too(
    harness: Harness, fake: FakeInstagram, video: MediaFile
) -> None:
    provider, tokens = connect(harness)
    closed = FileServer()
    closed.close()  # a port nobody listens on any more
    ticket = start(
        harness,
        provider,
        tokens,
        media=video.model_copy(update={"public_url": f"{closed.url}/media/x/clip.mp4"}),
    )
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Failed) and state.platform_code == "2207052"


def test_bytes_that_are_not_a_video_fail_as_a_format_error(
    harness: Harness, fake: FakeInstagram, files: FileServer, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0" * 4096)
    media = MediaFile(
        path=junk,
        size_bytes=4096,
        duration_s=5,
        width=1080,
        height=1920,
        public_url=files.publish(junk),
    )
    provider, tokens = connect(harness)
    state = poll_until_done(provider, tokens, start(harness, provider, tokens, media=media))
    assert isinstance(state, Failed) and state.platform_code == "2207026"
    assert "faststart" in state.reason


def test_processing_is_polled_once_a_minute(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.processing_polls = 1
    state = provider.check_publish(tokens, start(harness, provider, tokens))
    assert isinstance(state, Pending) and state.poll_after_s >= 60


def test_quota_exhausted_is_refused_before_any_container(
    harness: Harness, fake: FakeInstagram
) -> None:
    provider, tokens = connect(harness)
    fake.record_publishes(50)
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request(), record=lambda ticket: None)
    assert fake.container_count() == 0
    assert caught.value.platform_code == "9/2207042"
    assert "50" in caught.value.render() and "24 hours" in caught.value.render()


def test_quota_read_from_the_platform_not_assumed(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.quota_total = 100  # one page of Meta's docs says 100
    fake.record_publishes(60)
    ticket = start(harness, provider, tokens)
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)


def test_without_the_quota_endpoint_publishing_goes_on(
    harness: Harness, fake: FakeInstagram
) -> None:
    fake.quota_endpoint = False
    provider, tokens = connect(harness)
    assert isinstance(
        poll_until_done(provider, tokens, start(harness, provider, tokens)), Published
    )


def test_quota_reached_between_container_and_publish_fails(
    harness: Harness, fake: FakeInstagram
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.record_publishes(50)  # another tool posted in between
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and state.permanent
    assert state.platform_code == "9/2207042"
    assert all(m.container_id != ticket.reference for m in fake.media.values())


def test_an_expired_container_fails(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.advance(DAY + 60)
    fake.expire_tokens()  # the token would be refreshed by then; a fresh one:
    provider2, tokens2 = connect(harness)
    state = provider2.check_publish(tokens2, ticket)
    assert isinstance(state, Failed) and state.platform_code == "EXPIRED"
    assert fake.publish_calls() == 0


# --- media_publish: exactly once -----------------------------------------------------------------


def test_publish_happens_once_and_later_checks_only_read(
    harness: Harness, fake: FakeInstagram
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    first = poll_until_done(provider, tokens, ticket)
    assert isinstance(first, Published)
    again = provider.check_publish(tokens, ticket)  # e.g. a second worker, or a re-check
    assert isinstance(again, Published) and again.remote_id == first.remote_id
    assert fake.publish_calls() == 1 and fake.republish_attempts == 0
    assert fake.live_media_ids() == [first.remote_id]


def test_a_lost_publish_answer_is_settled_by_the_container(
    harness: Harness, fake: FakeInstagram
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.drop_publish_answer = True  # Instagram publishes, the answer never arrives
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Pending), state
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published), state
    assert fake.live_media_ids() == [state.remote_id]
    assert fake.publish_calls() == 1 and fake.republish_attempts == 0
    assert state.url.startswith("https://www.instagram.com/reel/")


@pytest.mark.parametrize("kind", ["drop", "500"])
def test_a_publish_that_did_not_happen_is_sent_again_on_the_platforms_word(
    harness: Harness, fake: FakeInstagram, kind: str
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.fail_next(kind, endpoint=f"/v23.0/{USER}/media_publish")
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    assert fake.only_container().status_code == "FINISHED"  # Instagram: not published
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published)
    assert fake.live_media_ids() == [state.remote_id]
    assert fake.publish_calls() == 2 and fake.republish_attempts == 0


def test_a_rate_limited_publish_waits_for_the_engine(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.fail_next("429", endpoint=f"/v23.0/{USER}/media_publish")
    with pytest.raises(RateLimited) as caught:
        provider.check_publish(tokens, ticket)
    assert caught.value.retry_after_s == 60
    assert fake.live_media_ids() == []
    assert isinstance(provider.check_publish(tokens, ticket), Published)


def test_an_expired_token_at_publish_time_is_auth_expired(
    harness: Harness, fake: FakeInstagram
) -> None:
    provider, tokens = connect(harness)
    ticket = start(harness, provider, tokens)
    fake.expire_tokens()
    with pytest.raises(AuthExpired):
        provider.check_publish(tokens, ticket)
    assert fake.live_media_ids() == []


def test_a_dropped_container_creation_is_transient(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("drop", endpoint=f"/v23.0/{USER}/media")
    recorded: list[Ticket] = []
    with pytest.raises(Transient) as caught:
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert recorded == [] and fake.live_media_ids() == []
    assert "trying again is safe" in caught.value.render()


# --- validation ----------------------------------------------------------------------------------


def test_a_valid_reel_has_no_errors(harness: Harness) -> None:
    assert errors(harness.make_provider().validate(harness.request())) == []


def test_caption_limits(harness: Harness) -> None:
    provider = harness.make_provider()
    too_long = provider.validate(harness.request(caption="x" * 2190, hashtags=("abcdefghij",)))
    assert [i.field for i in errors(too_long)] == ["caption"]
    in_text = " ".join(f"#t{i}" for i in range(29))
    issues = errors(provider.validate(harness.request(caption=in_text, hashtags=("a", "b"))))
    assert [(i.field, i.params["count"]) for i in issues] == [("hashtags", 31)]
    listed = tuple(f"t{i}" for i in range(31))
    issues = errors(provider.validate(harness.request(caption="", hashtags=listed)))
    assert [(i.field, i.params["count"]) for i in issues] == [("hashtags", 31)]
    thirty = tuple(f"t{i}" for i in range(30))
    assert not errors(provider.validate(harness.request(hashtags=thirty)))
    assert errors(provider.validate(harness.request(caption="#extra", hashtags=thirty)))
    mentions = " ".join(f"@user{i}" for i in range(21))
    issues = errors(provider.validate(harness.request(caption=mentions)))
    assert [(i.code, i.params["count"]) for i in issues] == [("too_many_mentions", 21)]
    assert not errors(provider.validate(harness.request(caption="mail me: a@b.com #ok")))


def test_a_title_stands_in_for_an_empty_caption(harness: Harness, fake: FakeInstagram) -> None:
    provider, tokens = connect(harness)
    start(harness, provider, tokens, caption="", hashtags=())
    assert container_form(fake)["caption"] == "Three tips for better hooks"


def test_media_rules(harness: Harness, video: MediaFile) -> None:
    provider = harness.make_provider()

    def codes(**changes: Any) -> list[str]:
        media = video.model_copy(update=changes)
        return [i.code for i in errors(provider.validate(harness.request(media=media)))]

    assert codes(width=2160, height=3840) == ["too_wide"]
    assert codes(content_type="video/webm") == ["format"]
    assert codes(duration_s=2.0) == ["too_short"]
    assert codes(duration_s=901.0) == ["too_long"]
    assert codes(size_bytes=300_000_001) == ["too_large"]
    assert codes(width=1920, height=100) == ["aspect_out_of_range"]
    wide = provider.validate(harness.request(media=video.model_copy(update={"width": 1280})))
    assert [i.code for i in wide if i.severity == Severity.warning] == ["aspect"]


def test_the_video_needs_a_public_https_url(harness: Harness, fake: FakeInstagram) -> None:
    strict = InstagramProvider(harness.make_provider().app)
    missing = harness.media.model_copy(update={"public_url": None})
    [issue] = errors(strict.validate(harness.request(media=missing)))
    assert issue.code == "media_url_missing" and "SHORTOPS_PUBLIC_URL" in issue.message
    for url in (
        "http://shortops.example.com/m/1.mp4",
        "https://127.0.0.1/m/1.mp4",
        "https://192.168.1.20/m/1.mp4",
        "https://shortops.local/m/1.mp4",
        "https://localhost:8443/m/1.mp4",
    ):
        media = harness.media.model_copy(update={"public_url": url})
        [issue] = errors(strict.validate(harness.request(media=media)))
        assert issue.code == "media_url_not_public", url
        assert "sig" not in issue.render()  # the signed part is not shown
    public = harness.media.model_copy(
        update={"public_url": "https://shortops.example.com/m/1.mp4?sig=abc"}
    )
    assert errors(strict.validate(harness.request(media=public))) == []
    # Nothing is created when the URL is missing.
    provider, tokens = connect(harness)
    with pytest.raises(Rejected):
        provider.start_publish(tokens, harness.request(media=missing), record=lambda t: None)
    assert fake.container_count() == 0


def test_option_rules(harness: Harness) -> None:
    provider = harness.make_provider()

    def codes(**options: Any) -> list[str]:
        return [i.code for i in errors(provider.validate(harness.request(options=options)))]

    assert codes(collaborators=["a", "b", "c"]) == []
    assert codes(collaborators=["a", "b", "c", "d"]) == ["too_many"]
    assert codes(collaborators=["not a name!"]) == ["invalid_username"]
    assert codes(thumb_offset_ms=4001) == ["cover_after_end"]
    assert codes(thumb_offset_ms=-1) == ["invalid_option"]
    assert codes(is_ai_generated=True) == ["invalid_option"]  # not documented: not offered


def test_the_graph_version_can_be_pinned(harness: Harness, fake: FakeInstagram) -> None:
    base = harness.make_provider()
    assert base.app is not None
    app = base.app.model_copy(update={"extra": {"graph_version": "v22.0"}})
    provider = InstagramProvider(app, http=base.http, allow_local_media_url=True)
    start_ = provider.authorization_url("s")
    tokens = provider.exchange_code(approve(start_))
    provider.get_profile(tokens)
    assert fake.requests[-1].path == "/v22.0/me"


# --- Graph errors --------------------------------------------------------------------------------


def graph(code: int, subcode: int | None = None, status: int = 400, **extra: Any) -> httpx.Response:
    error: dict[str, Any] = {"message": "m", "type": "OAuthException", "code": code, **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


@pytest.mark.parametrize(
    ("response", "expected", "platform_code"),
    [
        (graph(190, 463), AuthExpired, "190/463"),
        (graph(190), AuthExpired, "190"),
        (graph(102), AuthExpired, "102"),
        (graph(190, 460), ReauthRequired, "190/460"),
        (graph(190, 458), ReauthRequired, "190/458"),
        (graph(10), ReauthRequired, "10"),
        (graph(200), ReauthRequired, "200"),
        (graph(4), RateLimited, "4"),
        (graph(17), RateLimited, "17"),
        (graph(32), RateLimited, "32"),
        (graph(613), RateLimited, "613"),
        (graph(9, 2207042), Rejected, "9/2207042"),
        (graph(9004, 2207052), Rejected, "9004/2207052"),
        (graph(9007, 2207027), Rejected, "9007/2207027"),
        (graph(352, 2207026), Rejected, "352/2207026"),
        (graph(25, 2207050), Rejected, "25/2207050"),
        (graph(100, 2207040), Rejected, "100/2207040"),
        (graph(1, 2207057), Rejected, "1/2207057"),
        (graph(-2, 2207003), Transient, "-2/2207003"),
        (graph(-1, 2207032), Transient, "-1/2207032"),
        (graph(-1, 2207053), Transient, "-1/2207053"),
        (graph(1), Transient, "1"),
        (graph(2, status=500), Transient, "2"),
        (graph(100), Rejected, "100"),
        (httpx.Response(503), Transient, "503"),
        (httpx.Response(429), RateLimited, "429"),
    ],
)
def test_graph_errors_become_the_closed_set(
    response: httpx.Response, expected: type, platform_code: str
) -> None:
    found = classify(response)
    assert type(found) is expected
    assert found is not None and found.platform_code == platform_code


def test_errors_keep_the_trace_id_and_user_message() -> None:
    response = graph(
        9004, 2207052, fbtrace_id="AbC123", error_user_msg="The media could not be fetched"
    )
    found = classify(response)
    assert found is not None
    assert "fbtrace_id AbC123" in found.detail and "could not be fetched" in found.detail
    assert "SHORTOPS_PUBLIC_URL" in found.render()


def test_token_endpoint_refusals_need_a_new_sign_in() -> None:
    flat = httpx.Response(
        400, json={"error_type": "OAuthException", "code": 400, "error_message": "bad code"}
    )
    assert isinstance(classify(flat, context="token"), ReauthRequired)
    assert isinstance(classify(graph(190, 463), context="token"), ReauthRequired)
    assert isinstance(classify(graph(2, status=500), context="token"), Transient)


def test_the_business_use_case_header_says_how_long_to_wait() -> None:
    usage = {"123": [{"call_count": 100, "estimated_time_to_regain_access": 7}]}
    response = httpx.Response(
        400,
        json={"error": {"code": 80002, "message": "too many calls", "type": "OAuthException"}},
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    found = classify(response)
    assert isinstance(found, RateLimited) and found.retry_after_s == 7 * 60
    assert classify(graph(4)).retry_after_s == 60  # type: ignore[union-attr]
