"""All ORM models, one module per aggregate. Importing this package registers every table."""

from shortops.models.account import Account, AccountStatus, OAuthAttempt, PlatformApp
from shortops.models.competitor import (
    Competitor,
    CompetitorPost,
    CompetitorSnapshot,
    CompetitorSource,
)
from shortops.models.media import AssetKind, MediaAsset
from shortops.models.media_presets import CustomProfile, EditTemplate
from shortops.models.metrics import (
    AccountCurve,
    AccountDay,
    AccountPeriod,
    AccountSnapshot,
    AlertKind,
    AudienceActivity,
    DayOrigin,
    ImportMapping,
    ImportStatus,
    MetricAlert,
    MetricDay,
    MetricImport,
    MetricPeriod,
    MetricSnapshot,
    PublicationFigures,
    SnapshotSource,
)
from shortops.models.notification import Notification, NotificationKind, NotificationSettings
from shortops.models.publishing import (
    ACTIVE_PUBLICATION_STATUSES,
    Post,
    Publication,
    PublicationEvent,
    PublicationStatus,
)
from shortops.models.rendition import LIVE_RENDITION_STATUSES, Rendition, RenditionStatus
from shortops.models.report import Report, ReportKind, ReportSchedule
from shortops.models.system import WorkerHeartbeat
from shortops.models.upload import UploadSession, UploadStatus
from shortops.models.workspace import (
    ApiToken,
    AuditEvent,
    LoginThrottle,
    Membership,
    Role,
    User,
    WebSession,
    Workspace,
)

__all__ = [
    "ACTIVE_PUBLICATION_STATUSES",
    "LIVE_RENDITION_STATUSES",
    "Account",
    "AccountCurve",
    "AccountDay",
    "AccountPeriod",
    "AccountSnapshot",
    "AccountStatus",
    "AlertKind",
    "ApiToken",
    "AssetKind",
    "AudienceActivity",
    "AuditEvent",
    "Competitor",
    "CompetitorPost",
    "CompetitorSnapshot",
    "CompetitorSource",
    "CustomProfile",
    "DayOrigin",
    "EditTemplate",
    "ImportMapping",
    "ImportStatus",
    "LoginThrottle",
    "MediaAsset",
    "Membership",
    "MetricAlert",
    "MetricDay",
    "MetricImport",
    "MetricPeriod",
    "MetricSnapshot",
    "Notification",
    "NotificationKind",
    "NotificationSettings",
    "OAuthAttempt",
    "PlatformApp",
    "Post",
    "Publication",
    "PublicationEvent",
    "PublicationFigures",
    "PublicationStatus",
    "Rendition",
    "RenditionStatus",
    "Report",
    "ReportKind",
    "ReportSchedule",
    "Role",
    "SnapshotSource",
    "UploadSession",
    "UploadStatus",
    "User",
    "WebSession",
    "WorkerHeartbeat",
    "Workspace",
]
