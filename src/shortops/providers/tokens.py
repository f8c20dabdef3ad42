"""Reading a platform's token answer (sign-in and refresh), the one way the providers do it.

Each platform names its fields a little differently (scope lists as a list or a comma string,
lifetimes in seconds), and a refresh answer often leaves out what did not change (the refresh
token on platforms that do not rotate it, the scopes, the user's id): what is left out is kept
from the previous tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shortops.providers.errors import ReauthRequired
from shortops.providers.parsing import number
from shortops.providers.types import Tokens


def access_token(answer: Mapping[str, Any], *, platform: str) -> str:
    """The answer's access token; without one the sign-in did not happen (ReauthRequired)."""
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise ReauthRequired(platform=platform, detail="the token answer has no access_token")
    return access


def expires_after(now: datetime, seconds: Any) -> datetime | None:
    """`now` plus a lifetime in seconds; None for a lifetime that is missing or not positive."""
    found = number(seconds)
    return now + timedelta(seconds=found) if found is not None and found > 0 else None


def scope_list(value: Any, *, separator: str = ",") -> tuple[str, ...]:
    """Scopes given as a JSON list or as one string ("a,b" or "a b")."""
    if isinstance(value, list):
        return tuple(str(v) for v in value if v)
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(separator) if part.strip())
    return ()


def refresh_token(value: Any, previous: Tokens | None) -> str | None:
    """The answer's refresh token, or the previous one when the answer has none."""
    if value:
        return str(value)
    return previous.refresh_token if previous else None


def remote_id(value: Any, previous: Tokens | None) -> str | None:
    """The user's id on the platform from the answer, or the one known before."""
    if value:
        return str(value)
    return previous.remote_id if previous else None
