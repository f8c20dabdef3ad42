"""A manual post marked live: shortops then checks that the pasted link answers.

The "platform" is a real HTTP server on loopback; the client's transport sends the requests for
xiaohongshu.com there (the only thing faked is where the address resolves to).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from shortops.models import Account, Notification, NotificationKind, Publication
from shortops.publishing import linkcheck
from shortops.publishing.flows import complete_manual
from tests.publishing.conftest import World
from tests.publishing.test_manual import _kit

LIVE = "/explore/65a1b2c3"
MOVED = "/discovery/item/65a1b2c3"


class _Platform(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == MOVED:
            self.send_response(301)
            self.send_header("Location", LIVE)
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        status = 200 if self.path == LIVE else 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<html>note</html>" if status == 200 else b"gone")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _ToLoopback(httpx.HTTPTransport):
    """Sends every request to `base` instead of the host it names."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = httpx.URL(base)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.base.scheme, host=self.base.host, port=self.base.port
        )
        return super().handle_request(request)


def _client(base: str) -> linkcheck.ClientFactory:
    def factory() -> httpx.Client:
        return httpx.Client(transport=_ToLoopback(base), follow_redirects=True, timeout=5)

    return factory


def _live(world: World, account: Account, path: str) -> Publication:
    publication = _kit(world, account)
    url = f"https://www.xiaohongshu.com{path}"
    complete_manual(world.session, publication=world.reload(publication), url=url,
                    actor=world.actor)  # fmt: skip
    world.session.commit()
    return publication


def test_a_link_that_answers_is_noted_in_the_timeline(
    world: World, manual: Account, platform: str
) -> None:
    publication = _live(world, manual, MOVED)  # redirected to the post: still answers
    answer = linkcheck.check_live_link(world.settings, publication.id,
                                       client_factory=_client(platform))  # fmt: skip
    assert answer == linkcheck.LinkAnswer(True, 200, linkcheck.ANSWERS, {"status": 200})
    row = world.reload(publication)
    assert row.verification["link"]["ok"] is True and row.verification["link"]["status"] == 200
    assert world.events(publication)[-1] == "The link answers (HTTP 200)."
    assert not world.notifications(NotificationKind.live_link_broken)


def test_a_link_that_does_not_answer_says_what_to_do(
    world: World, manual: Account, platform: str
) -> None:
    publication = _live(world, manual, "/explore/typo")
    answer = linkcheck.check_live_link(world.settings, publication.id,
                                       client_factory=_client(platform))  # fmt: skip
    assert answer is not None and not answer.ok and answer.status == 404
    row = world.reload(publication)
    assert row.status.value == "published"  # a person said it is live; the check only warns
    assert row.verification["link"]["ok"] is False
    assert world.events(publication)[-1] == (
        "The link answers HTTP 404, an error. Check that it is the post's public link, and "
        "paste it again if not."
    )
    (notice,) = world.notifications(NotificationKind.live_link_broken)
    assert isinstance(notice, Notification)
    assert notice.link == f"/publish/publications/{publication.id}"


def test_nothing_answering_at_all_is_a_clear_reason() -> None:
    closed = httpx.Client(transport=_ToLoopback("http://127.0.0.1:9"), timeout=2)
    answer = linkcheck.ask("https://www.xiaohongshu.com/explore/x", closed)
    assert not answer.ok and answer.status is None and answer.message == linkcheck.UNREACHABLE
    assert answer.params == {"error": "ConnectError"}


def test_a_redirect_loop_is_not_an_answer(platform: str) -> None:
    client = _client(platform)()
    answer = linkcheck.ask("https://www.xiaohongshu.com/loop", client)
    assert not answer.ok and answer.message == linkcheck.LOOPS


def test_only_manual_posts_marked_live_are_checked(world: World) -> None:
    (publication,) = world.schedule(world.account)
    assert linkcheck.check_live_link(world.settings, publication.id) is None
