"""`dfss` against the local stack, in this process: what the tests of tests/cli share.

The fixtures (`local`, `dfss`) are in tests/cli/conftest.py; these are the types they hand out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from local.stack import LocalStack
from local.world import SeededWorld


@dataclass(frozen=True)
class Local:
    stack: LocalStack
    world: SeededWorld

    def status(self, name: str) -> str:
        return str(self.stack.emulator.get_session(self.world.arn(name))["status"])


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def rows(self) -> list[list[str]]:
        """The first table's rows, cut into cells where its rule of dashes says."""
        lines = self.out.splitlines()
        rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
        spans = [match.span() for match in re.finditer(r"-+", lines[rule])]
        # The last column runs to the end of the line: its cells may be longer than the rule.
        columns: list[tuple[int, int | None]] = [*spans[:-1], (spans[-1][0], None)]
        rows = []
        for line in lines[rule + 1 :]:
            if not line.strip():
                break
            rows.append([line[start:end].strip() for start, end in columns])
        return rows


class Dfss:
    """`dfss ARGS --endpoint <the local stack>` (`stdin`: what a person types)."""

    def __init__(self, run: Callable[[list[str], io.StringIO | None], Ran]) -> None:
        self._run = run

    def __call__(self, *argv: str, stdin: io.StringIO | None = None) -> Ran:
        return self._run(list(argv), stdin)
