"""Manual publishing: the kit at due time, completion with the live URL, overdue escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shortops.errors import InvalidInput
from shortops.models import Account, Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import compose, renditions, service
from shortops.publishing.errors import PublicationLocked
from shortops.publishing.flows import complete_manual
from tests.publishing.conftest import World


def _kit(world: World, manual: Account) -> Publication:
    from tests.publishing.test_post_the_edit import edit

    edit(world, slug="xiaohongshu")  # the 3:4 edit made in Produce
    (publication,) = world.schedule(manual)
    outcome = world.engine().dispatch(publication.id)
    assert outcome.result == "kit_due"
    return publication


def test_at_due_time_the_operator_gets_the_kit(world: World, manual: Account) -> None:
    publication = _kit(world, manual)
    row = world.reload(publication)
    assert row.status == S.processing
    assert row.ticket is not None and row.ticket["reference"] == f"kit-{row.idempotency_key}"
    assert row.next_attempt_at == row.scheduled_at + timedelta(minutes=120)
    (notice,) = world.notifications()
    assert notice.kind == "manual_kit_due"
    assert notice.link == f"/publish/publications/{publication.id}"
    assert service.render_message(notice.message, notice.params) == (
        "Time to post on Xiaohongshu 小红书 (@shop): the publish kit is ready."
    )
    # Nothing polls a person: a check before the deadline does nothing.
    assert world.engine().check(publication.id).result == "skipped"


def test_pasting_the_live_url_completes_it(world: World, manual: Account) -> None:
    publication = _kit(world, manual)
    row = world.reload(publication)
    with pytest.raises(InvalidInput, match="starting with http"):
        complete_manual(world.session, publication=row, url="xhslink/abc", actor=world.actor)
    with pytest.raises(InvalidInput):
        complete_manual(
            world.session, publication=row, url="ftp://example.com/x", actor=world.actor
        )
    url = "https://www.xiaohongshu.com/explore/65a1b2c3"
    complete_manual(world.session, publication=row, url=f"  {url} ", actor=world.actor)
    world.session.commit()
    row = world.reload(publication)
    assert row.status == S.published and row.url == url
    assert row.verification["source"] == "operator" and row.verification["by"] == "Olive"
    assert world.events(publication)[-1] == f"Marked published by Olive: {url}"
    with pytest.raises(PublicationLocked):
        complete_manual(world.session, publication=row, url=url, actor=world.actor)


def test_only_manual_publications_are_completed_by_hand(world: World) -> None:
    (publication,) = world.schedule()
    with pytest.raises(InvalidInput, match="confirmed with the platform"):
        complete_manual(
            world.session, publication=publication, url="https://x.example/1", actor=world.actor
        )


def test_an_overdue_kit_escalates_once(world: World, manual: Account) -> None:
    from tests.publishing.test_post_the_edit import edit

    settings = world.settings.model_copy(update={"manual_kit_overdue_minutes": 30})
    edit(world, slug="xiaohongshu")
    (publication,) = world.schedule(manual)
    engine = world.engine(settings)
    outcome = engine.dispatch(publication.id)
    assert outcome.followup is not None
    assert outcome.followup.eta == world.clock.now + timedelta(minutes=30)
    world.clock.advance(29 * 60)
    assert engine.check(publication.id).result == "skipped"
    world.clock.advance(2 * 60)
    assert engine.reconcile(grace=timedelta(0)).check == [publication.id]
    assert engine.check(publication.id).result == "kit_overdue"
    assert engine.check(publication.id).result == "skipped"
    assert engine.reconcile(grace=timedelta(0)).check == []
    overdue = world.notifications("manual_kit_overdue")
    assert len(overdue) == 1
    assert service.render_message(overdue[0].message, overdue[0].params) == (
        "The publish kit for Xiaohongshu 小红书 (@shop) is overdue: it was due 31 minutes ago."
    )
    # Still open: the operator can complete it late.
    row = world.reload(publication)
    url = "https://www.xiaohongshu.com/explore/1"
    complete_manual(world.session, publication=row, url=url, actor=world.actor)
    world.session.commit()
    assert world.reload(publication).status == S.published


def test_an_empty_platform_label_in_the_options_keeps_the_accounts_own(manual: Account) -> None:
    """A form's untouched field must not hide which platform a manual account is on."""
    assert service.request_options(manual, {"platform_label": ""})["platform_label"] == (
        "Xiaohongshu"
    )
    assert service.request_options(manual, {})["platform_label"] == "Xiaohongshu"
    assert service.request_options(manual, {"platform_label": "Weibo"})["platform_label"] == "Weibo"


def test_a_rendition_cover_of_the_platforms_shape_is_the_default_cover() -> None:
    covers = {"portrait": "covers/k-portrait.jpg", "landscape": "covers/k-landscape.jpg"}
    assert renditions.rendition_cover(covers, "landscape") == "covers/k-landscape.jpg"
    assert renditions.rendition_cover(covers, "portrait") == "covers/k-portrait.jpg"
    assert renditions.rendition_cover({"portrait": "covers/p.jpg"}, "landscape") == "covers/p.jpg"
    assert renditions.rendition_cover({}, "landscape") is None


def test_a_link_elsewhere_than_the_platform_is_refused(world: World, manual: Account) -> None:
    row = world.reload(_kit(world, manual))
    with pytest.raises(InvalidInput, match=r"douyin\.com is not Xiaohongshu"):
        complete_manual(
            world.session, publication=row, url="https://www.douyin.com/video/7", actor=world.actor
        )
    short = "https://xhslink.com/a/AbCd"  # the platform's own short links count
    complete_manual(world.session, publication=row, url=short, actor=world.actor)
    world.session.commit()
    assert world.reload(row).url == short


def test_a_manual_platform_gets_its_own_profile_and_text_limits(
    world: World, manual: Account
) -> None:
    check = compose.check_post(
        world.session,
        workspace=world.workspace,
        data=world.post(manual, title="这是一个二十一个字符长的小红书标题呀呀呀呀"),
        store=world.store,
        now=world.clock(),
    )
    (target,) = check.targets
    assert target.profile is not None and target.profile.slug == "xiaohongshu"
    assert (target.profile.width, target.profile.height) == (1080, 1440)  # 3:4
    title_issues = [i for i in target.issues if i.field == "title"]
    assert title_issues and not check.ok
    assert "20" in service.render_message(title_issues[0].message, title_issues[0].params)
