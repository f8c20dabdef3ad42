"""Bilibili: the shared provider contract against the fake, then what is Bilibili's own."""

from __future__ import annotations

import hashlib
import json
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

from shortops.providers.bilibili import BilibiliProvider
from shortops.providers.bilibili.cover import image_facts
from shortops.providers.bilibili.envelope import classify
from shortops.providers.bilibili.signing import signed_headers
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
    PublishRequest,
    Severity,
    Ticket,
    Tokens,
)
from tests.fakes.bilibili import FakeBilibili
from tests.fakes.kuaishou import parse_multipart
from tests.providers.contract import CONTRACT, Check, Harness

REDIRECT = "http://127.0.0.1:8000/accounts/callback/bilibili"
MiB = 1024 * 1024
DAILY = {"tid": 21}  # 日常 (daily life)


# --- fixtures ------------------------------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    completed = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def image(path: Path, width: int, height: int) -> Path:
    """A real one-colour JPEG or PNG (by the suffix) of the given size."""
    ffmpeg("-f", "lavfi", "-i", f"color=c=teal:size={width}x{height}", "-frames:v", "1", str(path))
    return path


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bilibili")


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
    """The landscape cover the Produce module renders for Bilibili (1146×717 JPEG)."""
    return image(media_dir / "cover.jpg", 1146, 717)


@dataclass
class CoverHarness(Harness):
    """The contract's harness, with the cover Bilibili requires on every request."""

    cover: Path | None = None

    def request(self, key: str = "pub-1", **changes: object) -> PublishRequest:
        if self.cover is not None:
            changes.setdefault("cover", self.cover)
        return super().request(key, **changes)


@pytest.fixture
def fake() -> Iterator[FakeBilibili]:
    server = FakeBilibili(redirect_uris=(REDIRECT,))
    yield server
    server.close()


@pytest.fixture
def app(fake: FakeBilibili) -> AppCredentials:
    return AppCredentials(
        client_id=fake.client_id,
        client_secret=fake.app_secret,
        redirect_uri=REDIRECT,
        endpoints={"auth": fake.url, "oauth": fake.url, "api": fake.url, "upload": fake.url},
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
    fake: FakeBilibili, app: AppCredentials, video: MediaFile, cover: Path
) -> Iterator[CoverHarness]:
    clients: list[Http] = []

    def make_provider() -> BilibiliProvider:
        http = Http(BilibiliProvider.slug, sleep=h.sleep)
        clients.append(http)
        return BilibiliProvider(app, http=http)

    h = CoverHarness(
        make_provider=make_provider,
        fake=fake,
        media=video,
        authorize=approve,
        uploads=fake.uploads,
        live_posts=fake.live_archives,
        # add-by-utoken creates the archive; nothing before it posts anything.
        upload_endpoint="/arcopen/fn/archive/add-by-utoken",
        status_endpoint="/arcopen/fn/archive/view",
        profile_endpoint="/arcopen/fn/user/account/info",
        rotates_refresh_tokens=True,
        options=dict(DAILY),
        cover=cover,
    )
    yield h
    for http in clients:
        http.close()


def connect(h: Harness, **kw: Any) -> tuple[BilibiliProvider, Tokens]:
    """A signed-in provider; `kw` goes to BilibiliProvider (clock, part size)."""
    base = h.make_provider()
    assert isinstance(base, BilibiliProvider)
    provider = BilibiliProvider(base.app, http=base.http, **kw) if kw else base
    start = provider.authorization_url("s-1")
    return provider, provider.exchange_code(approve(start))


def random_media(tmp_path: Path, size: int) -> MediaFile:
    """Random bytes where only the bytes matter (the fake does not decode video)."""
    path = tmp_path / f"random-{size}.mp4"
    path.write_bytes(os.urandom(size))
    return MediaFile(path=path, size_bytes=size, duration_s=30.0, width=1920, height=1080)


def submitted(fake: FakeBilibili) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests if r.path == "/arcopen/fn/archive/add-by-utoken"]


def noop(ticket: Ticket) -> None:
    return None


def errors(issues: list[Any]) -> list[tuple[str, str]]:
    return [(i.field, i.code) for i in issues if i.severity == Severity.error]


# --- the shared contract -------------------------------------------------------------------------


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "bilibili"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: CoverHarness) -> None:
    check(harness)


