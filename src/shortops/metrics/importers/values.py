"""Cell values as platforms write them: counts, rates, durations and dates in several locales.

Every parser takes what a CSV (a string) or an XLSX (a number, a datetime, or a string) holds,
returns None for an empty cell or a placeholder ("—", "-", "N/A"), and raises `BadValue`
for text it cannot read, so the caller can skip the row and say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

DateOrder = Literal["ymd", "dmy", "mdy"]
Number = int | float | Decimal

EMPTY = {"", "-", "--", "—", "–", "n/a", "na", "null", "none", "/"}
# Suffixes of abbreviated counts: 13.9M, 257.5K, 1.2万, 3亿, 1.2w (Chinese shorthand for 万).
_MULTIPLIERS = {
    "k": 1_000,
    "m": 1_000_000,
    "b": 1_000_000_000,
    "w": 10_000,
    "万": 10_000,
    "千": 1_000,
    "亿": 100_000_000,
}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([kmbw万千亿]?)$", re.IGNORECASE)
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")


class BadValue(ValueError):
    """A cell that is not what its column holds; `text` is the cell as found."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(f"{kind}: {text!r}")
        self.kind = kind
        self.text = text


def is_empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip().casefold() in EMPTY)


def text(cell: Any) -> str | None:
    """A text cell, stripped; None when empty."""
    if cell is None:
        return None
    value = str(cell).strip()
    return value or None


def number(cell: Any) -> Number | None:
    """A count or amount: "1,234", "13.9M", "1.2万", "12 400", 3.0 -> int where whole."""
    if isinstance(cell, str) and cell.isdigit() and cell.isascii():
        return int(cell)  # the common case, without the general parse
    if is_empty(cell):
        return None
    if isinstance(cell, bool):
        raise BadValue("number", str(cell))
    if isinstance(cell, int | Decimal):
        return cell
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else cell
    raw = str(cell).strip()
    cleaned = raw.translate(_SPACES).replace(",", "").replace("＋", "+")
    match = _NUMBER.match(cleaned)
    if match is None:
        raise BadValue("number", raw)
    digits, suffix = match.groups()
    multiplier = _MULTIPLIERS.get(suffix.lower(), 1) if suffix else 1
    value = Decimal(digits) * multiplier
    return int(value) if value == value.to_integral_value() else float(value)


def count(cell: Any) -> int | None:
    """A whole count; "1.5" of a count is rounded (platforms show rounded counts too)."""
    value = number(cell)
    return None if value is None else round(value)


def money(cell: Any) -> Decimal | None:
    if is_empty(cell):
        return None
    raw = str(cell).strip().lstrip("$¥￥€£").replace(",", "").translate(_SPACES)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise BadValue("money", str(cell)) from None


def percent(cell: Any) -> float | None:
    """A column that holds percentages (YouTube "(%)" columns): 71.07 -> 0.7107."""
    if is_empty(cell):
        return None
    raw = str(cell).strip().rstrip("%").strip() if isinstance(cell, str) else cell
    value = number(raw)
    # Through Decimal, so 5.02 % is 0.0502 and not 0.050199999999999995.
    return None if value is None else float(Decimal(str(value)) / 100)


def rate(cell: Any) -> float | None:
    """A rate written either way: "12.5%" -> 0.125, "0.0875" -> 0.0875 (Douyin writes both)."""
    if is_empty(cell):
        return None
    if isinstance(cell, str) and cell.strip().endswith("%"):
        return percent(cell)
    value = number(cell)
    return None if value is None else float(value)


_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?(?:\.(\d+))?$")
_CHINESE_DURATION = re.compile(
    r"^(?:(\d+)\s*小时)?\s*(?:(\d+)\s*分钟?)?\s*(?:(\d+(?:\.\d+)?)\s*秒)?$"
)


def seconds(cell: Any) -> float | None:
    """A duration: 978, "0:04:04", "00:59" (minutes:seconds), "18秒", "1分20秒", "12.5s"."""
    if is_empty(cell):
        return None
    if isinstance(cell, time):
        return cell.hour * 3600 + cell.minute * 60 + cell.second
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        return float(cell)
    raw = str(cell).strip()
    clock = _CLOCK.match(raw)
    if clock:
        a, b, c, frac = clock.groups()
        total = int(a) * 3600 + int(b) * 60 + int(c) if c is not None else int(a) * 60 + int(b)
        return total + (float("0." + frac) if frac else 0.0)
    chinese = _CHINESE_DURATION.match(raw)
    if chinese and any(chinese.groups()):
        h, m, s = chinese.groups()
        return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)
    stripped = raw.removesuffix("s").removesuffix("sec").strip()
    value = number(stripped) if stripped else None
    if value is None:
        raise BadValue("duration", raw)
    return float(value)


# --- dates ------------------------------------------------------------------------------------

