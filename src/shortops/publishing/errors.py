"""Errors of the publishing domain (part of the one tree in shortops.errors).

InvalidInput
└── PostInvalid            422  post_invalid        a post that cannot be scheduled as it is
Conflict
└── PublicationLocked      409  publication_locked  not in a state that allows the change
"""

from __future__ import annotations

from typing import Any

from shortops.errors import N_, Conflict, InvalidInput


class PostInvalid(InvalidInput):
    """Every problem of a post at once; `report` holds them per target (see compose.PostCheck)."""

    code = "post_invalid"
    template = N_("The post cannot be scheduled: {problems}")

    def __init__(self, report: Any, problems: str) -> None:
        self.report = report
        super().__init__(problems=problems)


class PublicationLocked(Conflict):
    code = "publication_locked"
    template = N_("This publication is {status}; it cannot be changed now.")
