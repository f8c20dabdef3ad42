"""Writing a parsed export: matching, external posts, idempotency, derived tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.metrics import apply as applying
from shortops.metrics import service
from shortops.metrics.errors import ImportNeedsAccount
from shortops.metrics.importers.types import (
    AccountDayRow,
    ActivityRow,
    ParsedExport,
    PostDayRow,
    PostRow,
    Skipped,
)
from shortops.models import (
    Account,
    AccountDay,
    AccountPeriod,
    AccountStatus,
    AudienceActivity,
    DayOrigin,
    MetricDay,
    MetricPeriod,
    MetricSnapshot,
    Post,
    Publication,
    PublicationFigures,
    PublicationStatus,
    Workspace,
)
from shortops.workspaces.service import Actor
from tests import factories

UTC_ZONE = ZoneInfo("UTC")
PERIOD = (date(2026, 6, 1), date(2026, 6, 3))
CAPTURED = datetime(2026, 6, 4, tzinfo=UTC)


@pytest.fixture
def actor(session: Session) -> Actor:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner)
    return factories.actor_for(session, user=owner, workspace=workspace)


@pytest.fixture
def youtube(session: Session, actor: Actor) -> Account:
    account = Account(
        workspace_id=actor.workspace.id, platform="youtube", remote_id="UC1", handle="chan"
    )
    session.add(account)
    session.commit()
    return account


def youtube_export() -> ParsedExport:
    """Two videos over three days, their days, the channel's days and its Total row."""
    return ParsedExport(
        kind="youtube_studio",
        platform="youtube",
        name="Content.zip",
        period=PERIOD,
        posts=[
            PostRow(
                line=3, remote_id="-abc", title="First #tips", published=date(2026, 5, 30),
                duration_s=21, metrics={"views": 100, "likes": 7, "watch_time_s": 360.0,
                                        "revenue": Decimal("1.25"), "impressions_ctr": 0.05},
                currency="USD", file="Table data.csv",
            ),
            PostRow(line=4, remote_id="def", title="Second", metrics={"views": 50},
                    file="Table data.csv"),
        ],
        post_days=[
            PostDayRow(line=2, day=date(2026, 6, d), remote_id="-abc", metrics={"views": v},
                       file="Chart data.csv")
            for d, v in ((1, 60), (2, 30), (3, 10))
        ],
        account_days=[
            AccountDayRow(line=1 + d, day=date(2026, 6, d), metrics={"views": 70 * d},
                          file="Totals.csv")
            for d in (1, 2, 3)
        ],
        account_total={"views": 420, "likes": 9},
        skipped=[Skipped(line=9, reason="a broken row", file="Table data.csv")],
    )  # fmt: skip


def apply(session: Session, account: Account, parsed: ParsedExport) -> applying.Applied:
    applied = applying.apply_export(
        session,
        parsed=parsed,
        account=account,
        tz=UTC_ZONE,
        captured_at=CAPTURED,
        import_id=None,
    )
    session.commit()
    return applied


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_export_creates_external_posts_and_keeps_every_figure(
    session: Session, youtube: Account
) -> None:
    applied = apply(session, youtube, youtube_export())
    # 2 table rows (created) + 3 chart days (the first video, matched) + 3 totals days + Total.
    assert (applied.created, applied.matched, applied.skipped) == (2, 7, 1)
    assert applied.rows == 10
    first = session.scalar(select(Publication).where(Publication.remote_id == "-abc"))
    assert first is not None and first.external and first.status == PublicationStatus.published
    assert first.published_precision == "day" and first.duration_s == 21
    post = session.get(Post, first.post_id)
    assert post is not None and post.title == "First #tips" and post.hashtags == ["tips"]
    period = session.scalar(select(MetricPeriod).where(MetricPeriod.publication_id == first.id))
    assert period is not None and (period.start_day, period.end_day) == PERIOD
    assert (period.views, period.likes, period.watch_time_s) == (100, 7, 360.0)
    assert period.revenue == Decimal("1.25") and period.currency == "USD"
    assert period.extra == {"impressions_ctr": 0.05}
    total = session.scalar(select(AccountPeriod))
    assert total is not None and (total.views, total.likes) == (420, 9)
    figures = session.get(PublicationFigures, first.id)
    assert figures is not None and figures.basis == "period" and figures.views == 100
    days = session.scalars(
        select(MetricDay).where(MetricDay.origin == DayOrigin.import_).order_by(MetricDay.day)
    ).all()
    assert [d.views for d in days] == [60, 30, 10]
    own = session.scalars(
        select(AccountDay).where(AccountDay.origin == DayOrigin.import_).order_by(AccountDay.day)
    ).all()
    assert [d.views for d in own] == [70, 140, 210]
    rollup = session.scalars(
        select(AccountDay).where(AccountDay.origin == DayOrigin.posts).order_by(AccountDay.day)
    ).all()
    assert [d.views for d in rollup] == [60, 30, 10]  # the posts' days, kept apart


