"""Resource tags: what TagResource, UntagResource and ListTagsForResource read and change.

The model's constraints (key and value lengths, at most 150 tags per request) are checked by
validation.py before a request gets here; this module holds the rules the model cannot express.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from local.devicefarm_emulator.arns import resource_type
from local.devicefarm_emulator.errors import ArgumentError, TooManyTagsError

# The model's TooManyTagsException: "The maximum number of tags that can be applied ... is 50."
MAX_TAGS_PER_RESOURCE = 50
# AWS keeps tag keys starting with "aws:" for itself; no caller may set them.
RESERVED_PREFIX = "aws:"
# The resource types the model says can carry tags, as they appear in ARNs.
TAGGABLE_TYPES = frozenset(
    {
        "project",
        "testgrid-project",
        "run",
        "networkprofile",
        "instanceprofile",
        "deviceinstance",
        "session",
        "devicepool",
        "device",
        "vpceconfiguration",
    }
)


def taggable_type(arn: str) -> str:
    """The ARN's resource type; ArgumentException when no tag can ever live on it."""
    kind = resource_type(arn)
    if kind is None:
        raise ArgumentError(f"Invalid ARN: {arn}")
    if kind not in TAGGABLE_TYPES:
        raise ArgumentError(f"Tagging is not supported for the resource type {kind}: {arn}")
    return kind


class TagStore:
    """Tags per ARN, in the order their keys were first set. Not locked: the emulator is."""

    def __init__(self) -> None:
        self._tags: dict[str, dict[str, str]] = {}

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite `tags`; every check passes before anything changes."""
        reserved = sorted(key for key in tags if key.lower().startswith(RESERVED_PREFIX))
        if reserved:
            raise ArgumentError(f"Reserved tag keys ({RESERVED_PREFIX}...): {reserved}")
        merged = {**self._tags.get(arn, {}), **tags}
        if len(merged) > MAX_TAGS_PER_RESOURCE:
            raise TooManyTagsError(
                f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags; "
                f"this request would leave {len(merged)}.",
                resource_name=arn,
            )
        self._tags[arn] = merged

    def untag(self, arn: str, keys: Iterable[str]) -> None:
        """Remove `keys`; a key the resource does not carry is no error."""
        current = self._tags.get(arn, {})
        for key in keys:
            current.pop(key, None)

    def tags_of(self, arn: str) -> dict[str, str]:
        return dict(self._tags.get(arn, {}))

    def clear(self) -> None:
        self._tags.clear()
