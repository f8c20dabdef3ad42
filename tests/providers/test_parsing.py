"""The JSON readers every provider uses: what platforms send, and what comes out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shortops.providers.parsing import epoch, integer, mapping, number, timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("12", 12), (" -3 ", -3), (True, None), ("1.5", None), (None, None), ([], None)],
)
def test_integer(value: object, expected: int | None) -> None:
    assert integer(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, 2.0), (2.5, 2.5), ("2.5", 2.5), (False, None), ("nan", None), ("inf", None), ("x", None)],
)
def test_number(value: object, expected: float | None) -> None:
    assert number(value) == expected


def test_timestamp_is_always_aware() -> None:
    assert timestamp("2026-12-01T10:00:00+08:00") == datetime(2026, 12, 1, 2, tzinfo=UTC)
    assert timestamp("2026-12-01T10:00:00") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert timestamp("yesterday") is None and timestamp(1764583200) is None


def test_epoch_takes_seconds_or_milliseconds() -> None:
    moment = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert epoch(moment.timestamp()) == moment
    assert epoch(int(moment.timestamp() * 1000)) == moment
    assert epoch(0) is None and epoch(True) is None and epoch("1764583200") is None


def test_mapping() -> None:
    assert mapping({"a": 1}) == {"a": 1}
    assert mapping([1]) == {} and mapping(None) == {}
