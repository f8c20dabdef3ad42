"""Manual publishing: an assisted kit for platforms and accounts without API access.

shortops prepares everything (rendition, cover, title, caption with topics, the checklist of
declarations: see kit.py); the operator posts it on the platform's own page and pastes the live
URL back, which completes the publication. The provider's part is small: `start_publish`
records the kit's reference and `check_publish` waits for the operator.
"""

from __future__ import annotations

from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.manual.kit import (
    PRESETS,
    Kit,
    ManualOptions,
    build_kit,
    kit_issues,
    limits_for,
    link_on_platform,
    preset_for,
)
from shortops.providers.types import (
    Capability,
    Issue,
    Pending,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)

# The operator may take hours; there is nothing to ask the platform in between.
OPERATOR_POLL_S = 3600.0


class ManualProvider(Provider):
    slug = "manual"
    name = "Manual"
    capabilities = frozenset({Capability.publish})
    options_model = ManualOptions
    uses_oauth = False

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        """The limits of the platform the account is on (options.platform_label)."""
        issues = self._check_options(request.options)
        if issues:
            return issues
        label = ManualOptions.model_validate(request.options).platform_label
        return kit_issues(preset_for(label), request)

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        """Nothing is sent anywhere: the kit is ready for the operator."""
        label = ManualOptions.model_validate(request.options).platform_label
        ticket = Ticket(
            reference=f"kit-{request.idempotency_key}",
            data={"platform": preset_for(label).key, "platform_label": label},
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """Always pending: the operator completes it by pasting the live URL."""
        return Pending(detail="waiting for the operator", poll_after_s=OPERATOR_POLL_S)


__all__ = [
    "PRESETS",
    "Kit",
    "ManualOptions",
    "ManualProvider",
    "build_kit",
    "kit_issues",
    "limits_for",
    "link_on_platform",
    "preset_for",
]
