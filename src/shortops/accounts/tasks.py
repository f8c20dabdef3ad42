"""Worker tasks of accounts: keep tokens fresh ahead of expiry, forget sign-ins never finished."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from shortops.accounts import flows, service
from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.errors import ShortopsError
from shortops.kit.clock import utcnow
from shortops.worker.queue import periodic

log = logging.getLogger("shortops.accounts")

# Sign-ins are refused after 15 minutes; their rows are kept a day for support, then dropped.
ATTEMPTS_KEPT = timedelta(days=1)


@periodic(minute="*/5")
def refresh_tokens() -> None:
    """Refresh every connected account whose token runs out within its platform's margin."""
    refresh_due_accounts()


def refresh_due_accounts() -> Counter[str]:
    """Refresh what is due; how many accounts ended how (RefreshOutcome values).

    Each account is refreshed in its own transaction holding its lock, so one slow or broken
    platform does not hold up the others, and the publishing engine refreshing the same account
    at the same moment waits instead of spending the refresh token twice.
    """
    settings = get_settings()
    with session_scope(settings) as session:
        due = service.accounts_due_for_refresh(session, now=utcnow(), margin=flows.REFRESH_AHEAD)
        service.delete_stale_attempts(session, older_than=utcnow() - ATTEMPTS_KEPT)
    outcomes: Counter[str] = Counter()
    for account_id in due:
        try:
            with session_scope(settings) as session:
                outcome = flows.refresh_account(session, account_id=account_id)
        except ShortopsError as exc:  # e.g. AccountBusy: the next run tries again
            log.warning("account %s not refreshed: %s", account_id, exc)
            outcome = flows.RefreshOutcome.failed
        outcomes[outcome.value] += 1
    if due:
        log.info("token refresh: %s", dict(outcomes))
    return outcomes