# --- parts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "parts"),
    [
        (20 * MiB, [8 * MiB, 8 * MiB, 4 * MiB]),
        (20_000_000, [8 * MiB, 8 * MiB, 20_000_000 - 16 * MiB]),
        (8 * MiB, [8 * MiB]),
        (8 * MiB + 1, [8 * MiB, 1]),
        (1234, [1234]),
    ],
)
def test_a_file_goes_in_8_mib_parts(
    harness: CoverHarness, fake: FakeBilibili, tmp_path: Path, size: int, parts: list[int]
) -> None:
    provider, tokens = connect(harness)
    media = random_media(tmp_path, size)
    progress: list[Progress] = []
    ticket = provider.start_publish(
        tokens, harness.request(media=media), record=noop, on_progress=progress.append
    )
    sent = fake.part_requests()
    assert [r.query["part_number"] for r in sent] == [str(n) for n in range(1, len(parts) + 1)]
    assert [len(r.body) for r in sent] == parts
    assert ticket.data["part_count"] == len(parts)
    upload = fake.uploads_by_token[ticket.reference]
    assert upload.complete and upload.size == size
    assert upload.sha256 == hashlib.sha256(media.path.read_bytes()).hexdigest()
    assert fake.only_archive().sha256 == upload.sha256
    assert [p.sent for p in progress] == [0, *[sum(parts[: i + 1]) for i in range(len(parts))]]
    init = [r.json() for r in fake.requests if r.path == "/arcopen/fn/archive/video/init"]
    assert init == [{"name": f"random-{size}.mp4", "utype": "0"}]


