"""Webhooks and SMTP servers on the server's own network are refused (issue "Security and
robustness", F3): a workspace owner cannot make the server probe internal addresses."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from shortops.config import get_settings
from shortops.kit import outbound
from shortops.notifications import flows
from tests import factories
from tests.notifications.conftest import Team
from tests.notifications.receivers import WebhookReceiver

INTERNAL = [
    "127.0.0.1", "10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1",
]  # fmt: skip


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """The default of a real install: private targets refused."""
    monkeypatch.setenv("SHORTOPS_ALLOW_PRIVATE_TARGETS", "false")
    get_settings.cache_clear()
    assert get_settings().allow_private_targets is False


@pytest.mark.parametrize("host", INTERNAL)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(
    strict: None, host: str
) -> None:
    with pytest.raises(outbound.PrivateTargetRefused) as refused:
        outbound.ensure_public(host, 443)
    assert "SHORTOPS_ALLOW_PRIVATE_TARGETS" in refused.value.render()


def test_a_hostname_is_judged_by_what_it_resolves_to(strict: None) -> None:
    with pytest.raises(outbound.PrivateTargetRefused) as refused:
        outbound.ensure_public("localhost", 80)
    assert refused.value.params["host"] == "localhost"
    outbound.ensure_public("8.8.8.8", 443)  # a public address passes (nothing is sent here)


def test_send_test_refuses_an_internal_webhook_and_smtp_without_connecting(
    strict: None, team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    csrf = factories.csrf(team.client, "/settings/notifications")
    saved = team.client.post(
        "/settings/notifications",
        data={
            "csrf_token": csrf,
            "webhook_url": receiver.url,
            "email_to": "ops@studio.example",
            "smtp_host": "127.0.0.1",
            "smtp_port": "25",
            "kinds": ["needs_reauth"],
        },
    )
    assert saved.status_code == 200
    result = team.client.post("/settings/notifications/test", data={"csrf_token": csrf})
    assert result.status_code == 200
    assert result.text.count("a private or local address") == 2  # webhook and e-mail
    assert "connection refused" not in result.text.lower()
    assert receiver.hits == []  # the receiver on 127.0.0.1 heard nothing


def test_the_operator_may_allow_their_own_network(team: Team, receiver: WebhookReceiver) -> None:
    assert get_settings().allow_private_targets is True
    flows.send_webhook(url=receiver.url, secret="s", payload={"kind": "x"}, idempotency_key="k")
    assert len(receiver.hits) == 1


def test_platform_endpoints_and_pasted_links_are_held_to_the_same_rule(strict: None) -> None:
    """An admin may point a platform at another endpoint, and a pasted live link may redirect
    anywhere: neither reaches the server's own network."""
    import httpx

    from shortops.providers.http import Http
    from shortops.publishing import linkcheck

    platform = Http("tiktok", timeout_s=2)
    with pytest.raises(outbound.PrivateTargetRefused):
        platform.client.get("http://169.254.169.254/latest/meta-data/")
    platform.close()
    answer = linkcheck.ask("http://127.0.0.1:9/explore/1", linkcheck.default_client())
    assert not answer.ok and answer.message == linkcheck.PRIVATE
    assert answer.params == {"host": "127.0.0.1"}

    def redirect_inward(request: httpx.Request) -> httpx.Response:
        if request.url.host == "8.8.8.8":
            return httpx.Response(302, headers={"Location": "http://10.0.0.7/admin"})
        return httpx.Response(200)

    client = httpx.Client(
        transport=httpx.MockTransport(redirect_inward),
        follow_redirects=True,
        event_hooks={"request": [outbound.refuse_private_request]},
    )
    answer = linkcheck.ask("http://8.8.8.8/post/1", client)
    assert answer.message == linkcheck.PRIVATE and answer.params == {"host": "10.0.0.7"}
