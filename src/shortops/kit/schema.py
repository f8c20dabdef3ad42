"""The base of every shape that carries text a person typed (API bodies, forms, CLI options).

Control characters (NUL, ESC, backspace …) are refused in every text field: NUL cannot even be
stored by PostgreSQL, ESC sequences repaint terminals that list the value, and none can be typed
on purpose. Fields meant to hold several lines (captions, descriptions) keep line breaks and
tabs; a subclass names them in `multiline_fields`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from shortops.kit.text import has_control_characters

CONTROL_CHARACTERS = "control_characters"


class UserInput(BaseModel):
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = info.field_name in cls.multiline_fields
        if any(has_control_characters(text, multiline=multiline) for text in _texts(value)):
            raise PydanticCustomError(
                CONTROL_CHARACTERS,
                "contains a control character (such as NUL or ESC); remove it",
            )
        return value


def _texts(value: Any) -> list[str]:
    """The strings in a field's value: itself, or the items and keys of a list or mapping."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for item in value if isinstance(item, str)]
    if isinstance(value, dict):
        return [t for pair in value.items() for t in pair if isinstance(t, str)]
    return []
