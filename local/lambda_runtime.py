"""What the Lambda service does around the handler: a context object, and as many calls at once
as the function has execution environments (its reserved concurrency).

The handler is imported on first use, never at import time: Powertools reads its settings
(log level, tracing) from the environment when the function's modules are imported, so the local
stack must set the environment first.

Environments are threads of this process, where AWS gives each its own process: concurrent
invocations share the function's module state (its pacer, its clients, Powertools' log keys).
Outcomes do not depend on that state, so the lanes can be modelled faithfully; the local JSON
logs of two invocations in flight may carry each other's keys.
"""

from __future__ import annotations

import importlib
import io
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from local.sample_events import ACCOUNT_ID

FUNCTION_NAME = "session-stopper-local"
Handler = Callable[[Any, Any], Any]
EMF_PREFIX = '{"_aws":'


def function_arn(region: str) -> str:
    """The ARN the local function is invoked as (its context's invoked_function_arn)."""
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that Powertools and the function read."""

    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = field(default_factory=lambda: function_arn("eu-west-1"))
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"
    timeout_seconds: float = 300.0
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def real_handler() -> Handler:
    # Imported by name, on first use: after the local stack has set the environment.
    handler: Handler = importlib.import_module("session_stopper.handler").lambda_handler
    return handler


def bind_function_clock(now: Callable[[], float]) -> None:
    """Make the function read "now" from `now` (epoch seconds), e.g. the emulator's clock, so
    moving that clock moves the function's deadlines and ages with it."""
    source = importlib.import_module("session_stopper.clock")  # after the environment is set
    source.use(lambda: datetime.fromtimestamp(now(), UTC))


def unbind_function_clock() -> None:
    """Back to the wall clock."""
    importlib.import_module("session_stopper.clock").use(None)


def reset_function_caches() -> None:
    """Forget the clients and settings the function keeps per process.

    A process that runs the function again under a new environment (the demo inside the test
    suite, a second local stack) must not reuse clients pointed at servers that are gone.
    """
    for name, module in list(sys.modules.items()):
        if name != "session_stopper" and not name.startswith("session_stopper."):
            continue
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "__wrapped__"):
                value.cache_clear()


class LambdaInvoker:
    """Invokes the handler like Lambda with `concurrency` execution environments: each runs one
    event at a time, and an invocation that finds them all busy waits for one (where AWS would
    throttle it and retry an asynchronous event later)."""

    def __init__(
        self,
        handler: Handler | None = None,
        region: str = "eu-west-1",
        timeout_seconds: float = 300.0,
        drop_metric_lines: bool = False,
        concurrency: int = 1,
    ) -> None:
        self._handler = handler
        self._drop_metric_lines = drop_metric_lines
        self._region = region
        self._timeout_seconds = timeout_seconds
        self._concurrency = concurrency
        self._environments = threading.BoundedSemaphore(concurrency)
        self._closed = False

    def context(self) -> LocalLambdaContext:
        return LocalLambdaContext(
            invoked_function_arn=function_arn(self._region), timeout_seconds=self._timeout_seconds
        )

    def invoke(self, event: Any) -> Any:
        # Lambda never runs two events at once in one environment; the function's module
        # state (Powertools' logger keys, metric set) relies on that.
        with self._environments:
            if self._closed:
                raise RuntimeError("the local function has been shut down")
            # Imported before stdout is redirected: Powertools' logger binds sys.stdout once.
            handler = self._handler or real_handler()
            with _without_metric_lines(self._drop_metric_lines):
                return handler(event, self.context())

    def close(self, timeout: float = 15.0) -> None:
        """Let the invocations in flight finish (the environment they need is still there),
        then refuse new ones: Ctrl-C during a request must not end in a misconfigured function."""
        deadline = time.monotonic() + timeout
        taken = 0
        for _ in range(self._concurrency):
            if not self._environments.acquire(timeout=max(0.0, deadline - time.monotonic())):
                break
            taken += 1
        self._closed = True
        for _ in range(taken):
            self._environments.release()


class _WithoutMetricLines(io.TextIOBase):
    """Writes every line but EMF lines through to `target`; each thread's partial line waits
    for its end, so concurrent invocations never cut each other's lines."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._pending = threading.local()

    def write(self, text: str) -> int:
        *lines, rest = (getattr(self._pending, "text", "") + text).split("\n")
        self._pending.text = rest
        kept = "".join(f"{line}\n" for line in lines if not line.startswith(EMF_PREFIX))
        if kept:
            self._target.write(kept)
        return len(text)

    def finish_line(self) -> None:
        """What this thread printed without a final newline."""
        rest = getattr(self._pending, "text", "")
        self._pending.text = ""
        if rest and not rest.startswith(EMF_PREFIX):
            self._target.write(rest)


class _MetricLineFilter:
    """One filter on sys.stdout while any invocation runs. redirect_stdout per invocation would
    not do: it swaps a process-wide variable, so two invocations in flight would each restore
    the other's stream when they end."""

    _lock = threading.Lock()
    _users = 0
    _filter: _WithoutMetricLines | None = None
    _original: TextIO | None = None

    @classmethod
    @contextmanager
    def active(cls) -> Iterator[None]:
        with cls._lock:
            if cls._users == 0:
                cls._original = sys.stdout
                cls._filter = _WithoutMetricLines(sys.stdout)
                sys.stdout = cls._filter
            cls._users += 1
            line_filter = cls._filter
        try:
            yield
        finally:
            with cls._lock:
                assert line_filter is not None
                line_filter.finish_line()
                cls._users -= 1
                if cls._users == 0 and cls._original is not None:
                    sys.stdout = cls._original


@contextmanager
def _without_metric_lines(active: bool) -> Iterator[None]:
    """Drop the EMF lines the function prints, keep everything else.

    Powertools prints its ColdStart metric even with POWERTOOLS_METRICS_DISABLED=true (its
    single_metric path does not check the variable), so the variable alone is not enough.
    """
    if not active:
        yield
        return
    with _MetricLineFilter.active():
        yield
