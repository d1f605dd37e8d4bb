"""The table `make bench` ends with: every figure, its baseline and their ratio, side by side.

Each benchmark module's `rows(result)` turns its own report into Rows; a ratio is always the
function's figure over its baseline's, measured in the same run, and `target` says what the
issue asks of it ("reported" when it asks for the figure only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HEADER = ("benchmark", "figure", "function", "baseline", "ratio", "target", "met")


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    function: str
    baseline: str
    ratio: float | None = None
    at_most: float | None = None
    at_least: float | None = None

    @property
    def target(self) -> str:
        if self.at_most is not None:
            return f"<= {self.at_most:g}x"
        if self.at_least is not None:
            return f">= {self.at_least:g}x"
        return "reported"

    @property
    def met(self) -> str:
        if self.ratio is None or (self.at_most is None and self.at_least is None):
            return ""
        low = self.at_least if self.at_least is not None else float("-inf")
        high = self.at_most if self.at_most is not None else float("inf")
        return "yes" if low <= self.ratio <= high else "NO"

    def cells(self) -> tuple[str, ...]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        return (
            self.benchmark,
            self.figure,
            self.function,
            self.baseline,
            ratio,
            self.target,
            self.met,
        )


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def render(rows: Iterable[Row]) -> str:
    """A Markdown table (it reads as plain text too)."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(lines[0]), rule, *(line(cells) for cells in lines[1:])])
