"""Sending a file in parts: every byte once, in order, progress after each part, and a part that
breaks off ends as Transient saying how far it got."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortops.providers.errors import Rejected, Transient
from shortops.providers.transfer import send_in_parts
from shortops.providers.types import Progress


def test_parts_in_order_then_complete(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(bytes(range(256)) * 4)  # 1024 bytes
    parts: list[tuple[int, bytes]] = []
    completed: list[int] = []
    progress: list[Progress] = []
    count = send_in_parts(
        path, size=1024, part_bytes=300, platform="P", send=lambda i, c: parts.append((i, c)),
        complete=completed.append, on_progress=progress.append,
    )  # fmt: skip
    assert count == 4 and completed == [4]
    assert [i for i, _ in parts] == [0, 1, 2, 3]
    assert b"".join(c for _, c in parts) == path.read_bytes()
    assert [p.sent for p in progress] == [0, 300, 600, 900, 1024]


def test_a_broken_part_is_transient_with_how_far_it_got(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"x" * 1000)

    def send(index: int, content: bytes) -> None:
        if index == 2:
            raise Transient(platform="P", detail="connection reset")

    with pytest.raises(Transient) as caught:
        send_in_parts(path, size=1000, part_bytes=300, platform="P", send=send)
    assert caught.value.params["sent"] == 600 and caught.value.params["total"] == 1000
    assert "broke off" in caught.value.message_template


def test_a_refusal_stays_a_refusal_and_an_unreadable_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"x" * 10)

    def refuse(index: int, content: bytes) -> None:
        raise Rejected(platform="P", detail="too long")

    with pytest.raises(Rejected):
        send_in_parts(path, size=10, part_bytes=4, platform="P", send=refuse)
    with pytest.raises(Transient) as caught:
        send_in_parts(tmp_path / "gone.mp4", size=10, part_bytes=4, platform="P", send=refuse)
    assert "cannot be read" in caught.value.message_template
