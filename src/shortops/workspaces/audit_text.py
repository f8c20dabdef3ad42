"""The audit log in words: each action as a sentence and its details as labelled values, in the
reader's language (the log itself keeps stable codes, which the API and exports return)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shortops.errors import N_
from shortops.models import AuditEvent, Role
from shortops.workspaces.permissions import ROLE_LABELS

Gettext = Callable[[str], str]

ACTIONS = {
    "setup.completed": N_("Set up shortops"),
    "login.succeeded": N_("Signed in"),
    "login.failed": N_("Failed to sign in"),
    "password.changed": N_("Changed their password"),
    "password.reset": N_("An operator set a new password"),
    "sessions.ended": N_("Signed out their other sessions"),
    "user.created": N_("Created a user"),
    "workspace.created": N_("Created the workspace"),
    "workspace.updated": N_("Changed the workspace settings"),
    "member.added": N_("Added a member"),
    "member.role_changed": N_("Changed a member's role"),
    "member.removed": N_("Removed a member"),
    "token.created": N_("Created an API token"),
    "token.revoked": N_("Revoked an API token"),
    "account.created": N_("Added an account for imported figures"),
    "account.connected": N_("Connected an account"),
    "account.reconnected": N_("Connected an account again"),
    "account.disconnected": N_("Disconnected an account"),
    "account.needs_reauth": N_("An account needs signing in again"),
    "platform_app.saved": N_("Saved a platform's app credentials"),
    "platform_app.deleted": N_("Removed a platform's app credentials"),
    "asset.imported": N_("Added a file to the library"),
    "asset.deleted": N_("Deleted a file from the library"),
    "profile.created": N_("Added a platform profile"),
    "profile.deleted": N_("Deleted a platform profile"),
    "template.created": N_("Saved an edit template"),
    "template.updated": N_("Changed an edit template"),
    "template.deleted": N_("Deleted an edit template"),
    "renditions.requested": N_("Asked for renditions"),
    "rendition.cancelled": N_("Cancelled a rendition"),
    "post.created": N_("Created a post"),
    "post.duplicated": N_("Duplicated a post"),
    "publication.rescheduled": N_("Rescheduled a publication"),
    "publication.cancelled": N_("Cancelled a publication"),
    "publication.completed": N_("Marked a publication as published"),
    "publication.retried": N_("Retried a failed publication"),
    "publication.reviewed": N_("Resolved a publication that needed review"),
    "notification_settings.saved": N_("Changed the notification settings"),
    "metrics.imported": N_("Imported a figures file"),
    "metrics.mapping_saved": N_("Saved a column mapping for imports"),
    "competitor.added": N_("Started tracking a competitor"),
    "competitor.removed": N_("Stopped tracking a competitor"),
    "report.made": N_("Made a report"),
    "report.scheduled": N_("Scheduled a report"),
}

TARGETS = {
    "workspace": N_("Workspace"),
    "user": N_("User"),
    "api_token": N_("API token"),
    "account": N_("Account"),
    "platform_app": N_("Platform app"),
    "media_asset": N_("File"),
    "custom_profile": N_("Profile"),
    "edit_template": N_("Template"),
    "rendition": N_("Rendition"),
    "post": N_("Post"),
    "publication": N_("Publication"),
    "notification_settings": N_("Notifications"),
    "metric_import": N_("Import"),
    "import_mapping": N_("Column mapping"),
    "report": N_("Report"),
    "competitor": N_("Competitor"),
    "report_schedule": N_("Report schedule"),
}

FIELDS = {
    "name": N_("Name"),
    "email": N_("Email"),
    "role": N_("Role"),
    "from": N_("From"),
    "to": N_("To"),
    "scopes": N_("Scopes"),
    "platform": N_("Platform"),
    "handle": N_("Handle"),
    "import_only": N_("Figures only"),
    "detail": N_("Detail"),
    "client_id": N_("Client ID"),
    "secret_changed": N_("Secret changed"),
    "filename": N_("File"),
    "file": N_("File"),
    "sha256": N_("SHA-256"),
    "size": N_("Size (bytes)"),
    "renditions": N_("Renditions"),
    "slug": N_("Slug"),
    "profile": N_("Profile"),
    "profiles": N_("Profiles"),
    "from_post": N_("Copied from post"),
    "post_id": N_("Post"),
    "account_id": N_("Account"),
    "url": N_("Link"),
    "outcome": N_("Outcome"),
    "kind": N_("Kind"),
    "start": N_("From"),
    "enabled": N_("On"),
    "timezone": N_("Time zone"),
    "currency": N_("Currency"),
    "title": N_("Title"),
    "accounts": N_("Accounts"),
    "scheduled_at": N_("Time"),
    "template_id": N_("Template"),
    "publications": N_("Publications"),
    "webhook": N_("Webhook"),
    "kinds": N_("Kinds"),
    "rows": N_("Rows"),
    "matched": N_("Matched"),
    "created": N_("Created"),
    "skipped": N_("Skipped"),
    "sessions_ended": N_("Sessions signed out"),
}
YES, NO = N_("yes"), N_("no")
ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class AuditLine:
    sentence: str
    target: str
    details: list[tuple[str, str]]


def describe(event: AuditEvent, gettext: Gettext) -> AuditLine:
    """`event` for people: a sentence (the code itself for an action this version does not know),
    its target, and each detail as (label, value) with text as written, never escaped."""
    template = ACTIONS.get(event.action)
    sentence = gettext(template) if template else event.action
    target_label = TARGETS.get(event.target_type)
    target = ""
    if event.target_type:
        kind = gettext(target_label) if target_label else event.target_type
        target = f"{kind} {event.target_id}".strip()
    details = [
        (gettext(FIELDS[key]) if key in FIELDS else key, _value(value, gettext))
        for key, value in (event.data or {}).items()
        if value is not None and value != ""
    ]
    return AuditLine(sentence=sentence, target=target, details=details)


def _value(value: Any, gettext: Gettext) -> str:
    if isinstance(value, str) and value in ROLE_VALUES:
        return gettext(ROLE_LABELS[Role(value)])
    if isinstance(value, bool):
        return gettext(YES if value else NO)
    if isinstance(value, list | tuple):
        return ", ".join(_value(item, gettext) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