def test_the_same_export_twice_changes_nothing(session: Session, youtube: Account) -> None:
    apply(session, youtube, youtube_export())
    before = {m: count(session, m) for m in (Publication, MetricPeriod, MetricDay, AccountDay)}
    again = apply(session, youtube, youtube_export())
    assert again.created == 0 and again.matched == 9 and again.skipped == 1
    assert again.writes.added == 0 and again.writes.changed == 0
    assert {m: count(session, m) for m in before} == before


def test_a_later_export_with_new_figures_updates_the_rows(
    session: Session, youtube: Account
) -> None:
    apply(session, youtube, youtube_export())
    revised = youtube_export()
    revised.posts[1] = PostRow(line=4, remote_id="def", title="Second", metrics={"views": 55})
    applied = apply(session, youtube, revised)
    assert applied.writes.changed == 1
    second = session.scalar(select(Publication).where(Publication.remote_id == "def"))
    assert second is not None
    figures = session.get(PublicationFigures, second.id)
    assert figures is not None and figures.views == 55


def test_rows_match_own_publications_by_id_url_or_title_and_day(
    session: Session, actor: Actor, youtube: Account
) -> None:
    post = Post(workspace_id=actor.workspace.id, title="Launch day")
    session.add(post)
    session.flush()
    published = datetime(2026, 6, 1, 15, tzinfo=UTC)
    own = [
        Publication(workspace_id=actor.workspace.id, post_id=post.id, account_id=youtube.id,
                    idempotency_key=f"k{n}", status=PublicationStatus.published,
                    published_at=published, **fields)
        for n, fields in enumerate([
            {"remote_id": "byid"},
            {"remote_id": "viaurl", "url": "https://youtube.com/shorts/viaurl"},
            {"remote_id": "x3"},
        ])
    ]  # fmt: skip
    session.add_all(own)
    session.commit()
    parsed = ParsedExport(
        kind="generic",
        platform="youtube",
        name="f.csv",
        cumulative=True,
        posts=[
            PostRow(line=2, remote_id="byid", metrics={"views": 1}),
            PostRow(line=3, url="https://www.youtube.com/shorts/viaurl?feature=share",
                    metrics={"views": 2}),
            PostRow(line=4, title="  launch   DAY ", published=date(2026, 6, 1),
                    metrics={"views": 3}),
        ],
    )  # fmt: skip
    # Three own posts share one title: a title alone must not pick one at random.
    applied = apply(session, youtube, parsed)
    assert applied.matched == 2 and applied.created == 1
    views = dict(
        session.execute(select(MetricSnapshot.publication_id, MetricSnapshot.views)).tuples().all()
    )
    assert views[own[0].id] == 1 and views[own[1].id] == 2


def test_a_title_and_day_match_a_single_candidate(
    session: Session, actor: Actor, youtube: Account
) -> None:
    post = Post(workspace_id=actor.workspace.id, title="Only one")
    session.add(post)
    session.flush()
    mine = Publication(
        workspace_id=actor.workspace.id, post_id=post.id, account_id=youtube.id,
        idempotency_key="only", status=PublicationStatus.published, remote_id="r1",
        published_at=datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
    )  # fmt: skip
    session.add(mine)
    session.commit()
    parsed = ParsedExport(
        kind="douyin_creator", platform="youtube", name="d.xlsx", cumulative=True,
        posts=[PostRow(line=2, title="Only one", published=datetime(2026, 6, 2, 7, 30),
                       metrics={"views": 9})],
    )  # fmt: skip
    applied = apply(session, youtube, parsed)
    assert applied.matched == 1 and applied.created == 0


def test_the_same_post_twice_in_one_file_is_skipped_with_its_first_line(
    session: Session, youtube: Account
) -> None:
    parsed = ParsedExport(
        kind="generic", platform="youtube", name="f.csv", cumulative=True,
        posts=[PostRow(line=2, remote_id="a", metrics={"views": 1}),
               PostRow(line=5, remote_id="a", metrics={"views": 2})],
    )  # fmt: skip
    applied = apply(session, youtube, parsed)
    assert applied.created == 1 and applied.skipped == 1
    skip = applied.skips[0]
    assert skip.line == 5 and skip.params == {"first": 2}


