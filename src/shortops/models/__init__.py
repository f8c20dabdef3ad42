"""All ORM models, one module per aggregate. Importing this package registers every table."""

from shortops.models.account import Account, AccountStatus
from shortops.models.media import MediaAsset
from shortops.models.metrics import AccountSnapshot, MetricSnapshot, SnapshotSource
from shortops.models.publishing import Post, Publication, PublicationStatus
from shortops.models.system import WorkerHeartbeat
from shortops.models.workspace import (
    ApiToken,
    AuditEvent,
    LoginThrottle,
    Membership,
    Role,
    User,
    Workspace,
)

__all__ = [
    "Account",
    "AccountSnapshot",
    "AccountStatus",
    "ApiToken",
    "AuditEvent",
    "LoginThrottle",
    "MediaAsset",
    "Membership",
    "MetricSnapshot",
    "Post",
    "Publication",
    "PublicationStatus",
    "Role",
    "SnapshotSource",
    "User",
    "WorkerHeartbeat",
    "Workspace",
]
