"""Secrets never reach the logs: OAuth codes, tokens and signatures in logged addresses are
replaced by "[redacted]" (the access log writes every request's full path and query)."""

from __future__ import annotations

import logging
import re

# Query parameters whose values grant something: OAuth codes and states, tokens, signatures.
SECRET_PARAMS = (
    "code", "state", "token", "access_token", "refresh_token", "id_token", "client_secret",
    "secret", "password", "signature", "sig", "ticket", "auth_code", "authorization_code",
)  # fmt: skip
_SECRET_QUERY = re.compile(
    r"(?P<key>(?:^|[?&])(?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s]*", re.IGNORECASE
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` (a path with its query, or a log line) with secret query values replaced."""
    return _SECRET_QUERY.sub(lambda match: match.group("key") + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites the arguments of a log record (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Add the filter to the loggers that write addresses (once, however often it is called)."""
    for name in ("uvicorn.access", "uvicorn.error", "httpx"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