def test_rows_that_name_no_post_are_skipped(session: Session, youtube: Account) -> None:
    parsed = ParsedExport(
        kind="generic", platform="youtube", name="f.csv", cumulative=True,
        posts=[PostRow(line=2, metrics={"views": 1})],
    )  # fmt: skip
    applied = apply(session, youtube, parsed)
    assert (applied.rows, applied.skipped) == (1, 1)
    assert count(session, Publication) == 0


def test_cumulative_snapshots_are_spread_into_days_and_summed_per_account(
    session: Session, youtube: Account
) -> None:
    published = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for at, views in ((datetime(2026, 6, 2, 12, tzinfo=UTC), 240),
                      (datetime(2026, 6, 3, 12, tzinfo=UTC), 360)):  # fmt: skip
        parsed = ParsedExport(
            kind="generic", platform="youtube", name="f.csv", cumulative=True,
            posts=[PostRow(line=2, remote_id="grow", published=published.replace(tzinfo=None),
                           metrics={"views": views})],
        )  # fmt: skip
        applying.apply_export(
            session, parsed=parsed, account=youtube, tz=UTC_ZONE, captured_at=at, import_id=None
        )
        session.commit()
    derived = session.scalars(
        select(MetricDay).where(MetricDay.origin == DayOrigin.derived).order_by(MetricDay.day)
    ).all()
    # 240 over the first 24 h (half on each day), then 120 over the next 24 h.
    assert [(d.day.day, d.views) for d in derived] == [(1, 120), (2, 180), (3, 60)]
    assert sum(d.views or 0 for d in derived) == 360
    rollup = session.scalars(
        select(AccountDay).where(AccountDay.origin == DayOrigin.posts).order_by(AccountDay.day)
    ).all()
    assert [d.views for d in rollup] == [120, 180, 60]
    figures = session.scalar(select(PublicationFigures))
    assert figures is not None and figures.basis == "snapshot" and figures.views == 360


def test_account_days_keep_followers_and_activity(session: Session, youtube: Account) -> None:
    parsed = ParsedExport(
        kind="tiktok_studio", platform="youtube", name="Followers.zip",
        account_days=[AccountDayRow(line=2, day=date(2026, 4, 12),
                                    metrics={"followers": 1200, "followers_net": 15})],
        activity=[ActivityRow(line=2, day=date(2026, 4, 12), hour=h, active_followers=10 + h)
                  for h in range(24)],
    )  # fmt: skip
    applied = apply(session, youtube, parsed)
    assert applied.rows == 25 and applied.matched == 25
    day = session.scalar(select(AccountDay))
    assert day is not None and day.followers == 1200 and day.followers_net == 15
    assert count(session, AudienceActivity) == 24


def test_an_import_account_is_found_created_or_asked_for(session: Session, actor: Actor) -> None:
    with pytest.raises(ImportNeedsAccount, match="none yet"):
        service.account_for_import(session, actor=actor, platform="douyin", handle=None)
    created, new = service.account_for_import(
        session, actor=actor, platform="douyin", handle="@brand_cn"
    )
    assert new and created.status == AccountStatus.import_only and created.handle == "brand_cn"
    again, new_again = service.account_for_import(
        session, actor=actor, platform="douyin", handle="BRAND_CN"
    )
    assert again.id == created.id and not new_again
    only, _ = service.account_for_import(session, actor=actor, platform="douyin", handle=None)
    assert only.id == created.id
    channels, _ = service.account_for_import(
        session, actor=actor, platform="wechat_channels", handle="shop"
    )
    assert channels.platform == "manual" and channels.platform_label == "WeChat Channels 视频号"
    assert service.platform_key(channels) == "wechat_channels"
    service.account_for_import(session, actor=actor, platform="douyin", handle="second")
    with pytest.raises(ImportNeedsAccount, match="@brand_cn, @second"):
        service.account_for_import(session, actor=actor, platform="douyin", handle=None)


def test_every_query_stays_in_its_workspace(session: Session, actor: Actor) -> None:
    other_owner = factories.create_user(session)
    other: Workspace = factories.create_workspace(session, owner=other_owner, name="Other")
    theirs = Account(workspace_id=other.id, platform="douyin", remote_id="t", handle="brand_cn")
    session.add(theirs)
    session.commit()
    mine, created = service.account_for_import(
        session, actor=actor, platform="douyin", handle="brand_cn"
    )
    assert created and mine.id != theirs.id
