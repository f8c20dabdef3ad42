"""TikTok Studio, Analytics → Download data: Overview, Content, FollowerHistory and
FollowerActivity (CSV or XLSX, loose or in the downloaded ZIP).

Headers follow the UI language (English and Swedish seen; Spanish keeps English headers) and so
do month names ("April 12", "8 de marzo", "28 апреля"). Dates carry no year: it comes from the
user, else from the ZIP's name (`Overview_<first day>_<epoch>_<handle>.zip`), else each date
is read as the latest one not after today, and the preview says so.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.metrics.importers import values
from shortops.metrics.importers.columns import Column, Columns, read_rows
from shortops.metrics.importers.tables import Table
from shortops.metrics.importers.types import (
    AccountDayRow,
    ActivityRow,
    ExportKind,
    ImportOptions,
    ParsedExport,
    PostRow,
    Skipped,
)

KIND: ExportKind = "tiktok_studio"
LABEL = "TikTok Studio (Overview, Content, FollowerHistory, FollowerActivity)"


def _day_text(cell: Any) -> Any:
    return cell  # read later, once the year is known


DATE = Column("day", _day_text)
OVERVIEW: dict[str, Column] = {
    "Date": DATE,
    "Datum": DATE,
    "Fecha": DATE,
    "Video Views": Column("views"),
    "Videovisningar": Column("views"),
    "Profile Views": Column("profile_views"),
    "Profilvisningar": Column("profile_views"),
    "Likes": Column("likes"),
    "Gilla-markeringar": Column("likes"),
    "Comments": Column("comments"),
    "Kommentarer": Column("comments"),
    "Shares": Column("shares"),
    "Delningar": Column("shares"),
    "Reached audience": Column("reach"),
    "Målgrupp som nåtts": Column("reach"),
    "Net growth": Column("followers_net"),
    "Nettotillväxt": Column("followers_net"),
    "New followers": Column("followers_gained"),
    "Nya följare": Column("followers_gained"),
    "Lost followers": Column("followers_lost"),
    "Tappade följare": Column("followers_lost"),
}
FOLLOWERS: dict[str, Column] = {
    "Date": DATE,
    "Datum": DATE,
    "Followers": Column("followers"),
    "Följare": Column("followers"),
    "Difference in followers from previous day": Column("followers_net"),
}
ACTIVITY: dict[str, Column] = {
    "Date": DATE,
    "Datum": DATE,
    "Hour": Column("hour"),
    "Timme": Column("hour"),
    "Active followers": Column("active_followers"),
    "Aktiva följare": Column("active_followers"),
}
CONTENT: dict[str, Column] = {
    "Video title": Column("title", values.text),
    "Video link": Column("url", values.text),
    "Post time": Column("published", _day_text),
    "Publishing time": Column("published", _day_text),
    "Total views": Column("views"),
    "Video views": Column("views"),
    "Total likes": Column("likes"),
    "Likes": Column("likes"),
    "Total comments": Column("comments"),
    "Comments": Column("comments"),
    "Total shares": Column("shares"),
    "Shares": Column("shares"),
    "Add to favorites": Column("saves"),
    "Total favorites": Column("saves"),
    "Total play time": Column("watch_time_s"),
    "Average watch time": Column("avg_view_s"),
    "Watched full video": Column("completion_rate"),
    "Reach": Column("reach"),
}
# Sections read for nothing shortops keeps per account (audience shares): noted, not refused.
IGNORED = {"gender", "distribution", "top territories", "age"}
_NAME_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NAME_EPOCH = re.compile(r"_(1\d{9})(?:_|\.|$)")


DATE_KEYS = {"date", "datum", "fecha"}


def role(headers: list[str]) -> str | None:
    """Which section of TikTok's download this table is (None: not TikTok's)."""
    names = {h.strip().casefold() for h in headers}
    if {"video title", "video link"} <= names:
        return "content"
    if "distribution" in names and names <= IGNORED:
        return "ignored"
    if not names & DATE_KEYS:
        return None
    if names & {"hour", "timme"} and names & {"active followers", "aktiva följare"}:
        return "activity"
    if names & {"followers", "följare"} and len(names) <= 3:
        return "followers"
    if names & {"video views", "videovisningar"}:
        return "overview"
    return None


def read(
    tables: list[tuple[str, Table]], options: ImportOptions, name: str, names: list[str]
) -> ParsedExport:
    parsed = ParsedExport(kind=KIND, platform="tiktok", name=name, cumulative=True)
    years = YearReader(options.year, names)
    by_day: dict[date, AccountDayRow] = {}
    for which, table in tables:
        parsed.files.append(table.name)
        parsed.columns[table.name] = list(table.headers)
        if which == "ignored":
            parsed.notes.append(
                Skipped(
                    0,
                    N_("{file} holds audience shares, which are not imported."),
                    {"file": table.name},
                    table.name,
                )
            )
            parsed.rows_read += len(table.rows)
            parsed.skipped += [
                Skipped(line, N_("audience shares are not imported"), file=table.name)
                for line in table.lines
            ]
            continue
        parsed.rows_read += len(table.rows)
        if which == "content":
            _read_content(parsed, table, years)
        elif which == "activity":
            _read_activity(parsed, table, years)
        else:
            aliases = OVERVIEW if which == "overview" else FOLLOWERS
            _read_days(parsed, table, years, aliases, by_day)
    parsed.account_days = sorted(by_day.values(), key=lambda r: r.day)
    days = [r.day for r in parsed.account_days] + [r.day for r in parsed.activity]
    if days:
        parsed.period = (min(days), max(days))
    parsed.as_of = years.export_day
    if years.guessed is not None:
        parsed.notes.append(
            Skipped(
                0,
                N_(
                    "The file's dates have no year: they were read as the latest such dates "
                    "not after {today}. Give the year if that is wrong."
                ),
                {"today": str(years.guessed)},
            )
        )
    return parsed


class YearReader:
    """Reads TikTok's year-less dates; see the module's docstring for where the year comes from."""

    def __init__(self, year: int | None, names: list[str]) -> None:
        self.year = year
        self.first_day: date | None = None
        self.export_day: date | None = None
        for name in names:
            if (match := _NAME_DAY.search(name)) and self.first_day is None:
                with contextlib.suppress(ValueError):  # not a date after all
                    self.first_day = date(*map(int, match.groups()))
            if (epoch := _NAME_EPOCH.search(name)) and self.export_day is None:
                self.export_day = datetime.fromtimestamp(int(epoch.group(1)), UTC).date()
        self.guessed: date | None = None

    def read(self, cell: Any) -> date | datetime | None:
        try:
            return values.day_or_moment(cell, order="mdy", year=self.year)
        except values.NoYear:
            pass
        # 2000 is a leap year, so "February 29" reads; the real year is chosen below.
        moment = values.day_or_moment(cell, order="mdy", year=2000)
        assert moment is not None
        return moment.replace(year=self._year_for(moment.month, moment.day))

    def _year_for(self, month: int, day: int) -> int:
        if (
            self.first_day is not None
        ):  # the export starts on first_day: the first such date on/after
            year = self.first_day.year
            return year if _fits(year, month, day) >= self.first_day else year + 1
        limit = self.export_day
        if limit is None:
            today = utcnow().date()
            self.guessed = today
            limit = today + timedelta(days=1)  # a day's slack for time zones
        year = limit.year
        return year if _fits(year, month, day) <= limit else year - 1


def _fits(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # February 29 in a common year
        return date(year, 3, 1)


def _dated(parsed: ParsedExport, table: Table, years: YearReader, line: int, cell: Any) -> Any:
    try:
        value = years.read(cell)
    except values.BadValue as exc:
        parsed.skipped.append(
            Skipped(line, N_('"{value}" is not a date'), {"value": exc.text[:80]}, table.name)
        )
        return None
    if value is None:
        parsed.skipped.append(Skipped(line, N_("the row has no date"), file=table.name))
    return value


def _read_days(
    parsed: ParsedExport,
    table: Table,
    years: YearReader,
    aliases: dict[str, Column],
    by_day: dict[date, AccountDayRow],
) -> None:
    columns = Columns.resolve(table.headers, aliases)
    for line, row in read_rows(columns, table, fields=("day",), skipped=parsed.skipped):
        moment = _dated(parsed, table, years, line, row.fields.get("day"))
        if moment is None:
            continue
        day = moment.date() if isinstance(moment, datetime) else moment
        earlier = by_day.get(day)
        if earlier is not None and earlier.file == table.name:
            parsed.skipped.append(
                Skipped(
                    line, N_("the same day as line {first}"), {"first": earlier.line}, table.name
                )
            )
            continue
        # Overview and FollowerHistory describe the same days: one row per day, merged.
        metrics = {**(earlier.metrics if earlier else {}), **row.metrics}
        if earlier is not None:
            parsed.skipped.append(
                Skipped(
                    line,
                    N_("merged with the same day in {file}"),
                    {"file": earlier.file},
                    table.name,
                )
            )
        by_day[day] = AccountDayRow(
            line=earlier.line if earlier else line,
            day=day,
            metrics=metrics,
            file=earlier.file if earlier else table.name,
        )


def _read_activity(parsed: ParsedExport, table: Table, years: YearReader) -> None:
    columns = Columns.resolve(table.headers, ACTIVITY)
    for line, row in read_rows(columns, table, fields=("day",), skipped=parsed.skipped):
        moment = _dated(parsed, table, years, line, row.fields.get("day"))
        hour, active = row.metrics.get("hour"), row.metrics.get("active_followers")
        if moment is None:
            continue
        if hour is None or not 0 <= int(hour) <= 23 or active is None:
            parsed.skipped.append(
                Skipped(line, N_("the row needs an hour from 0 to 23 and a count"), file=table.name)
            )
            continue
        day = moment.date() if isinstance(moment, datetime) else moment
        parsed.activity.append(ActivityRow(line, day, int(hour), int(active), table.name))


def _read_content(parsed: ParsedExport, table: Table, years: YearReader) -> None:
    columns = Columns.resolve(table.headers, CONTENT)
    for line, row in read_rows(
        columns, table, fields=("title", "url", "published"), skipped=parsed.skipped
    ):
        published = row.fields.get("published")
        if published is not None:
            published = _dated(parsed, table, years, line, published)
            if published is None:
                continue
        parsed.posts.append(
            PostRow(
                line=line,
                url=row.fields.get("url"),
                title=row.fields.get("title"),
                published=published,
                metrics=row.metrics,
                extra=row.extra,
                file=table.name,
            )
        )