# Month names as TikTok, YouTube and Meta write them in the UI languages seen in exports.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene janeiro janvier januar januari janv январь января янв",
        "february feb febrero febr fevereiro fev février févr februar februari февраль февраля фев",
        "march mar marzo março mars märz mars март марта",
        "april apr abril avril april апрель апреля апр",
        "may mayo maio mai maj май мая",
        "june jun junio junho juin juni июнь июня",
        "july jul julio julho juillet juil juli июль июля",
        "august aug agosto ago août august augusti авг август августа",
        "september sep sept septiembre setembro set septembre september сентябрь сентября сен",
        "october oct octubre outubro out octobre oktober okt октябрь октября окт",
        "november nov noviembre novembro novembre november ноябрь ноября ноя",
        "december dec diciembre dic dezembro dez décembre dezember december декабрь декабря дек",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_CHINESE_DATE = re.compile(
    r"^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_NUMERIC = re.compile(
    r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]+\.?|\d+", re.UNICODE)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


class NoYear(BadValue):
    """A date written without its year ("April 12") and no year given to read it with."""


def day_or_moment(
    cell: Any, *, order: DateOrder = "ymd", year: int | None = None
) -> date | datetime | None:
    """A day, or a naive local datetime when the cell has a time of day."""
    if is_empty(cell):
        return None
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None) if cell.time() != time() else cell.date()
    if isinstance(cell, date):
        return cell
    raw = " ".join(str(cell).split())
    try:
        return _parse_date(raw, order, year)
    except ValueError as exc:  # day 31 of a 30-day month, month 13 …
        if isinstance(exc, BadValue):
            raise
        raise BadValue("date", raw) from None


def day(cell: Any, *, order: DateOrder = "ymd", year: int | None = None) -> date | None:
    value = day_or_moment(cell, order=order, year=year)
    return value.date() if isinstance(value, datetime) else value


def _parse_date(raw: str, order: DateOrder, year: int | None) -> date | datetime:
    iso = _ISO.match(raw)
    if iso:
        y, m, d, hh, mm, ss = iso.groups()
        return _build(int(y), int(m), int(d), hh, mm, ss)
    chinese = _CHINESE_DATE.match(raw)
    if chinese:
        y, m, d, hh, mm, ss = chinese.groups()
        return _build(_year(y, year, raw), int(m), int(d), hh, mm, ss)
    numeric = _NUMERIC.match(raw)
    if numeric:
        a, b, c, hh, mm, ss, half = numeric.groups()
        first, second = int(a), int(b)
        d, m = (second, first) if order == "mdy" else (first, second)
        y = int(c) + (2000 if len(c) == 2 else 0)
        return _build(y, m, d, _hour(hh, half), mm, ss)
    return _parse_words(raw, year)


def _parse_words(raw: str, year: int | None) -> date | datetime:
    """ "Sep 27, 2024", "March 27, 2021", "April 12", "8 de marzo", "28 апреля", "3-Jun-26"."""
    clock = _TIME.search(raw)
    rest = raw[: clock.start()] if clock else raw
    month = day_number = found_year = None
    for token in _WORDS.findall(rest.replace("-", " ")):
        word = token.rstrip(".").casefold()
        if word.isdigit():
            value = int(word)
            if len(word) == 4:
                found_year = value
            elif day_number is None and 1 <= value <= 31:
                day_number = value
            elif found_year is None and month is not None:
                found_year = 2000 + value  # "3-Jun-26"
            else:
                raise BadValue("date", raw)
        elif word in _MONTHS and month is None:
            month = _MONTHS[word]
        elif word not in {"de", "of", "del", "г", "the"}:
            raise BadValue("date", raw)
    if month is None or day_number is None:
        raise BadValue("date", raw)
    hh, mm, ss, half = clock.groups() if clock else (None, None, None, None)
    return _build(
        _year(str(found_year) if found_year else None, year, raw),
        month,
        day_number,
        _hour(hh, half),
        mm,
        ss,
    )


def _year(found: str | None, given: int | None, raw: str) -> int:
    if found:
        return int(found)
    if given is None:
        raise NoYear("date without year", raw)
    return given


def _hour(hh: str | None, half: str | None) -> str | None:
    if hh is None or half is None:
        return hh
    hour = int(hh) % 12
    return str(hour + 12 if half.lower().startswith("p") else hour)


def _build(
    y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None
) -> date | datetime:
    if hh is None:
        return date(y, m, d)
    return datetime(y, m, d, int(hh), int(mm or 0), int(ss or 0))


def guess_order(cells: Iterable[Any], default: DateOrder = "dmy") -> DateOrder:
    """The order of a column of numeric dates ("13-06-2025"): a first part above 12 means day
    first, a second part above 12 month first; `default` when no row tells."""
    for cell in cells:
        if not isinstance(cell, str):
            continue
        match = _NUMERIC.match(cell.strip())
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
    return default