def test_the_recorded_references(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    recorded: list[Ticket] = []
    ticket = provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert [t.data["stage"] for t in recorded] == ["uploading", "submitting", "submitted"]
    assert {t.reference for t in recorded} == {ticket.reference}
    assert recorded[1].data["cover_url"] in fake.covers
    assert ticket.data["resource_id"] == fake.only_archive().resource_id


def test_a_broken_part_posts_nothing(
    harness: CoverHarness, fake: FakeBilibili, tmp_path: Path
) -> None:
    provider, tokens = connect(harness)
    recorded: list[Ticket] = []
    fake.fail_next("drop", endpoint="/video/v2/part/upload")
    with pytest.raises(Transient, match="nothing was posted"):
        provider.start_publish(
            tokens, harness.request(media=random_media(tmp_path, 9 * MiB)), record=recorded.append
        )
    assert len(fake.part_requests()) == 1, "a part is never sent twice"
    assert submitted(fake) == [] and fake.archives == {}
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and not state.permanent
    assert state.platform_code == "upload_incomplete"


def test_a_broken_cover_upload_posts_nothing(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("drop", endpoint="/arcopen/fn/archive/cover/upload")
    with pytest.raises(Transient):
        provider.start_publish(tokens, harness.request(), record=noop)
    assert submitted(fake) == []


# --- the submission -------------------------------------------------------------------------------


def test_what_is_submitted(harness: CoverHarness, fake: FakeBilibili, cover: Path) -> None:
    provider, tokens = connect(harness)
    request = harness.request(
        hashtags=("#hooks", "shorts", "Hooks", "剪辑,技巧"),
        options={**DAILY, "no_reprint": True, "topic_id": 7},
    )
    provider.start_publish(tokens, request, record=noop)
    (body,) = submitted(fake)
    assert body == {
        "title": "Three tips for better hooks",
        "cover": next(iter(fake.covers)),
        "desc": "Three tips for better hooks 第一条",
        "tag": "hooks,shorts,剪辑 技巧",
        "tid": 21,
        "copyright": 1,
        "no_reprint": 1,
        "topic_id": 7,
    }
    assert fake.covers[body["cover"]] == cover.read_bytes()
    uploads = [r for r in fake.requests if r.path == "/arcopen/fn/archive/cover/upload"]
    assert parse_multipart(uploads[0])["file"][0] == "cover.jpg"


def test_tid_is_required(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    request = harness.request(options={})
    issues = provider.validate(request)
    assert errors(issues) == [("options.tid", "required")]
    assert "Choose a Bilibili category (tid)" in issues[0].render()
    before = len(fake.requests)
    with pytest.raises(Rejected, match="category"):
        provider.start_publish(tokens, request, record=noop)
    assert len(fake.requests) == before, "nothing is sent for a request that cannot go"
    assert errors(provider.validate(harness.request(options={"tid": 0}))) == [
        ("options.tid", "invalid_option")
    ]
    # A tid Bilibili does not know is refused by the platform (before any archive exists).
    with pytest.raises(Rejected, match="tid: unknown category"):
        provider.start_publish(tokens, harness.request(options={"tid": 99_999}), record=noop)
    assert fake.archives == {}


def test_a_reprint_needs_its_source(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    reprint = harness.request(options={**DAILY, "copyright": 2})
    assert errors(provider.validate(reprint)) == [("options.source", "required")]
    with pytest.raises(Rejected, match="needs its source"):
        provider.start_publish(tokens, reprint, record=noop)
    assert fake.uploads() == 0
    sourced = harness.request(options={**DAILY, "copyright": 2, "source": "https://v.example/1"})
    assert errors(provider.validate(sourced)) == []
    provider.start_publish(tokens, sourced, record=noop)
    assert submitted(fake)[-1]["copyright"] == 2
    assert submitted(fake)[-1]["source"] == "https://v.example/1"
    original = harness.request("pub-2", options={**DAILY, "source": "https://v.example/2"})
    issues = provider.validate(original)
    assert [(i.field, i.severity) for i in issues] == [("options.source", Severity.warning)]
    provider.start_publish(tokens, original, record=noop)
    assert "source" not in submitted(fake)[-1]
    assert errors(provider.validate(harness.request(options={**DAILY, "copyright": 3}))) == [
        ("options.copyright", "invalid_option")
    ]


def test_tag_length(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    fits = (*(f"tag{i:02d}" for i in range(33)), "x")  # 33×5 + 33 commas + 1 = 199
    assert len(",".join(fits)) == 199
    assert errors(provider.validate(harness.request(hashtags=fits))) == []
    over = (*fits[:-1], "xy")
    issues = [i for i in provider.validate(harness.request(hashtags=over)) if i.field == "hashtags"]
    assert [(i.code, i.params["length"], i.params["limit"]) for i in issues] == [
        ("too_long", 200, 199)
    ]
    with pytest.raises(Rejected, match="200 characters"):
        provider.start_publish(tokens, harness.request(hashtags=over), record=noop)
    assert fake.uploads() == 0
    provider.start_publish(tokens, harness.request(hashtags=fits), record=noop)
    assert submitted(fake)[0]["tag"] == ",".join(fits)
    no_tags = provider.validate(harness.request(hashtags=()))
    assert [(i.field, i.code, i.severity) for i in no_tags] == [
        ("hashtags", "empty", Severity.warning)
    ]


def test_title_and_description_limits(harness: CoverHarness) -> None:
    provider = harness.make_provider()
    assert errors(provider.validate(harness.request(title="标" * 79))) == []
    assert errors(provider.validate(harness.request(title="标" * 80))) == [("title", "too_long")]
    assert errors(provider.validate(harness.request(title=" "))) == [("title", "required")]
    # The description is the caption alone: hashtags go to the tags, not into the 249.
    fits = harness.request(caption="描" * 249, hashtags=("a" * 60, "b" * 60))
    assert errors(provider.validate(fits)) == []
    assert errors(provider.validate(harness.request(caption="描" * 250))) == [
        ("caption", "too_long")
    ]


def test_the_daily_cap_for_members_that_are_not_formal(
    harness: CoverHarness, fake: FakeBilibili
) -> None:
    provider, tokens = connect(harness)
    for n in range(5):
        provider.start_publish(tokens, harness.request(f"pub-{n}"), record=noop)
    with pytest.raises(Rejected) as caught:
        provider.start_publish(tokens, harness.request("pub-6"), record=noop)
    assert caught.value.platform_code == "200009"
    message = str(caught.value)
    assert "at most 5 videos a day" in message and "formal member" in message
    assert len(fake.archives) == 5
    fake.formal_member = True
    provider.start_publish(tokens, harness.request("pub-7"), record=noop)
    assert len(fake.archives) == 6


# --- review ---------------------------------------------------------------------------------------


def test_in_review_then_published(harness: CoverHarness, fake: FakeBilibili) -> None:
    fake.processing_polls = 2
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    states = [provider.check_publish(tokens, ticket) for _ in range(2)]
    assert all(isinstance(s, Pending) and s.detail.endswith("in review.") for s in states)
    assert fake.live_archives() == []
    state = provider.check_publish(tokens, ticket)
    bvid = ticket.data["resource_id"]
    assert isinstance(state, Published) and state.remote_id == bvid
    assert state.url == f"https://www.bilibili.com/video/{bvid}"
    assert bvid.startswith("BV1") and fake.live_archives() == [bvid]


def test_refused_in_review(harness: CoverHarness, fake: FakeBilibili) -> None:
    fake.reject_reason = "视频内容与所选分区不符"
    fake.processing_polls = 1
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    assert isinstance(provider.check_publish(tokens, ticket), Pending)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and state.permanent and state.platform_code == "-2"
    assert state.reason.format(**state.params) == (
        "Bilibili did not pass the archive in review: 视频内容与所选分区不符"
    )
    assert fake.live_archives() == []


def test_a_deleted_archive(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    fake.archives.clear()
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Failed) and state.platform_code == "-404"


def test_a_server_error_on_submit_is_outcome_unknown(
    harness: CoverHarness, fake: FakeBilibili
) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("500", endpoint="/arcopen/fn/archive/add-by-utoken")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=noop)


def test_a_lost_submit_answer_is_found_by_its_title(
    harness: CoverHarness, fake: FakeBilibili
) -> None:
    provider, tokens = connect(harness)
    fake.processing_polls = 0
    done = provider.start_publish(tokens, harness.request(), record=noop)
    lost = Ticket(
        reference=done.reference,
        data={k: v for k, v in done.data.items() if k != "resource_id"} | {"stage": "submitting"},
    )
    state = provider.check_publish(tokens, lost)
    # The list shows the archive still in review (-1); the next view opens it.
    assert isinstance(state, Pending) and fake.count("GET", "/arcopen/fn/archive/viewlist") == 1
    provider.check_publish(tokens, done)
    state = provider.check_publish(tokens, lost)
    assert isinstance(state, Published) and state.remote_id == done.data["resource_id"]


def test_a_dropped_submit_that_never_arrived_ends_failed(
    harness: CoverHarness, fake: FakeBilibili
) -> None:
    now = [datetime.now(UTC)]
    provider, tokens = connect(harness, clock=lambda: now[0])
    recorded: list[Ticket] = []
    fake.fail_next("drop", endpoint="/arcopen/fn/archive/add-by-utoken")
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert recorded[-1].data["stage"] == "submitting"
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Pending) and "whether the submission went through" in state.detail
    now[0] += timedelta(minutes=16)
    state = provider.check_publish(tokens, recorded[-1])
    assert isinstance(state, Failed) and not state.permanent and state.platform_code == "not_found"


# --- covers ---------------------------------------------------------------------------------------


def test_cover_rules(harness: CoverHarness, fake: FakeBilibili, tmp_path: Path) -> None:
    provider, tokens = connect(harness)

    def cover_issues(path: Path | None) -> list[tuple[str, Severity]]:
        issues = provider.validate(harness.request(cover=path))
        return [(i.code, i.severity) for i in issues if i.field == "cover"]

    assert cover_issues(None) == [("required", Severity.error)]
    assert cover_issues(tmp_path / "missing.jpg") == [("required", Severity.error)]
    assert cover_issues(image(tmp_path / "small.jpg", 640, 400)) == [("too_small", Severity.error)]
    assert cover_issues(image(tmp_path / "edge.jpg", 960, 600)) == []
    assert cover_issues(image(tmp_path / "tall.jpg", 1080, 1920)) == [
        ("portrait", Severity.warning)
    ]
    gif = tmp_path / "cover.gif"
    gif.write_bytes(b"GIF89a" + b"\0" * 64)
    assert cover_issues(gif) == [("format", Severity.error)]
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff\xd8\xff" + b"\0" * (5 * MiB))
    assert cover_issues(huge) == [("too_large", Severity.error)]
    with pytest.raises(Rejected, match="landscape cover"):
        provider.start_publish(tokens, harness.request(cover=None), record=noop)
    assert fake.uploads() == 0
    png = image(tmp_path / "cover.png", 1146, 717)
    provider.start_publish(tokens, harness.request(cover=png), record=noop)
    uploads = [r for r in fake.requests if r.path == "/arcopen/fn/archive/cover/upload"]
    assert b"Content-Type: image/png" in uploads[0].body


def test_image_facts(tmp_path: Path) -> None:
    jpeg = image_facts(image(tmp_path / "a.jpg", 1146, 717))
    assert jpeg is not None and (jpeg.content_type, jpeg.width, jpeg.height) == (
        "image/jpeg",
        1146,
        717,
    )
    png = image_facts(image(tmp_path / "a.png", 961, 601))
    assert png is not None and (png.content_type, png.width, png.height) == ("image/png", 961, 601)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0\x00")
    assert image_facts(broken) is None
    assert image_facts(tmp_path / "none.jpg") is None


# --- sign-in and signing --------------------------------------------------------------------------


def test_the_signature_matches_a_known_vector() -> None:
    """The vector a community client (MutsukiBot's Rust open-platform transport) checks."""
    headers = signed_headers(
        client_id="client",
        app_secret="secret",
        access_token="token",
        timestamp=1_700_000_000,
        nonce="nonce",
    )
    assert headers["Authorization"] == (
        "067cb46ddf6763508214215066d004ad617c757193fac465dc9b498234b51f97"
    )
    assert headers["x-bili-content-md5"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert headers["access-token"] == "token" and "secret" not in json.dumps(headers)


def test_a_wrong_app_secret_fails_the_signature(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    fake.app_secret = "rotated-in-the-console"
    with pytest.raises(ReauthRequired, match="app secret") as caught:
        provider.get_profile(tokens)
    assert caught.value.platform_code == "4002"
    assert fake.signature_failures == ["signature"]


def test_every_attempt_is_signed_afresh(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    fake.fail_next("503", endpoint="/arcopen/fn/user/account/info", times=2)
    assert provider.get_profile(tokens).remote_id == "bili-open-1"
    sent = [r for r in fake.requests if r.path == "/arcopen/fn/user/account/info"]
    nonces = {r.headers["x-bili-signature-nonce"] for r in sent}
    assert len(sent) == 3 and len(nonces) == 3, "a retry is not a replay"
    # The fake refuses a replayed nonce, so reusing one would have failed the third attempt.
    replay = httpx.get(f"{fake.url}{sent[-1].path}", headers=sent[-1].headers)
    assert replay.json()["code"] == 4004


def test_authorization_url_uses_gourl(harness: CoverHarness, fake: FakeBilibili) -> None:
    start = harness.make_provider().authorization_url("st")
    url = urlsplit(start.url)
    assert url.path == "/pc/account-pc/auth/oauth"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "client_id": fake.client_id,
        "gourl": REDIRECT,
        "state": "st",
    }
    assert fake.app_secret not in start.url


@pytest.mark.parametrize("absolute", [True, False])
def test_token_lifetimes_and_scopes(
    harness: CoverHarness, fake: FakeBilibili, absolute: bool
) -> None:
    fake.expires_in_absolute = absolute
    now = datetime.now(UTC)
    provider, tokens = connect(harness, clock=lambda: now)
    assert tokens.expires_at is not None
    assert abs(tokens.expires_at - (now + timedelta(days=30))) < timedelta(seconds=5)
    assert tokens.scopes == ("USER_INFO", "ARC_BASE")
    profile = provider.get_profile(tokens)
    assert (profile.remote_id, profile.handle) == ("bili-open-1", "HookLab 钩子实验室")
    assert profile.avatar_url == "https://i0.hdslb.com/bfs/face/hooklab.jpg"
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token and fresh.scopes == tokens.scopes


def test_without_arc_base_nothing_is_sent(harness: CoverHarness, fake: FakeBilibili) -> None:
    fake.app_scopes = ["USER_INFO"]
    provider, tokens = connect(harness)
    with pytest.raises(ReauthRequired, match="ARC_BASE"):
        provider.start_publish(tokens, harness.request(), record=noop)
    assert fake.uploads() == 0


def test_a_missing_permission_on_the_platform_names_it(
    harness: CoverHarness, fake: FakeBilibili
) -> None:
    provider, tokens = connect(harness)
    tokens = tokens.model_copy(update={"scopes": ()})  # an old connection: scopes unknown
    fake.token_scopes[tokens.access_token] = ("USER_INFO",)
    with pytest.raises(ReauthRequired, match="ARC_BASE permission") as caught:
        provider.start_publish(tokens, harness.request(), record=noop)
    assert caught.value.platform_code == "127011"


def test_an_expired_token_on_a_read(harness: CoverHarness, fake: FakeBilibili) -> None:
    provider, tokens = connect(harness)
    ticket = provider.start_publish(tokens, harness.request(), record=noop)
    fake.expire_tokens()
    with pytest.raises(AuthExpired) as caught:
        provider.check_publish(tokens, ticket)
    assert caught.value.platform_code == "127001" and "request_id" in caught.value.detail


# --- the fake itself ------------------------------------------------------------------------------


def test_the_fake_enforces_the_upload_protocol(harness: CoverHarness, fake: FakeBilibili) -> None:
    """The fake refuses what Bilibili documents it refuses, so passing means something."""
    _, tokens = connect(harness)

    def call(method: str, path: str, body: bytes = b"", **kw: Any) -> dict[str, Any]:
        headers = signed_headers(
            client_id=fake.client_id,
            app_secret=fake.app_secret,
            access_token=tokens.access_token,
            timestamp=int(datetime.now(UTC).timestamp()),
            nonce=os.urandom(8).hex(),
            body=body if kw.get("json_body") else b"",
        )
        if kw.pop("json_body", False):
            headers["Content-Type"] = "application/json"
        return dict(
            httpx.request(method, f"{fake.url}{path}", content=body, headers=headers, **kw).json()
        )

    unsigned = httpx.get(f"{fake.url}/arcopen/fn/user/account/info").json()
    assert unsigned["code"] == 4002
    init = json.dumps({"name": "v.mp4", "utype": "0"}).encode()
    token = call("POST", "/arcopen/fn/archive/video/init", init, json_body=True)["data"][
        "upload_token"
    ]
    part = "/video/v2/part/upload"
    too_big = call(
        "POST", part, b"\0" * (8 * MiB + 1), params={"upload_token": token, "part_number": 1}
    )
    assert too_big["code"] == 4000
    assert call("POST", part, b"ab", params={"upload_token": token, "part_number": 2})["code"] == 0
    gap = call("POST", "/arcopen/fn/archive/video/complete", params={"upload_token": token})
    assert gap["code"] == 4000  # part 1 is missing
    assert (
        call("POST", part, b"\0" * 100, params={"upload_token": token, "part_number": 1})["code"]
        == 0
    )
    short = call("POST", "/arcopen/fn/archive/video/complete", params={"upload_token": token})
    assert short["code"] == 4000  # part 1 is not 8 MiB although another follows
    early = json.dumps({"title": "t", "tid": 21, "copyright": 1, "cover": "x"}).encode()
    submit = "/arcopen/fn/archive/add-by-utoken"
    refused = call("POST", submit, early, json_body=True, params={"upload_token": token})
    assert refused["code"] == 4000 and "cover" in refused["message"]
    tampered = signed_headers(
        client_id=fake.client_id,
        app_secret=fake.app_secret,
        access_token=tokens.access_token,
        timestamp=int(datetime.now(UTC).timestamp()),
        nonce="n",
        body=b"{}",
    )
    answer = httpx.post(
        f"{fake.url}/arcopen/fn/archive/video/init",
        content=b'{"name":"other.mp4"}',
        headers={**tampered, "Content-Type": "application/json"},
    ).json()
    assert answer["code"] == 4002 and fake.signature_failures[-1] == "content md5"


# --- the envelope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "token_endpoint", "expected"),
    [
        (200, {"code": 0, "message": "0", "data": {}}, False, None),
        (200, {"code": 127001, "message": "token expired"}, False, AuthExpired),
        (200, {"code": 122007}, False, AuthExpired),
        (200, {"code": 122000}, True, ReauthRequired),  # the refresh token is spent
        (200, {"code": 127011}, False, ReauthRequired),
        (200, {"code": 4002}, False, ReauthRequired),
        (200, {"code": 127009}, False, RateLimited),
        (200, {"code": 123026}, True, RateLimited),
        (429, {"code": -429}, False, RateLimited),
        (200, {"code": -500}, False, Transient),
        (503, {}, False, Transient),
        (200, {"code": 200009}, False, Rejected),
        (200, {"code": 123013}, False, Rejected),
        (200, {"code": 4000}, False, Rejected),
        (200, {"code": 987654}, False, Rejected),
    ],
)
def test_codes_map_to_the_closed_set(
    status: int, body: dict[str, Any], token_endpoint: bool, expected: type | None
) -> None:
    found = classify(httpx.Response(status, json=body), token_endpoint=token_endpoint)
    if expected is None:
        assert found is None
    else:
        assert found is not None and type(found) is expected, found
        if "code" in body:
            assert found.platform_code == str(body["code"])
