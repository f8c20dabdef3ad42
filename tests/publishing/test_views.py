"""Publish pages: composer (live check, create, duplicate), queue, calendar, publication page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from shortops.kit.clock import utcnow
from shortops.kit.i18n import gettext
from shortops.models import Post, Publication, PublicationEvent, Workspace
from shortops.models import PublicationStatus as S
from shortops.publishing.views.option_form import option_fields, split_hashtags
from tests import factories
from tests.publishing.conftest import World

ZONE = "Asia/Shanghai"  # UTC+8 all year: local days differ from UTC days in the evening


@pytest.fixture
def web(app: Any, world: World) -> TestClient:
    world.session.execute(
        update(Workspace).where(Workspace.id == world.workspace.id).values(timezone=ZONE)
    )
    world.session.commit()
    client = TestClient(app)
    factories.login(client, world.owner.email)
    return client


def _csrf(client: TestClient) -> str:
    return factories.csrf(client, "/publish")


def _count(world: World, model: type) -> int:
    world.session.expire_all()
    return world.session.scalar(select(func.count()).select_from(model)) or 0


def _form(world: World, *accounts: Any, **fields: Any) -> dict[str, Any]:
    """The composer's fields for a post on `accounts` (default: the loopback account)."""
    chosen = accounts or (world.account,)
    data: dict[str, Any] = {
        "asset_id": str(world.asset.id),
        "title": "Three tips",
        "caption": "Hooks that work",
        "hashtags": "tips, hooks",
        "when": "at",
        "at": _local(utcnow() + timedelta(days=2)),
        "targets": [str(a.id) for a in chosen],
    }
    for account in chosen:
        data[f"t{account.id}.options_shown"] = "1"
    data.update(fields)
    return data


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(ZONE)):%Y-%m-%dT%H:%M}"


