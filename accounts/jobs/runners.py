"""What each job type does when it runs. A runner takes a RunContext and returns a RunResult; raising means
the run failed (it is recorded and retried). The connectors issue replaces the channel runners with real
ones through `register`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import RecurringJob, RecurringJobRun

Status = RecurringJobRun.Status


@dataclass
class RunResult:
    status: str
    message: str
    data: dict = field(default_factory=dict)


class LeaseLost(Exception):
    """The job's lease expired and another worker claimed it: this run must stop."""


@dataclass
class RunContext:
    """What a runner gets: the job (with account and channel loaded), the run's start time, a log, and a
    heartbeat that renews the job's lease (call it between chunks of long work)."""

    job: RecurringJob
    now: dt.datetime
    renew: Callable[[dt.datetime], bool]
    lease_seconds: int
    lines: list[str] = field(default_factory=list)
    _started: float = field(default_factory=time.monotonic)
    _renewed: float = field(default_factory=time.monotonic)

    @property
    def account(self):
        return self.job.account

    @property
    def channel(self):
        return self.job.channel

    def log(self, message: str) -> None:
        self.lines.append(f"{timezone.now():%Y-%m-%d %H:%M:%S}Z {message}")

    def heartbeat(self, *_args) -> None:
        """Renew the lease if a fifth of it has passed; raise LeaseLost if someone else holds it now."""
        if time.monotonic() - self._renewed < self.lease_seconds / 5:
            return
        elapsed = dt.timedelta(seconds=time.monotonic() - self._started)
        if not self.renew(self.now + elapsed + dt.timedelta(seconds=self.lease_seconds)):
            raise LeaseLost("The job's lease expired and another run took it over.")
        self._renewed = time.monotonic()


Runner = Callable[[RunContext], RunResult]
RUNNERS: dict[str, Runner] = {}


def register(*job_types: str) -> Callable[[Runner], Runner]:
    def decorate(runner: Runner) -> Runner:
        for job_type in job_types:
            RUNNERS[job_type] = runner
        return runner

    return decorate


def runner_for(job_type: str) -> Runner:
    try:
        return RUNNERS[job_type]
    except KeyError:
        raise LookupError(f"No runner is registered for job type “{job_type}”.") from None


@register(
    RecurringJob.JobType.IMPORT_ORDERS,
    RecurringJob.JobType.IMPORT_PRODUCTS,
    RecurringJob.JobType.SYNC_INVENTORY,
    RecurringJob.JobType.SYNC_SHIPMENTS,
)
def no_connector(ctx: RunContext) -> RunResult:
    """Channel jobs before the connectors exist: say so instead of pretending to have done something."""
    channel = ctx.channel
    ctx.log(
        f"{ctx.job.get_job_type_display()} needs a connector for {channel.name} "
        f"({channel.get_connector_type_display()}); none is installed yet, so nothing was exchanged."
    )
    return RunResult(Status.SKIPPED, f"skipped: no connector for {channel.name} yet", {"connector": channel.connector_type})


@register(RecurringJob.JobType.REDACT_PII)
def redact_pii(ctx: RunContext) -> RunResult:
    from privacy.services import pii_redact_account

    account = ctx.account
    ctx.log(f"Redacting personal data of {account.name} past its retention.")
    report = pii_redact_account(account=account, now=ctx.now, progress=ctx.heartbeat)
    ctx.log(
        f"{report.batches} batch(es), longest {report.longest_batch_s * 1000:.0f} ms, "
        f"{report.seconds:.2f} s in all."
    )
    for rule, count in sorted(report.by_rule.items()):
        ctx.log(f"{count:,} order(s) under {rule}.")
    status = Status.SKIPPED if report.skipped else Status.SUCCEEDED
    return RunResult(status, report.summary, report.as_dict())
