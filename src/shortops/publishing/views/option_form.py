"""A form built from a provider's options model (its JSON schema): one control per field,
with labels people read, and the form's values read back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from shortops.errors import N_

# Set by the engine, not by a person (the manual kit's platform comes from the account).
HIDDEN_OPTIONS = frozenset({"platform_label"})


# Options a platform's rules make the user choose for every post (TikTok's guidelines: privacy
# has no default), though the options model allows leaving them out for other modes.
MUST_CHOOSE = {("tiktok", "privacy_level")}


OPTION_LABELS = {
    "platform_label": N_("Platform"),
    "privacy_level": N_("Who can see it"),
    "privacy": N_("Privacy"),
    "visibility": N_("Visibility"),
    "mode": N_("How to post"),
    "disable_comment": N_("Turn off comments"),
    "disable_duet": N_("Turn off duets"),
    "disable_stitch": N_("Turn off stitches"),
    "video_cover_timestamp_ms": N_("Cover frame (ms from the start)"),
    "brand_content_toggle": N_("Paid partnership (branded content)"),
    "brand_organic_toggle": N_("Promotes my own business"),
    "is_aigc": N_("AI-generated content"),
    "ai_generated": N_("AI-generated content"),
    "made_for_kids": N_("Made for kids"),
    "category_id": N_("Category id"),
    "notify_subscribers": N_("Notify subscribers"),
    "short": N_("Post as a Short"),
    "processing_polls": N_("Processing steps"),
    "simulate": N_("Simulate"),
    "short_title": N_("Short title"),
    "branded_content": N_("Paid partnership (branded content)"),
    "brand": N_("Brand"),
    "reprint_source": N_("Reprint source (empty for original work)"),
    "tid": N_("Category (分区) id"),
    "copyright": N_("Copyright"),
    "source": N_("Reprint source"),
    "no_reprint": N_("Ask others not to repost"),
    "topic_id": N_("Topic id"),
    "mission_id": N_("Event id"),
    "cover_tsp": N_("Cover frame (seconds from the start)"),
    "share_to_feed": N_("Also show in the main feed"),
    "thumb_offset_ms": N_("Cover frame (ms from the start)"),
    "collaborators": N_("Collaborators (comma-separated)"),
}


VALUE_LABELS = {
    "PUBLIC_TO_EVERYONE": N_("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": N_("Friends"),
    "FOLLOWER_OF_CREATOR": N_("Followers"),
    "SELF_ONLY": N_("Only me"),
    "public": N_("Public"),
    "private": N_("Private"),
    "unlisted": N_("Unlisted"),
    "direct": N_("Post directly"),
    "inbox": N_("Send to the inbox as a draft"),
    "none": N_("Nothing (publish normally)"),
    "fail_upload": N_("A failed upload"),
    "reject": N_("A rejection"),
    "slow_processing": N_("Slow processing"),
    "outcome_unknown": N_("An unknown outcome"),
}


@dataclass
class OptionField:
    """One platform option as a form control, read from the options model's JSON schema."""

    name: str
    label: str
    kind: str  # select | checkbox | number | text | list
    default: Any = None
    choices: list[tuple[Any, str]] = field(default_factory=list)
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: str = "1"
    max_length: int | None = None
    locked: bool = False  # the platform turned it off for this account (TikTok's creator_info)


def option_fields(model: type[BaseModel], platform: str = "") -> list[OptionField]:
    """The options model's fields as controls: enums are selects, booleans checkboxes, numbers
    and strings inputs; fields without a default are required."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", []))
    found: list[OptionField] = []
    for name, prop in schema.get("properties", {}).items():
        if name in HIDDEN_OPTIONS:
            continue
        spec, nullable = _unwrap(prop, definitions)
        label = OPTION_LABELS.get(name, str(prop.get("title") or name))
        kind = _kind(spec)
        option = OptionField(
            name=name,
            label=label,
            kind=kind,
            default=prop.get("default"),
            required=name in required or (platform, name) in MUST_CHOOSE,
            nullable=nullable,
            max_length=spec.get("maxLength"),
        )
        if kind == "select":
            option.choices = [
                (value, VALUE_LABELS.get(str(value), str(value))) for value in spec["enum"]
            ]
        if kind == "number":
            option.minimum = spec.get("minimum", spec.get("exclusiveMinimum"))
            option.maximum = spec.get("maximum")
            option.step = "1" if spec.get("type") == "integer" else "any"
        found.append(option)
    return found


def _unwrap(prop: dict[str, Any], definitions: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's own schema (a $ref followed, `X | None` unwrapped) and whether None is ok."""
    nullable = False
    spec = prop
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        nullable = len(branches) < len(prop["anyOf"])
        spec = branches[0] if branches else {}
    if "$ref" in spec:
        spec = definitions.get(spec["$ref"].rsplit("/", 1)[-1], {})
    return spec, nullable


def _kind(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "select"
    kind = spec.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "list"
    return "text"


def option_value(option: OptionField, raw: list[str] | None, shown: bool) -> tuple[bool, Any]:
    """(given, value) of one option from the posted form; not given = the platform's default."""
    if option.kind == "checkbox":
        if raw:
            return True, True
        return (True, False) if shown else (False, None)
    text = (raw or [""])[-1].strip()
    if not text:
        return False, None
    if option.kind == "select":
        for value, _label in option.choices:
            if str(value) == text:
                return True, value
        return True, text  # not one of the choices: the check names it
    if option.kind == "number":
        try:
            return True, int(text) if option.step == "1" else float(text.replace(",", "."))
        except ValueError:
            return True, text
    if option.kind == "list":
        return True, _split_list(text)
    return True, text


def _split_list(text: str) -> list[str]:
    for separator in ("，", "、", ";", "\n"):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def split_hashtags(text: str) -> list[str]:
    """Hashtags as typed: separated by commas, spaces or '#' (Chinese commas too)."""
    for separator in ("，", "、", ",", "#", "\n", "\t"):
        text = text.replace(separator, " ")
    return [part for part in text.split(" ") if part]
