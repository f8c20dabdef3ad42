"""HTTP for providers: reads retry with backoff and honour Retry-After; mutations never retry.

A provider hands every response to its `classify` function, which turns the platform's envelope
into one of the closed errors (or None for success). Around that:

- `read()` (GET, status polls, metric fetches) tries again on `Transient` and `RateLimited`
  and on network failures, waiting `Retry-After` when the platform sends one (capped), else
  exponential backoff with jitter; after the last attempt the error goes to the caller.
- `mutate()` (token exchange, upload init, chunk transfer, publish, reply) is sent once. A
  failure to connect means nothing was sent: `Transient`. A failure after the request went out
  (timeout, dropped connection) means the platform may have acted: `OutcomeUnknown`.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from shortops.kit import outbound
from shortops.providers.errors import OutcomeUnknown, ProviderError, RateLimited, Transient

Classify = Callable[[httpx.Response], ProviderError | None]

DEFAULT_TIMEOUT_S = 30.0
READ_ATTEMPTS = 4
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
# A Retry-After longer than this is not waited out inside one task: the error goes up and the
# engine schedules the next try.
MAX_INLINE_WAIT_S = 60.0


def retry_after_seconds(response: httpx.Response, default: float = 60.0) -> float:
    """`Retry-After` as seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Http:
    """One platform's HTTP client with the retry rules above."""

    def __init__(
        self,
        platform: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        read_attempts: int = READ_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.platform = platform
        self.read_attempts = max(1, read_attempts)
        self.sleep = sleep
        # Platform endpoints can be overridden per workspace (Settings → Platforms): a test
        # transport aside, every request must go to a public address.
        hooks = {"request": [outbound.refuse_private_request]} if transport is None else {}
        self.client = httpx.Client(
            timeout=timeout_s, transport=transport, follow_redirects=False, event_hooks=hooks
        )

    def close(self) -> None:
        self.client.close()

    def read(self, method: str, url: str, *, classify: Classify, **kwargs: Any) -> httpx.Response:
        """Send a request that changes nothing; retried on transient failures."""
        for attempt in range(1, self.read_attempts + 1):
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                error: ProviderError = Transient(platform=self.platform, detail=_network(exc))
            else:
                found = classify(response)
                if found is None:
                    return response
                error = found
            if not isinstance(error, Transient | RateLimited) or attempt == self.read_attempts:
                raise error
            wait = self._wait(error, attempt)
            if wait > MAX_INLINE_WAIT_S:
                raise error
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def mutate(self, method: str, url: str, *, classify: Classify, **kwargs: Any) -> httpx.Response:
        """Send a request that changes something, exactly once."""
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise Transient(platform=self.platform, detail=_network(exc)) from None
        except httpx.TransportError as exc:
            raise OutcomeUnknown(platform=self.platform, detail=_network(exc)) from None
        error = classify(response)
        if error is not None:
            raise error
        return response

    @staticmethod
    def _wait(error: ProviderError, attempt: int) -> float:
        if isinstance(error, RateLimited):
            return error.retry_after_s
        backoff: float = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)


def _network(exc: httpx.TransportError) -> str:
    name = type(exc).__name__
    return f"{name}: {exc}" if str(exc) else name


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, or {} when it has none (error pages, empty bodies)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
