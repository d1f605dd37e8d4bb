"""The emulated Device Farm accounts: projects, sessions, tags, call accounting and faults.

One `DeviceFarmEmulator` is one account; the one the server holds is the hub, and
`account(id)` reaches (creating on first use) the other accounts it serves, each with its own
projects, sessions, tags, rate-limit buckets, metered slots, call counts and CloudTrail feed.
They share the clock, the faults and the credentials registry.

The Python methods are for arranging tests and demos (no faults, not counted, no CloudTrail);
`handle` is the protocol entry point the HTTP server calls, and that is what decides the account
from the caller's access key, counts calls, injects faults and records the Create/Stop calls in
that account's `cloudtrail`.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from local.devicefarm_emulator import catalogue
from local.devicefarm_emulator.accounts import (
    HUB_ACCOUNT_ID,
    CredentialsRegistry,
    Principal,
    require_account_id,
    require_own_resources,
)
from local.devicefarm_emulator.arns import account_of, project_arn, session_arn
from local.devicefarm_emulator.clock import Clock, ManualClock
from local.devicefarm_emulator.cloudtrail import CloudTrailFeed, TrailSettings
from local.devicefarm_emulator.errors import (
    DeviceFarmError,
    InternalFailureError,
    LimitExceededError,
    MissingAuthenticationTokenError,
    NotFoundError,
    UnrecognizedClientError,
)
from local.devicefarm_emulator.faults import Faults
from local.devicefarm_emulator.lifecycle import (
    SessionRecord,
    Timeline,
    Timings,
    phase_at,
    schedule,
)
from local.devicefarm_emulator.operations import dispatch
from local.devicefarm_emulator.rate_limits import RateLimiter, RateLimitSettings
from local.devicefarm_emulator.render import render_session
from local.devicefarm_emulator.tagging import TagStore, taggable_type
from local.devicefarm_emulator.trail_record import USER_NAME, Caller

DEFAULT_ACCOUNT_ID = HUB_ACCOUNT_ID


class DeviceFarmEmulator:
    """State of one emulated account, and the way to the others it serves (`account`).
    Timestamps in answers are epoch seconds (floats)."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        metered_concurrency: int = 2,
        faults: Faults | None = None,
        page_size: int = 50,
        timings: Timings | None = None,
        cloudtrail: TrailSettings | None = None,
        rate_limits: RateLimitSettings | None = None,
        credentials: CredentialsRegistry | None = None,
    ) -> None:
        """`rate_limits`: Device Farm's API rate limits (rate_limits.py); None leaves them off,
        as unit-level tests want; the local stack and demo turn them on. `credentials`: who
        the access keys are; by default the local base keys are this account's."""
        if metered_concurrency < 1 or page_size < 1:
            raise ValueError("metered_concurrency and page_size must be at least 1")
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.account_id = require_account_id(account_id)
        self.credentials = (
            credentials if credentials is not None else CredentialsRegistry(account_id)
        )
        self.metered_concurrency = metered_concurrency
        self.faults = faults if faults is not None else Faults()
        self.page_size = page_size
        self.timings = timings if timings is not None else Timings()
        self.call_counts: Counter[str] = Counter()
        self.fault_counts: Counter[str] = Counter()
        self.throttled_counts: Counter[str] = Counter()  # by the rate limits, per operation
        self.rate_limiter = RateLimiter(rate_limits)
        self._initial_rate_limits = self.rate_limiter.settings.copy()
        self._initial_faults = self.faults.copy()
        self.cloudtrail = CloudTrailFeed(self.clock, account_id, cloudtrail)
        self._initial_trail = self.cloudtrail.settings.copy()
        # Re-entrant: operations compose the public methods, which lock on their own.
        self._lock = threading.RLock()
        self._projects: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, SessionRecord] = {}
        self._seq = itertools.count()
        self._tags = TagStore()
        # Every account this emulator serves, itself included; shared with the other accounts.
        self._accounts: dict[str, DeviceFarmEmulator] = {account_id: self}

    # -- protocol entry point -------------------------------------------------------------

    def handle(
        self, operation: str, body: dict[str, Any], caller: Caller | None = None
    ) -> dict[str, Any]:
        """Answer one protocol call, or raise the DeviceFarmError the service would answer.

        `caller` is what the HTTP request told about its sender: its access key decides the
        account that answers, the rest goes to CloudTrail. None: a call made from Python,
        as this account's local developer."""
        if caller is None:
            local_developer = f"arn:aws:iam::{self.account_id}:user/{USER_NAME}"
            return self._answer(
                operation, body, Caller(), Principal(self.account_id, local_developer)
            )
        principal = self._principal_of(caller)
        return self.account(principal.account_id)._answer(operation, body, caller, principal)

    def _principal_of(self, caller: Caller) -> Principal:
        if not caller.access_key_id:
            raise MissingAuthenticationTokenError()
        principal = self.credentials.principal_of(caller.access_key_id)
        if principal is None:
            raise UnrecognizedClientError()
        return principal

    def _answer(
        self, operation: str, body: dict[str, Any], caller: Caller, principal: Principal
    ) -> dict[str, Any]:
        """This account answers the call of `principal` (a principal of this account)."""
        with self._lock:
            self.call_counts[operation] += 1
        try:
            self._limit_rate(operation)
            self._inject_faults()
            require_own_resources(principal, operation, body)
            answer = dispatch(self, operation, body)
        except DeviceFarmError as error:
            # CloudTrail records refused calls too (errorCode, errorMessage), throttling included.
            self.cloudtrail.record(operation, body, caller, error=error)
            raise
        self.cloudtrail.record(operation, body, caller, answer=answer)
        return answer

    def _limit_rate(self, operation: str) -> None:
        if self.rate_limiter.admit(operation):
            return
        with self._lock:
            self.throttled_counts[operation] += 1
        raise LimitExceededError("Rate exceeded")

    def _inject_faults(self) -> None:
        latency = self.faults.latency_seconds()
        if latency > 0:
            time.sleep(latency)  # outside the lock: slow calls must not serialize the others
        fault = self.faults.draw()
        if fault is None:
            return
        with self._lock:
            self.fault_counts[fault] += 1
        if fault == "InternalFailure":
            raise InternalFailureError("An internal error occurred (injected by the emulator).")
        raise LimitExceededError("Rate exceeded (throttling injected by the emulator).")

    # -- accounts --------------------------------------------------------------------------

    def account(self, account_id: str) -> DeviceFarmEmulator:
        """The emulated account `account_id`, created empty on first use (a Device Farm
        account holds nothing until it is used), with this one's settings."""
        require_account_id(account_id)
        with self._lock:
            found = self._accounts.get(account_id)
            if found is None:
                found = self._new_account(account_id)
                self._accounts[account_id] = found
            return found

    def accounts(self) -> dict[str, DeviceFarmEmulator]:
        """Every account served so far, by id, sorted."""
        with self._lock:
            return dict(sorted(self._accounts.items()))

    def owner_of(self, arn: str) -> DeviceFarmEmulator:
        """The account a project's or session's ARN lives in (arranging code's shortcut)."""
        owner = account_of(arn)
        if owner is None:
            raise ValueError(f"not a Device Farm resource ARN of an account: {arn!r}")
        return self.account(owner)

    def _new_account(self, account_id: str) -> DeviceFarmEmulator:
        other = DeviceFarmEmulator(
            self.clock,
            account_id=account_id,
            metered_concurrency=self.metered_concurrency,
            faults=self.faults,
            page_size=self.page_size,
            timings=self.timings,
            cloudtrail=self._initial_trail.copy(),
            rate_limits=self._initial_rate_limits.copy(),
            credentials=self.credentials,
        )
        # The current settings, not only the initial ones (reset goes back to the initial).
        other.cloudtrail.settings = self.cloudtrail.settings.copy()
        other.rate_limiter.settings = self.rate_limiter.settings.copy()
        other._accounts = self._accounts
        other._lock = self._lock
        return other

    # -- projects --------------------------------------------------------------------------

    def create_project(self, name: str, default_job_timeout_minutes: int = 150) -> dict[str, Any]:
        arn = project_arn(self.account_id, str(uuid.uuid4()))
        project = {
            "arn": arn,
            "name": name,
            "defaultJobTimeoutMinutes": default_job_timeout_minutes,
            "created": self.clock.now(),
        }
        with self._lock:
            self._projects[arn] = project
        return dict(project)

    def get_project(self, arn: str) -> dict[str, Any]:
        with self._lock:
            project = self._projects.get(arn)
        if project is None:
            raise NotFoundError(f"Project not found: {arn}")
        return dict(project)

    def list_projects(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(project) for project in self._projects.values()]

    # -- devices ---------------------------------------------------------------------------

    def list_devices(self) -> list[dict[str, Any]]:
        return catalogue.all_devices()

    def get_device(self, arn: str) -> dict[str, Any]:
        device = catalogue.find_device(arn)
        if device is None:
            raise NotFoundError(f"Device not found: {arn}")
        return device

    # -- sessions --------------------------------------------------------------------------

    def create_session(
        self,
        project_arn: str,
        name: str | None = None,
        device_arn: str | None = None,
        billing_method: str = "METERED",
        **options: Any,
    ) -> dict[str, Any]:
        """Create a session. `options` take the API's member names: appArn, instanceArn,
        interactionMode, skipAppResign, deviceProxy."""
        device = self.get_device(device_arn or catalogue.default_device_arn())
        with self._lock:
            self.get_project(project_arn)
            project_id = project_arn.rsplit(":", 1)[1]
            record = SessionRecord(
                arn=session_arn(self.account_id, project_id, str(uuid.uuid4())),
                project_arn=project_arn,
                name=name,
                created=self.clock.now(),
                billing_method=billing_method,
                device=device,
                seq=next(self._seq),
                options=dict(options),
            )
            self._sessions[record.arn] = record
            return self._render(record.arn)

    def get_session(self, arn: str) -> dict[str, Any]:
        with self._lock:
            return self._render(arn)

    def stop_session(self, arn: str) -> dict[str, Any]:
        """Ask to stop; a session already stopping or completed is answered unchanged."""
        with self._lock:
            session = self._render(arn)
            if session["status"] not in ("STOPPING", "COMPLETED"):
                self._sessions[arn].stop_requested = self.clock.now()
                session = self._render(arn)
            return session

    def list_sessions(self, project_arn: str) -> list[dict[str, Any]]:
        with self._lock:
            self.get_project(project_arn)
            now = self.clock.now()
            timelines = self._schedule()
            return [
                self._render_one(record, timelines, now)
                for record in self._sessions.values()
                if record.project_arn == project_arn
            ]

    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- tags ------------------------------------------------------------------------------

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags on a project or session, as TagResource does."""
        with self._lock:
            self._require_taggable(arn)
            self._tags.tag(arn, tags)

    def untag_resource(self, arn: str, keys: Iterable[str]) -> None:
        with self._lock:
            self._require_taggable(arn)
            self._tags.untag(arn, keys)

    def list_tags(self, arn: str) -> dict[str, str]:
        with self._lock:
            self._require_taggable(arn)
            return self._tags.tags_of(arn)

    def _require_taggable(self, arn: str) -> None:
        """ArgumentException for what can never carry tags, NotFoundException for a resource
        this account does not hold (the emulator holds only projects and sessions)."""
        kind = taggable_type(arn)
        if kind == "project":
            self.get_project(arn)
        elif kind != "session" or arn not in self._sessions:
            raise NotFoundError(f"Resource not found: {arn}")

    # -- administration --------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all projects, sessions, tags, counts and CloudTrail events of every account;
        faults, rate limits and CloudTrail settings go back to their initial values (buckets
        full). The accounts and the credentials stay (subscriptions to their feeds too)."""
        with self._lock:
            for other in self._accounts.values():
                if other is not self:
                    other._reset_own()
            self._reset_own()

    def _reset_own(self) -> None:
        with self._lock:
            self._projects.clear()
            self._sessions.clear()
            self._tags.clear()
            self.cloudtrail.clear()
            self.cloudtrail.settings = self._initial_trail.copy()
            self.call_counts.clear()
            self.fault_counts.clear()
            self.throttled_counts.clear()
            self.rate_limiter.settings = self._initial_rate_limits.copy()
            self.rate_limiter.refill()
            initial = self._initial_faults
            self.faults.throttle_rate = initial.throttle_rate
            self.faults.latency_ms = initial.latency_ms
            self.faults.internal_failure_rate = initial.internal_failure_rate
            self.faults.reseed(initial.seed)

    # -- internals -------------------------------------------------------------------------

    def _schedule(self) -> dict[str, Timeline]:
        return schedule(self._sessions.values(), self.metered_concurrency, self.timings)

    def _render(self, arn: str) -> dict[str, Any]:
        if arn not in self._sessions:
            raise NotFoundError(f"Remote access session not found: {arn}")
        return self._render_one(self._sessions[arn], self._schedule(), self.clock.now())

    def _render_one(
        self, record: SessionRecord, timelines: dict[str, Timeline], now: float
    ) -> dict[str, Any]:
        phase = phase_at(record, timelines[record.arn], now, self.timings)
        return render_session(record, phase, self.timings)
