"""What a caller may ask of this deployment: the operator's configuration is the ceiling.

A session or project ARN must name the Device Farm region and the account this deployment acts
on, and a project the operator put in scope when they named any. A sweep may narrow the
operator's projects and raise its age limit, never widen or lower them, and stops nothing while
the operator keeps the deployment in dry run, whatever the caller asks. A kill switch is the
operator's: whoever names a session or tags a project cannot hold it back.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from session_stopper.config import Settings
from session_stopper.domain.accounts import AccountScope
from session_stopper.domain.timers import creation
from session_stopper.gateways.organization import Admit
from session_stopper.models.arn import ResourceType, arn_parts
from session_stopper.models.cloudtrail import CloudTrailRecord
from session_stopper.models.continuation import ChainPolicy
from session_stopper.models.excerpt import quoted
from session_stopper.models.rejection import Rejection, RejectionDetail
from session_stopper.models.sweep import SweepCommand, SweepPolicy

INVALID_ARN = "INVALID_ARN"
INVALID_VALUE = "INVALID_VALUE"
OUT_OF_SCOPE = "OUT_OF_SCOPE"


def _refusal(code: str, field: str, message: str) -> Rejection:
    return Rejection(
        code=code,
        message=message,
        details=[RejectionDetail(field=field, code=code, message=message)],
    )


@dataclass(frozen=True)
class Authority:
    region: str
    account_id: str
    projects: tuple[str, ...]  # the operator's project ARNs; empty means all of the account's
    dry_run: bool
    default_max_age_minutes: float
    min_age_minutes: float
    # Whether a kill switch leaves protected names and exempt projects alone (default: no).
    kill_switch_spares_exempt: bool = False
    # The accounts acted in; None: the hub's alone (account_id).
    scope: AccountScope | None = field(default=None, compare=False)

    @classmethod
    def of(cls, settings: Settings, admit: Admit | None = None) -> Authority:
        """`admit`: an API request's retry allowance, for reading the organization's accounts
        when they are not known yet (gateways/organization.py)."""
        return cls(
            scope=AccountScope.of(settings, admit),
            region=settings.devicefarm_region,
            account_id=settings.devicefarm_account_id,
            projects=settings.sweep_project_arns,
            dry_run=settings.sweep_dry_run,
            default_max_age_minutes=settings.sweep_max_age_minutes,
            min_age_minutes=settings.sweep_min_age_minutes,
            kill_switch_spares_exempt=settings.kill_switch_spares_exempt,
        )

    def session_refusal(self, arn: str, field: str = "arn") -> Rejection | None:
        """Why this deployment must not act on a (well-formed) session ARN, or None."""
        return self._arn_refusal(arn, "session", field)

    def project_refusal(self, arn: str, field: str = "projectArn") -> Rejection | None:
        """Why this deployment must not act on a (well-formed) project ARN, or None."""
        return self._arn_refusal(arn, "project", field)

    def event_account_refusal(self, account: str) -> Rejection | None:
        """Sweeps and alarms come from the hub's own account only (the bus and every rule pin
        it too)."""
        if account == self.account_id:
            return None
        message = f"events from account {quoted(account)} are not accepted by this deployment"
        return _refusal(OUT_OF_SCOPE, "account", message)

    def sender_refusal(self, sender: str, arn: str, field: str = "arn") -> Rejection | None:
        """A stop command or a forwarded CloudTrail record acts in its sending account only:
        nothing a member account sends can make the hub act in another account."""
        if not self._in_scope(sender):
            message = f"events from account {quoted(sender)} are not accepted by this deployment"
            return _refusal(OUT_OF_SCOPE, "account", message)
        if sender != arn_parts(arn).account:
            message = f"an event from account {quoted(sender)} acts on that account's sessions only"
            return _refusal(OUT_OF_SCOPE, field, message)
        return self.session_refusal(arn, field)

    def record_refusal(self, sender: str, record: CloudTrailRecord) -> Rejection | None:
        """A CloudTrail record, forwarded from a member account or heard in the hub's: from an
        account in scope, about that account's own API calls and its own sessions only."""
        if not self._in_scope(sender):
            message = f"events from account {quoted(sender)} are not accepted by this deployment"
            return _refusal(OUT_OF_SCOPE, "account", message)
        recipient = record.recipient_account_id
        if (recipient is not None and recipient != sender) or any(
            arn_parts(arn).account != sender for arn in creation.named_arns(record)
        ):
            message = f"a record sent by account {quoted(sender)} must be about that account"
            return _refusal(OUT_OF_SCOPE, "detail", message)
        return None

    def caller_refusal(self, caller_account: str | None, arn: str) -> Rejection | None:
        """A caller stops or extends sessions of their own account only; the operator's routes
        (`/operator/...`, granted by the operator policy alone) reach every account in scope."""
        if caller_account != arn_parts(arn).account:
            message = (
                "callers stop and extend sessions of their own account only; the operator "
                "policy's /operator routes reach every account in scope"
            )
            return _refusal(OUT_OF_SCOPE, "arn", message)
        return self.session_refusal(arn)

    def sweep_policy(self, command: SweepCommand) -> SweepPolicy | Rejection:
        """The command's values within the operator's limits, or why they exceed them."""
        for index, arn in enumerate(command.project_arns or ()):
            refusal = self.project_refusal(arn, f"projectArns.{index}")
            if refusal:
                return refusal
        max_age = command.max_age_minutes
        if max_age is None:
            max_age = self.default_max_age_minutes
        if max_age < self.min_age_minutes:
            message = (
                f"maxAgeMinutes must be at least {self.min_age_minutes:g}, the least this "
                "deployment allows"
            )
            return _refusal(INVALID_VALUE, "maxAgeMinutes", message)
        return SweepPolicy(
            max_age_minutes=max_age,
            project_arns=tuple(dict.fromkeys(command.project_arns or self.projects)),
            dry_run=self.dry_run or command.dry_run is True,
            by_deadline=command.max_age_minutes is None,
        )

    def continuation_policy(self, frozen: ChainPolicy) -> SweepPolicy | Rejection:
        """A chain's frozen policy, checked again as if a caller asked for it now: within the
        operator's projects and age floor, and never out of the operator's dry run. Whether it
        may be a kill switch is the sweep lock's to say: only the chain's own ticket runs it."""
        for index, arn in enumerate(frozen.project_arns):
            refusal = self.project_refusal(arn, f"policy.projectArns.{index}")
            if refusal:
                return refusal
        if self.projects and not frozen.project_arns:
            message = "this deployment acts on its configured projects only"
            return _refusal(OUT_OF_SCOPE, "policy.projectArns", message)
        if not frozen.kill_switch and frozen.max_age_minutes < self.min_age_minutes:
            message = f"maxAgeMinutes must be at least {self.min_age_minutes:g}"
            return _refusal(INVALID_VALUE, "policy.maxAgeMinutes", message)
        return SweepPolicy(
            max_age_minutes=frozen.max_age_minutes,
            project_arns=tuple(dict.fromkeys(frozen.project_arns)),
            dry_run=self.dry_run or frozen.dry_run,
            kill_switch=frozen.kill_switch,
            by_deadline=frozen.by_deadline,
            # Decided again from the operator's setting, never carried in the ticket.
            spares_exempt=not frozen.kill_switch or self.kill_switch_spares_exempt,
        )

    def kill_switch_policy(self) -> SweepPolicy:
        """Every active session in the operator's scope, whatever its age, its name or its
        project's tags, unless the operator spares protected names and exempt projects. Only
        the operator's dry run holds a kill switch back."""
        return SweepPolicy(
            max_age_minutes=0,
            project_arns=self.projects,
            dry_run=self.dry_run,
            kill_switch=True,
            spares_exempt=self.kill_switch_spares_exempt,
        )

    def _in_scope(self, account: str) -> bool:
        return self.scope.includes(account) if self.scope else account == self.account_id

    @functools.cached_property
    def _project_ids(self) -> frozenset[str]:
        return frozenset(arn_parts(project).project_id for project in self.projects)

    def _arn_refusal(self, arn: str, kind: ResourceType, field: str) -> Rejection | None:
        parts = arn_parts(arn)
        if parts.region != self.region:
            message = f"Device Farm {kind}s live in {self.region}, not {parts.region}"
            return _refusal(INVALID_ARN, field, message)
        if not self._in_scope(parts.account):
            message = (
                f"account {parts.account} is not one this deployment acts in"
                if self.scope and self.scope.multi_account
                else f"this deployment acts on account {self.account_id} only"
            )
            return _refusal(OUT_OF_SCOPE, field, message)
        if self._project_ids and parts.project_id not in self._project_ids:
            message = f"project {parts.project_id} is not one this deployment acts on"
            return _refusal(OUT_OF_SCOPE, field, message)
        return None
