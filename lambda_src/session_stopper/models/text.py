"""Text that callers or Device Farm chose, made safe to put into any message we send."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

# Far above any ARN (1,011) or name, far below SNS's 256 KiB for a message of a dozen fields.
MAX_TEXT = 2048


def serialisable(value: str) -> str:
    """Bounded, and writable as UTF-8: JSON lets a caller send a lone surrogate ("\\ud800"),
    which no encoder can write, so it is kept visible as its escape instead of failing to
    publish the answer that reports it."""
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 3] + "..."
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


SafeText = Annotated[str, AfterValidator(serialisable)]