def _post(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(url, data={**data, "csrf_token": _csrf(client)}, **kwargs)


def _publications(world: World) -> list[Publication]:
    world.session.expire_all()
    return list(world.session.scalars(select(Publication).order_by(Publication.id)))


def _schedule(web: TestClient, world: World, *accounts: Any, **fields: Any) -> list[Publication]:
    before = {p.id for p in _publications(world)}
    response = _post(web, "/publish/new", _form(world, *accounts, **fields), follow_redirects=False)
    assert response.status_code == 303, response.text
    return [p for p in _publications(world) if p.id not in before]


# --- composer -------------------------------------------------------------------------------------


def test_the_composer_offers_videos_accounts_and_their_platform_options(
    web: TestClient, world: World
) -> None:
    html = web.get("/publish/new").text
    assert f'name="asset_id" value="{world.asset.id}"' in html
    assert f'name="targets" value="{world.account.id}"' in html
    # The loopback options model (privacy: public | private) rendered as a select.
    assert f'name="t{world.account.id}.opt.privacy"' in html
    assert 'data-caption-max="150"' in html and 'data-hashtags-max="5"' in html
    assert "Asia/Shanghai" in html  # the schedule's zone is shown
    assert 'hx-post="/publish/new/check"' in html


def test_live_check_shows_each_targets_issues_and_writes_nothing(
    web: TestClient, world: World
) -> None:
    other = world.add_account(handle="second")
    data = _form(world, world.account, other, caption="x" * 150)
    data[f"t{other.id}.caption"] = "short enough"  # the override keeps this one within 150
    data[f"t{other.id}.opt.privacy"] = "friends"  # not an option the platform has
    response = _post(web, "/publish/new/check", data)
    assert response.status_code == 200
    boxes = dict(re.findall(r'<div id="issues-(\d+)"[^>]*>(.*?)</div>', response.text, re.S))
    assert (
        "The caption has 163 characters; the platform allows 150." in boxes[str(world.account.id)]
    )
    assert "caption" not in boxes[str(other.id)]
    assert "privacy" in boxes[str(other.id)]
    assert "Problems to fix before scheduling: 2" in response.text
    assert _count(world, Post) == 0 and _count(world, Publication) == 0


def test_live_check_without_a_video_or_accounts_says_what_is_missing(
    web: TestClient, world: World
) -> None:
    response = _post(web, "/publish/new/check", {"title": "x", "when": "now"})
    assert "Choose a video." in response.text and "Choose at least one account." in response.text


def test_a_post_with_errors_is_shown_again_with_every_issue_and_nothing_written(
    web: TestClient, world: World
) -> None:
    past = _local(utcnow() - timedelta(hours=3))
    response = _post(web, "/publish/new", _form(world, caption="x" * 150, at=past))
    assert response.status_code == 422
    assert "has already passed" in response.text
    assert "The caption has 163 characters; the platform allows 150." in response.text
    assert 'value="Three tips"' in response.text  # the form keeps what was typed
    assert _count(world, Post) == 0 and _count(world, Publication) == 0


def test_creating_through_the_form_schedules_one_publication_per_account(
    web: TestClient, world: World
) -> None:
    other = world.add_account(handle="second")
    at = datetime.now(ZoneInfo(ZONE)).replace(second=0, microsecond=0) + timedelta(days=3)
    data = _form(world, world.account, other, at=f"{at:%Y-%m-%dT%H:%M}")
    data[f"t{other.id}.opt.privacy"] = "private"
    data[f"t{other.id}.title"] = "Tips for the second account"
    response = _post(web, "/publish/new", data, follow_redirects=False)
    assert response.status_code == 303
    post = world.session.scalar(select(Post))
    assert post is not None and post.hashtags == ["tips", "hooks"]
    assert response.headers["location"] == f"/publish?post={post.id}"
    first, second = _publications(world)
    assert first.scheduled_at == second.scheduled_at == at.astimezone(UTC)
    assert second.options == {"privacy": "private"}
    assert second.overrides == {"title": "Tips for the second account"}
    assert first.overrides == {}
    queue = web.get(response.headers["location"]).text
    assert "on Loopback @creator, Loopback @second." in queue
    assert queue.count('<tr id="pub-') == 2


def test_publish_now_is_due_at_once(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world, when="now", at="")
    assert publication.scheduled_at is not None
    assert abs((publication.scheduled_at - utcnow()).total_seconds()) < 60


def test_duplicate_opens_the_composer_prefilled(web: TestClient, world: World) -> None:
    other = world.add_account(handle="second")
    data = _form(world, world.account, other)
    data[f"t{other.id}.opt.privacy"] = "private"
    data[f"t{other.id}.caption"] = "Own caption"
    originals = _schedule(web, world, world.account, other, **{
        k: v for k, v in data.items() if k not in ("targets",)
    })  # fmt: skip
    post_id = originals[0].post_id
    html = web.get(f"/publish/new?duplicate={post_id}").text
    for account in (world.account, other):
        assert re.search(rf'name="targets" value="{account.id}"\s+checked', html)
    assert 'value="Three tips"' in html and "Own caption" in html
    assert re.search(r'<option value="private"\s+selected', html)
    # Submitting the prefilled form makes a second post with the same targets and choices.
    copies = _schedule(web, world, world.account, other, **{
        k: v for k, v in data.items() if k not in ("targets",)
    })  # fmt: skip
    assert [p.account_id for p in copies] == [world.account.id, other.id]
    assert copies[1].options == {"privacy": "private"}
    assert copies[0].post_id != post_id


def test_empty_states_point_to_produce_and_accounts(web: TestClient, world: World) -> None:
    world.session.execute(update(Publication).values(status=S.cancelled))
    world.session.delete(world.account)
    world.session.delete(world.asset)
    world.session.commit()
    html = web.get("/publish/new").text
    assert 'href="/produce"' in html and 'href="/accounts"' in html
    assert "sandbox" in html


# --- queue ----------------------------------------------------------------------------------------


def test_queue_filters_by_status_and_account(web: TestClient, world: World) -> None:
    other = world.add_account(handle="second")
    first = _schedule(web, world, world.account)[0]
    second = _schedule(web, world, other)[0]
    world.session.execute(
        update(Publication)
        .where(Publication.id == second.id)
        .values(status=S.failed, error="The platform refused it ({why}).",
                error_params={"why": "too loud"}, error_code="provider_rejected")
    )  # fmt: skip
    world.session.commit()
    everything = web.get("/publish").text
    assert f'id="pub-{first.id}"' in everything and f'id="pub-{second.id}"' in everything
    assert "The platform refused it (too loud)." in everything  # the reason, rendered
    failed = web.get("/publish?status=failed").text
    assert f'id="pub-{second.id}"' in failed and f'id="pub-{first.id}"' not in failed
    scheduled = web.get("/publish?status=scheduled").text
    assert f'id="pub-{first.id}"' in scheduled and f'id="pub-{second.id}"' not in scheduled
    by_account = web.get(f"/publish?account={other.id}").text
    assert f'id="pub-{second.id}"' in by_account and f'id="pub-{first.id}"' not in by_account
    # A scheduled row keeps the body polling; its fragment answers with the same rows.
    assert 'hx-trigger="every 5s"' in everything
    rows = web.get(f"/publish/rows?ids={second.id}&ids={first.id}").text
    assert rows.index(f'id="pub-{second.id}"') < rows.index(f'id="pub-{first.id}"')
    final = web.get(f"/publish/rows?ids={second.id}").text
    assert "hx-trigger" not in final  # nothing left to wait for


def test_queue_reason_follows_the_language(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world)
    template = (
        "The upload to {platform} stopped on an unexpected error ({detail}); it may or may not "
        "have arrived. Check on the platform before trying again."
    )
    world.session.execute(
        update(Publication)
        .where(Publication.id == publication.id)
        .values(status=S.needs_review, error_code="internal_error", error=template,
                error_params={"platform": "TikTok", "detail": "X",
                              "check_url": "https://www.tiktok.com/@creator"})
    )  # fmt: skip
    world.session.commit()
    _post(web, "/language", {"language": "zh_Hans", "next": "/publish"})
    html = web.get("/publish").text
    chinese = gettext("zh_Hans", template)
    assert chinese != template, "the engine's message has a translation"
    assert chinese.format(platform="TikTok", detail="X") in html
    assert "https://www.tiktok.com/@creator" in html
    assert gettext("zh_Hans", "Check on the platform") in html


def test_cancel_and_reschedule_from_the_queue(web: TestClient, world: World) -> None:
    first, second = (_schedule(web, world)[0] for _ in range(2))
    response = _post(
        web, f"/publish/publications/{first.id}/cancel", {"next": "/publish?status=all"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/publish?status=all"
    world.session.refresh(first)
    assert first.status == S.cancelled
    # Cancelling twice is refused with the reason, not an error page.
    again = _post(web, f"/publish/publications/{first.id}/cancel", {"next": "/publish"})
    assert again.status_code == 200 and "cancelled; it cannot be changed now" in again.text

    response = _post(
        web, f"/publish/publications/{second.id}/reschedule",
        {"at": "2031-05-01T09:30", "next": "/publish"}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    world.session.refresh(second)
    assert second.scheduled_at == datetime(2031, 5, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    refused = _post(
        web, f"/publish/publications/{second.id}/reschedule", {"at": "2001-01-01T00:00"}
    )
    assert "has already passed" in refused.text


# --- calendar -------------------------------------------------------------------------------------


def _day_cells(html: str) -> dict[str, str]:
    parts = re.split(r'<div class="cal-day[^"]*" data-date="([\d-]+)">', html)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_calendar_lists_publications_by_local_day(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world, at="2030-01-16T01:30")  # 2030-01-15 17:30 UTC
    month = web.get("/publish/calendar?view=month&date=2030-01-10").text
    cells = _day_cells(month)
    assert "2029-12-30" not in cells and cells.keys() >= {"2029-12-31", "2030-02-03"}
    assert f"/publish/publications/{publication.id}" in cells["2030-01-16"]
    assert f"/publish/publications/{publication.id}" not in cells["2030-01-15"]
    assert "01:30" in cells["2030-01-16"] and "@creator" in cells["2030-01-16"]
    assert 'draggable="true"' in cells["2030-01-16"]
    week = web.get("/publish/calendar?view=week&date=2030-01-17").text
    assert list(_day_cells(week)) == [f"2030-01-{d}" for d in range(14, 21)]
    assert "Three tips" in week
    other_week = web.get("/publish/calendar?view=week&date=2030-01-25").text
    assert f"/publish/publications/{publication.id}" not in other_week


def test_dropping_a_chip_on_another_day_keeps_its_time(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world, at="2030-01-16T01:30")
    response = web.post(
        f"/publish/publications/{publication.id}/reschedule",
        data={"date": "2030-01-20", "view": "month", "anchor": "2030-01-16"},
        headers={"HX-Request": "true", "X-CSRF-Token": _csrf(web)},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="calendar"')
    cells = _day_cells(response.text)
    assert f"/publish/publications/{publication.id}" in cells["2030-01-20"]
    assert "Moved to 2030-01-20 01:30 (Asia/Shanghai)." in response.text
    world.session.refresh(publication)
    assert publication.scheduled_at == datetime(2030, 1, 19, 17, 30, tzinfo=UTC)
    events = world.session.scalars(
        select(PublicationEvent.message).where(PublicationEvent.publication_id == publication.id)
    ).all()
    assert "Moved to {time} by {name}." in events


def test_a_refused_drop_is_shown_on_the_calendar(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world, at="2030-01-16T01:30")
    world.session.execute(
        update(Publication).where(Publication.id == publication.id).values(status=S.uploading)
    )
    world.session.commit()
    response = web.post(
        f"/publish/publications/{publication.id}/reschedule",
        data={"date": "2030-01-20", "view": "week", "anchor": "2030-01-16"},
        headers={"HX-Request": "true", "X-CSRF-Token": _csrf(web)},
    )
    assert response.status_code == 200
    assert "flash-error" in response.text and "cannot be stopped or moved" in response.text
    world.session.refresh(publication)
    assert publication.scheduled_at == datetime(2030, 1, 15, 17, 30, tzinfo=UTC)
    # A day in the past is refused too.
    world.session.execute(
        update(Publication).where(Publication.id == publication.id).values(status=S.scheduled)
    )
    world.session.commit()
    past = web.post(
        f"/publish/publications/{publication.id}/reschedule",
        data={"date": "2001-01-01", "view": "month", "anchor": "2030-01-16"},
        headers={"HX-Request": "true", "X-CSRF-Token": _csrf(web)},
    )
    assert "has already passed" in past.text


# --- the publication page -------------------------------------------------------------------------


def test_a_failed_publication_says_why_and_what_to_do(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world)
    world.session.execute(
        update(Publication)
        .where(Publication.id == publication.id)
        .values(status=S.failed, error="The platform refused it ({why}).",
                error_params={"why": "too loud"}, error_code="provider_rejected")
    )  # fmt: skip
    world.session.commit()
    html = web.get(f"/publish/publications/{publication.id}").text
    assert "It was not published." in html
    assert "The platform refused it (too loud)." in html
    assert "duplicate the post and schedule the copy" in html
    assert f"/publish/new?duplicate={publication.post_id}" in html
    assert "Scheduled for" in html  # the timeline
    assert 'hx-get="/publish/publications/' not in html  # final: no polling


def test_needs_review_shows_the_check_on_the_platform_link(web: TestClient, world: World) -> None:
    (publication,) = _schedule(web, world)
    world.session.execute(
        update(Publication)
        .where(Publication.id == publication.id)
        .values(status=S.needs_review, error_code="provider_outcome_unknown",
                error="The connection dropped.",
                error_params={"check_url": "https://studio.youtube.com/"})
    )  # fmt: skip
    world.session.commit()
    html = web.get(f"/publish/publications/{publication.id}").text
    assert re.search(r'class="button primary" href="https://studio.youtube.com/"', html)
    assert "Check on the platform" in html and "never posted twice" in html
    assert "/complete" not in html  # only manual publications are completed by hand


def test_a_manual_account_is_checked_against_its_platforms_limits(
    web: TestClient, world: World
) -> None:
    manual = world.add_account("manual", handle="weibo_me", platform_label="Weibo")
    response = _post(web, "/publish/new/check", _form(world, manual, title="t" * 40))
    assert "The title has 40 characters; the platform allows 30." in response.text


def test_a_manual_publication_has_its_kit_and_is_completed_with_the_live_url(
    web: TestClient, world: World
) -> None:
    manual = world.add_account("manual", handle="weibo_me", platform_label="Weibo")
    (publication,) = _schedule(web, world, manual, hashtags="tips")
    world.session.execute(
        update(Publication).where(Publication.id == publication.id).values(status=S.processing)
    )
    world.session.commit()
    html = web.get(f"/publish/publications/{publication.id}").text
    assert 'id="kit"' in html and "Publish kit for Weibo" in html
    assert "Hooks that work #tips#" in html  # Weibo writes topics with a hash on both sides
    assert f"/produce/assets/{world.asset.id}/file" in html
    assert "Declare the video as your original work" in html  # the checklist
    assert 'data-copy="kit-caption"' in html
    bad = _post(web, f"/publish/publications/{publication.id}/complete", {"url": "not a link"})
    assert "starting with http:// or https://" in bad.text
    response = _post(
        web, f"/publish/publications/{publication.id}/complete",
        {"url": "https://weibo.com/weibo_me/123"}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    world.session.refresh(publication)
    assert publication.status == S.published and publication.url == "https://weibo.com/weibo_me/123"
    page = web.get(f"/publish/publications/{publication.id}").text
    assert "Marked published by Olive" in page


def test_another_workspace_cannot_see_or_change_publications(
    app: Any, web: TestClient, world: World
) -> None:
    (publication,) = _schedule(web, world)
    stranger = factories.create_user(world.session, email="stranger@else.example")
    factories.create_workspace(world.session, owner=stranger, name="Else")
    client = TestClient(app)
    factories.login(client, stranger.email)
    csrf = factories.csrf(client, "/publish")
    assert client.get(f"/publish/publications/{publication.id}").status_code == 404
    assert "@creator" not in client.get("/publish").text
    assert "@creator" not in client.get("/publish/calendar?view=month&date=2030-01-01").text
    assert (
        f'id="pub-{publication.id}"' not in client.get(f"/publish/rows?ids={publication.id}").text
    )
    for action, data in (("cancel", {}), ("reschedule", {"at": "2031-01-01T00:00"})):
        response = client.post(
            f"/publish/publications/{publication.id}/{action}", data={**data, "csrf_token": csrf}
        )
        assert response.status_code == 404
    world.session.refresh(publication)
    assert publication.status == S.scheduled


# --- helpers --------------------------------------------------------------------------------------


def test_option_fields_follow_the_options_models() -> None:
    from shortops.providers.tiktok.rules import TikTokOptions
    from shortops.providers.youtube.rules import YouTubeOptions

    tiktok = {f.name: f for f in option_fields(TikTokOptions, "tiktok")}
    assert tiktok["privacy_level"].kind == "select" and tiktok["privacy_level"].required
    assert [v for v, _ in tiktok["privacy_level"].choices][-1] == "SELF_ONLY"
    assert tiktok["disable_comment"].kind == "checkbox" and tiktok["disable_comment"].default
    assert tiktok["video_cover_timestamp_ms"].kind == "number"
    youtube = {f.name: f for f in option_fields(YouTubeOptions, "youtube")}
    assert youtube["privacy"].choices[0] == ("public", "Public")
    assert youtube["made_for_kids"].kind == "checkbox"
    assert youtube["category_id"].kind == "text"


def test_split_hashtags() -> None:
    assert split_hashtags("#a, b  #c，d、e") == ["a", "b", "c", "d", "e"]
    assert split_hashtags("") == []


def test_the_composer_offers_the_videos_edits_and_posts_the_one_chosen(
    world: World, web: TestClient
) -> None:
    from tests.publishing.test_post_the_edit import edit

    account = world.add_account("loopback_rendered")
    older, newer = edit(world), edit(world)
    html = web.get(f"/publish/new?asset={world.asset.id}").text
    assert f'name="t{account.id}.rendition_id"' in html
    assert f'<option value="{older.id}"' in html and f'<option value="{newer.id}"' in html
    assert "Hook text" in html  # each edit says what it adds
    check = _post(web, "/publish/new/check", _form(world, account))
    assert f"Posts edit #{newer.id}." in check.text  # the default: the newest for TikTok
    data = _form(world, account, **{f"t{account.id}.rendition_id": str(older.id)})
    check = _post(web, "/publish/new/check", data)
    assert f"Posts edit #{older.id}." in check.text
    response = _post(web, "/publish/new", data, follow_redirects=False)
    assert response.status_code == 303, response.text
    (publication,) = _publications(world)
    assert publication.rendition_id == older.id


def test_a_field_named_in_a_message_is_in_the_readers_language() -> None:
    from shortops.publishing.service import render_message

    template = "The {field} has {length} characters; the platform allows {limit}."
    params = {"field": "caption", "length": 2300, "limit": 2200}
    assert render_message(template, params, lambda text: gettext("en", text)) == (
        "The caption has 2300 characters; the platform allows 2200."
    )
    chinese = render_message(template, params, lambda text: gettext("zh_Hans", text))
    assert chinese.startswith("文案有 2300 个字符") and "caption" not in chinese


def test_a_kit_opened_while_it_is_prepared_looks_again_until_it_can_be_marked(
    web: TestClient, world: World, manual: Any
) -> None:
    (publication,) = _schedule(web, world, manual)
    url = f"/publish/publications/{publication.id}"

    def kit_of(status: S) -> str:
        world.session.execute(
            update(Publication).where(Publication.id == publication.id).values(status=status)
        )
        world.session.commit()
        html = web.get(url).text
        return html[html.index('id="kit"') : html.index("</section>", html.index('id="kit"'))]

    preparing = kit_of(S.uploading)
    assert 'name="url"' not in preparing and 'hx-select="#kit"' in preparing
    ready = kit_of(S.processing)
    assert 'name="url"' in ready and "hx-get" not in ready  # the form, and no more looking
