"""The local stack `make local` serves, started in-process for each test that asks for it
(its sessions seeded with the ages `make local` gives them), and `dfss` pointed at it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from dfss.cli import main
from local.stack import LocalStack, LocalStackConfig
from local.stack_cli import LOCAL_SEEDS
from local.world import new_emulator, seed_world
from tests.cli.local_dfss import Dfss, Local, Ran


@pytest.fixture
def local() -> Iterator[Local]:
    emulator, clock = new_emulator(metered_concurrency=5)
    world = seed_world(emulator, clock, LOCAL_SEEDS)
    config = LocalStackConfig(function_env={"PROTECTED_NAME_PATTERN": "keep-.*"})
    with LocalStack(config, emulator) as stack:
        yield Local(stack, world)


@pytest.fixture
def dfss(local: Local, capsys: pytest.CaptureFixture[str]) -> Dfss:
    def run(argv: list[str], stdin: io.StringIO | None) -> Ran:
        code = main([*argv, "--endpoint", local.stack.api_url], stdin=stdin)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return Dfss(run)
