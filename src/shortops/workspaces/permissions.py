"""Roles, permissions and token scopes: the one table every access check reads."""

from __future__ import annotations

import enum

from shortops.errors import N_
from shortops.models import Role


class Permission(enum.StrEnum):
    read = "read"  # see the workspace's content
    analyze = "analyze"  # see metrics, exports and money
    write = "write"  # create and change content, schedule, reply
    import_metrics = "import_metrics"  # import platform export files (analysts do this too)
    manage_members = "manage_members"
    manage_workspace = "manage_workspace"
    view_audit = "view_audit"
    manage_own_tokens = "manage_own_tokens"


class Scope(enum.StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


ROLE_RANK = {Role.viewer: 0, Role.analyst: 1, Role.editor: 2, Role.admin: 3, Role.owner: 4}

ROLE_LABELS = {
    Role.owner: N_("Owner"),
    Role.admin: N_("Admin"),
    Role.editor: N_("Editor"),
    Role.analyst: N_("Analyst"),
    Role.viewer: N_("Viewer"),
}

# Lowest role that holds each permission.
_MIN_ROLE = {
    Permission.read: Role.viewer,
    Permission.analyze: Role.analyst,
    Permission.write: Role.editor,
    Permission.import_metrics: Role.analyst,
    Permission.manage_members: Role.admin,
    Permission.manage_workspace: Role.admin,
    Permission.view_audit: Role.admin,
    Permission.manage_own_tokens: Role.viewer,
}

# What an API token must carry to use each permission.
_SCOPE_FOR = {
    Permission.read: Scope.read,
    Permission.analyze: Scope.read,
    Permission.write: Scope.write,
    Permission.import_metrics: Scope.write,
    Permission.manage_members: Scope.admin,
    Permission.manage_workspace: Scope.admin,
    Permission.view_audit: Scope.admin,
    # A leaked read token must not be able to mint fresh tokens that outlive its revocation.
    Permission.manage_own_tokens: Scope.admin,
}


def role_allows(role: Role, permission: Permission) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[_MIN_ROLE[permission]]


def scope_for(permission: Permission) -> Scope:
    return _SCOPE_FOR[permission]


def scopes_allowed_for(role: Role) -> set[Scope]:
    """The scopes a member with `role` may put on a token: never more than the role can do."""
    allowed = {Scope.read}
    if role_allows(role, Permission.write) or role_allows(role, Permission.import_metrics):
        allowed.add(Scope.write)
    if role_allows(role, Permission.manage_workspace):
        allowed.add(Scope.admin)
    return allowed


def can_assign_role(actor_role: Role, target_role: Role) -> bool:
    """Admins manage everyone below owner; only an owner creates or changes owners."""
    if actor_role == Role.owner:
        return True
    return role_allows(actor_role, Permission.manage_members) and target_role != Role.owner
