"""Reports: what they say, the PDF's Chinese text (in the bundled font, no tofu), making one
again, the CLI, the pages, schedules and delivery by webhook and e-mail."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.config import Settings
from shortops.models import Post, Report, ReportKind
from shortops.notifications import service as notification_service
from shortops.notifications.schemas import NotificationSettingsWrite
from shortops.reports import flows, service
from tests import factories
from tests.metrics.world import (
    POSTS,
    TIKTOK_DAY_VIEWS,
    WEEK_B,
    YOUTUBE_DAY_VIEWS,
    MeasureWorld,
    build,
    week_views,
)
from tests.notifications.receivers import SmtpServer, WebhookReceiver

SECRET = "report-hook-secret-0123456789"


@pytest.fixture
def world(session: Session) -> MeasureWorld:
    return build(session)


def _make(session: Session, settings: Settings, world: MeasureWorld, language: str) -> Report:
    report, _data = flows.make_report(
        session,
        settings=settings,
        workspace=world.workspace,
        kind=ReportKind.weekly,
        start=WEEK_B[0],
        end=WEEK_B[1],
        language=language,
    )
    session.commit()
    return report


def _pdf_text(data: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return text, fonts


def test_the_last_complete_period() -> None:
    saturday = date(2026, 12, 5)
    assert service.last_period(ReportKind.weekly, saturday) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert service.last_period(ReportKind.monthly, saturday) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert service.last_period(ReportKind.monthly, date(2026, 1, 1)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    assert service.period_containing(ReportKind.weekly, date(2026, 11, 25)) == WEEK_B


def test_a_weekly_pdf_has_the_figures_and_chinese_text(
    session: Session, settings: Settings, world: MeasureWorld
) -> None:
    report = _make(session, settings, world, "zh_Hans")
    views = week_views(YOUTUBE_DAY_VIEWS, WEEK_B) + week_views(TIKTOK_DAY_VIEWS, WEEK_B)
    assert report.summary["views"] == views and report.summary["posts"] == len(POSTS)
    assert report.summary["top_post"] == POSTS[0][1]
    html = flows.report_bytes(settings, report, "html").decode()
    assert html.count("<svg") == 2 and "星光工作室" in html
    text, fonts = _pdf_text(flows.report_bytes(settings, report, "pdf"))
    assert "星光工作室" in text and "周末探店" in text  # extractable: real glyphs, not boxes
    assert any("Noto" in f and "Sans" in f for f in fonts), fonts


def _emoji_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return "Emoji" in found


def test_emoji_in_a_post_title_are_drawn_with_the_machines_emoji_font(
    session: Session, settings: Settings, world: MeasureWorld, recwarn: pytest.WarningsRecorder
) -> None:
    if not _emoji_font_installed():
        if os.environ.get("CI"):
            pytest.fail("CI installs fonts-noto-color-emoji (.ci/run): no emoji font found")
        pytest.skip("no emoji font here: apt install fonts-noto-color-emoji (CI installs it)")
    top = session.scalars(select(Post).where(Post.title == POSTS[0][1])).one()
    top.title = f"{POSTS[0][1]} 🎉"
    session.commit()
    report = _make(session, settings, world, "en")
    text, fonts = _pdf_text(flows.report_bytes(settings, report, "pdf"))
    assert "🎉" in text
    assert any("Emoji" in f for f in fonts), fonts  # the glyph, not a box
    # The chart leaves out what its fonts cannot draw instead of drawing boxes.
    assert not [w for w in recwarn.list if "missing from font" in str(w.message)]


def test_making_a_report_again_replaces_it(
    session: Session, settings: Settings, world: MeasureWorld
) -> None:
    first = _make(session, settings, world, "en")
    again = _make(session, settings, world, "en")
    assert first.id == again.id
    assert session.scalar(select(func.count()).select_from(Report)) == 1
    _make(session, settings, world, "zh_Hans")
    assert session.scalar(select(func.count()).select_from(Report)) == 2


def test_the_cli_writes_the_pdf(
    session: Session, settings: Settings, world: MeasureWorld, tmp_path: Path
) -> None:
    target = tmp_path / "weekly.pdf"
    result = CliRunner().invoke(
        cli, ["report", "weekly", "--period-of", "2026-11-25", "--pdf", str(target), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["period_start"] == str(WEEK_B[0]) and summary["period_end"] == str(WEEK_B[1])
    assert target.read_bytes().startswith(b"%PDF")
    bad = CliRunner().invoke(cli, ["report", "daily"])
    assert bad.exit_code != 0 and "weekly or monthly" in bad.output


def test_report_pages(app: Any, session: Session, world: MeasureWorld) -> None:
    client = TestClient(app)
    factories.login(client, world.analyst.email)
    page = client.get("/measure/reports")
    assert page.status_code == 200 and "No report made yet." in page.text
    made = client.post(
        "/measure/reports",
        data={"kind": "weekly", "start": "2026-11-25", "csrf_token": factories.csrf(client)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    html = client.get(made.headers["location"])
    assert html.status_code == 200 and "周末探店" in html.text
    pdf = client.get(made.headers["location"] + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Scheduling is an admin's: the analyst is refused.
    refused = client.post(
        "/measure/reports/schedules/weekly",
        data={"enabled": "1", "csrf_token": factories.csrf(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def _channels(session: Session, world: MeasureWorld, **fields: Any) -> None:
    notification_service.save_notification_settings(
        session, actor=world.actor, data=NotificationSettingsWrite(**fields)
    )
    session.commit()


def test_a_scheduled_report_is_sent_once_by_webhook_and_email(
    session: Session, settings: Settings, world: MeasureWorld
) -> None:
    receiver, smtp = WebhookReceiver(), SmtpServer()
    try:
        _channels(
            session,
            world,
            webhook_url=receiver.url,
            webhook_secret=SECRET,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_starttls=False,
            smtp_from="reports@studio.example",
        )
        schedule = service.schedule_for(
            session, workspace_id=world.workspace.id, kind=ReportKind.weekly
        )
        schedule.enabled, schedule.webhook = True, True
        schedule.emails = ["lead@studio.example"]
        session.commit()
        now = datetime(2026, 12, 1, 9, tzinfo=UTC)
        [(due, start, end)] = flows.due_schedules(session, now=now)
        assert (start, end) == WEEK_B
        report = flows.send_scheduled(
            session, settings=settings, schedule=due, start=start, end=end
        )
        session.commit()
        assert report.delivery == {"email": "sent", "webhook": "sent"}
        [hit] = receiver.hits
        assert hit.json()["report"]["summary"]["top_post"] == POSTS[0][1]
        [mail] = smtp.mails
        message = message_from_bytes(mail.data)
        assert mail.recipients == ["lead@studio.example"]
        attachments = [p for p in message.walk() if p.get_filename()]
        assert attachments and attachments[0].get_payload(decode=True).startswith(b"%PDF")
        assert flows.due_schedules(session, now=now) == []  # sent: not again this week
    finally:
        receiver.close()
        smtp.close()


def test_a_missing_channel_is_reported_not_raised(
    session: Session, settings: Settings, world: MeasureWorld
) -> None:
    schedule = service.schedule_for(
        session, workspace_id=world.workspace.id, kind=ReportKind.monthly
    )
    schedule.enabled, schedule.webhook, schedule.emails = True, True, ["a@b.example"]
    session.commit()
    report = flows.send_scheduled(
        session,
        settings=settings,
        schedule=schedule,
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
    )
    assert report.delivered_at is None
    assert "no SMTP server" in report.delivery["email"]
    assert "no webhook" in report.delivery["webhook"]


def test_chart_labels_leave_out_what_the_chart_fonts_cannot_draw() -> None:
    from shortops.reports.svg import drawable

    assert drawable("周末探店 🎉 tips") == "周末探店 tips"
    assert drawable("Plain title") == "Plain title"
