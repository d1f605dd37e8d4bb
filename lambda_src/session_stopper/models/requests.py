"""What callers send: the stop command (API body, EventBridge detail, direct invoke)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from session_stopper.models.arn import SessionArn


class StopCommand(BaseModel):
    """`{"arn": "..."}` and nothing else: an unknown key is more likely a typo than a wish."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    arn: SessionArn
