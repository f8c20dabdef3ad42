"""All ORM models, one module per aggregate. Importing this package registers every table."""

from shortops.models.account import Account, AccountStatus
from shortops.models.media import AssetKind, MediaAsset
from shortops.models.media_presets import CustomProfile, EditTemplate
from shortops.models.metrics import AccountSnapshot, MetricSnapshot, SnapshotSource
from shortops.models.publishing import Post, Publication, PublicationStatus
from shortops.models.rendition import LIVE_RENDITION_STATUSES, Rendition, RenditionStatus
from shortops.models.system import WorkerHeartbeat
from shortops.models.upload import UploadSession, UploadStatus
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
    "LIVE_RENDITION_STATUSES",
    "Account",
    "AccountSnapshot",
    "AccountStatus",
    "ApiToken",
    "AssetKind",
    "AuditEvent",
    "CustomProfile",
    "EditTemplate",
    "LoginThrottle",
    "MediaAsset",
    "Membership",
    "MetricSnapshot",
    "Post",
    "Publication",
    "PublicationStatus",
    "Rendition",
    "RenditionStatus",
    "Role",
    "SnapshotSource",
    "UploadSession",
    "UploadStatus",
    "User",
    "WorkerHeartbeat",
    "Workspace",
]
