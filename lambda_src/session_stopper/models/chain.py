"""A sweep chain as its summaries report it: one link per invocation, and the chain's totals.

A sweep whose work outlasts its invocation continues in the next one (models/continuation.py is
the event it sends; domain/sweeps/chain.py decides). Each link's summary says which link it is;
the last one says why the chain ended and carries the whole chain's totals.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from session_stopper.models.text import SafeText

# A chain has at most this many links (invocations), the first sweep included: at Device
# Farm's 1 stop/s that is about 8,000 stops, far beyond an account's active sessions, and a
# chain that somehow keeps finding work still ends after 10 invocations.
MAX_LINKS = 10

CountName = Annotated[str, StringConstraints(pattern=r"^[A-Z_]{1,32}$")]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Strict(BaseModel):
    """Input that must be exactly right: no unknown keys, no coercion, no NaN."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        populate_by_name=True,
        serialize_by_alias=True,
    )


class ChainEnd(StrEnum):
    DONE = "DONE"  # nothing was left
    LINK_CAP = "LINK_CAP"  # work was left, but the chain had MAX_LINKS links
    NO_PROGRESS = "NO_PROGRESS"  # work was left, but this link acted on nothing
    INVOKE_FAILED = "INVOKE_FAILED"  # work was left, but the next link could not be started


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        populate_by_name=True,
        serialize_by_alias=True,
    )


class ChainTotals(Strict):
    """What the chain's links did together, so far (the final link's: the whole chain's)."""

    links: int = Field(ge=1, le=MAX_LINKS, description="invocations so far, this one included")
    outcomes: dict[CountName, Count] = Field(
        default_factory=dict, max_length=16, description="outcome messages by outcome"
    )
    skipped: dict[CountName, Count] = Field(
        default_factory=dict, max_length=16, description="SKIPPED outcomes by reason"
    )
    device_minutes_stopped: float = Field(0.0, alias="deviceMinutesStopped", ge=0, le=1e9)
    estimated_savings_usd: float = Field(0.0, alias="estimatedSavingsUsd", ge=0, le=1e9)


class SweepContinuation(BaseModel):
    """In a sweep summary: this sweep is a link of a chain (absent: it needed no other)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, serialize_by_alias=True)

    chain_id: SafeText = Field(alias="chainId", description="the first link's sweepId")
    link: int = Field(description="1 for the sweep that started the chain")
    max_links: int = Field(MAX_LINKS, alias="maxLinks")
    previous_sweep_id: SafeText | None = Field(None, alias="previousSweepId")
    next_link: int | None = Field(
        None, alias="nextLink", description="set when this link invoked the next one"
    )
    end: ChainEnd | None = Field(
        None,
        description="set on the chain's last link: DONE, LINK_CAP, NO_PROGRESS or INVOKE_FAILED",
    )
    totals: ChainTotals = Field(description="every link so far, this one included")
