"""A workspace with two platforms' figures over two weeks, for dashboard and report tests.

Written through `apply.apply_export`, the path every import takes, from exports shaped as
the importers produce them: YouTube (channel days, lifetime post figures) and TikTok (Overview
days). Week A = 2026-11-16..22, week B = 2026-11-23..29 (a Monday-to-Sunday week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shortops.metrics import apply, service
from shortops.metrics.importers.types import AccountDayRow, ParsedExport, PostRow
from shortops.models import Account, Role, User, Workspace
from shortops.workspaces.service import Actor
from tests import factories

WEEK_A = (date(2026, 11, 16), date(2026, 11, 22))
WEEK_B = (date(2026, 11, 23), date(2026, 11, 29))
YOUTUBE_DAY_VIEWS = {WEEK_A[0] + timedelta(days=n): 100 + 10 * n for n in range(14)}
TIKTOK_DAY_VIEWS = {WEEK_A[0] + timedelta(days=n): 1000 + n for n in range(14)}
# Lifetime figures of YouTube posts published in week B: (id, title, day, views, likes).
POSTS = [
    ("vid1", "周末探店 #美食", date(2026, 11, 23), 5000, 400),
    ("vid2", "How we edit in 20 s #Tips", date(2026, 11, 25), 1200, 60),
    ("vid3", "第三条 开箱", date(2026, 11, 27), 300, 9),
]


@dataclass
class MeasureWorld:
    owner: User
    analyst: User
    viewer: User
    workspace: Workspace
    actor: Actor
    youtube: Account
    tiktok: Account


def week_views(days: dict[date, int], week: tuple[date, date]) -> int:
    return sum(v for d, v in days.items() if week[0] <= d <= week[1])


def build(session: Session, *, name: str = "星光工作室") -> MeasureWorld:
    owner = factories.create_user(session, email=f"owner-{name.encode().hex()[:8]}@m.example")
    workspace = factories.create_workspace(session, owner=owner, name=name)
    analyst = factories.create_user(session, email=f"analyst-{workspace.id}@m.example")
    viewer = factories.create_user(session, email=f"viewer-{workspace.id}@m.example")
    factories.add_member(session, workspace=workspace, user=analyst, role=Role.analyst)
    factories.add_member(session, workspace=workspace, user=viewer, role=Role.viewer)
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    youtube = service.create_import_account(session, actor=actor, platform="youtube", handle="chan")
    tiktok = service.create_import_account(session, actor=actor, platform="tiktok", handle="tt")
    session.commit()
    _apply(session, youtube, _youtube_export())
    _apply(session, tiktok, _tiktok_export())
    return MeasureWorld(owner, analyst, viewer, workspace, actor, youtube, tiktok)


def _apply(session: Session, account: Account, parsed: ParsedExport) -> None:
    apply.apply_export(
        session,
        parsed=parsed,
        account=account,
        tz=ZoneInfo("UTC"),
        captured_at=datetime(2026, 11, 30, tzinfo=UTC),
        import_id=None,
    )
    session.commit()


def _youtube_export() -> ParsedExport:
    return ParsedExport(
        kind="youtube_studio",
        platform="youtube",
        name="channel.zip",
        cumulative=True,
        as_of=date(2026, 11, 30),
        posts=[
            PostRow(
                line=i + 2,
                remote_id=rid,
                title=title,
                published=day,
                metrics={"views": views, "likes": likes, "comments": 5, "shares": 2},
                file="Table data.csv",
            )
            for i, (rid, title, day, views, likes) in enumerate(POSTS)
        ],
        account_days=[
            AccountDayRow(
                line=i + 2, day=day, metrics={"views": v, "likes": v // 10}, file="Totals.csv"
            )
            for i, (day, v) in enumerate(sorted(YOUTUBE_DAY_VIEWS.items()))
        ],
    )


def _tiktok_export() -> ParsedExport:
    return ParsedExport(
        kind="tiktok_studio",
        platform="tiktok",
        name="Overview.csv",
        account_days=[
            AccountDayRow(
                line=i + 2,
                day=day,
                metrics={"views": v, "likes": 50, "comments": 4},
                file="Overview.csv",
            )
            for i, (day, v) in enumerate(sorted(TIKTOK_DAY_VIEWS.items()))
        ],
    )
