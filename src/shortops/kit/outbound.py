"""Outbound connections to hosts a user typed in (webhooks, SMTP servers, platform endpoints an
admin overrides, links pasted as live posts): only public ones.

Otherwise a workspace owner could make the server connect to its own network (databases, cloud
metadata at 169.254.169.254, admin ports) and read the outcome like a port scanner. The host is
resolved first and every address it resolves to must be global; an operator whose webhooks or
mail server live on the local network sets SHORTOPS_ALLOW_PRIVATE_TARGETS=true.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

from shortops.config import get_settings
from shortops.errors import N_, InvalidInput


class PrivateTargetRefused(InvalidInput):
    code = "private_target"
    template = N_(
        "{host} resolves to {address}, a private or local address, and shortops does not "
        "connect there. Use a public address, or set SHORTOPS_ALLOW_PRIVATE_TARGETS=true if "
        "this server is meant to reach your own network."
    )


def ensure_public(host: str, port: int) -> None:
    """Refuse `host` when any address it resolves to is not a public one.

    A name that does not resolve passes: the connection then fails with its own clear error.
    """
    if get_settings().allow_private_targets:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        address = _address(str(info[4][0]))
        if not address.is_global or address.is_multicast:
            raise PrivateTargetRefused(host=host, address=str(address))


def refuse_private_request(request: httpx.Request) -> None:
    """An httpx request hook: every request (redirects included) goes to a public address."""
    ensure_public(
        request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
    )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return address
