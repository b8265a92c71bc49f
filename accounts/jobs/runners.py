"""What each job type does when it runs. A runner takes a RunContext and returns a RunResult; raising means
the run failed (it is recorded and retried). A new job type registers its runner through `register`."""

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


@register(RecurringJob.JobType.SYNC_SHIPMENTS)
def no_connector(ctx: RunContext) -> RunResult:
    """Shipment sync with fulfillment channels is not built yet: say so instead of pretending."""
    channel = ctx.channel
    ctx.log(
        f"{ctx.job.get_job_type_display()} needs a connector for {channel.name} "
        f"({channel.get_connector_type_display()}); none is installed yet, so nothing was exchanged."
    )
    return RunResult(Status.SKIPPED, f"skipped: no connector for {channel.name} yet", {"connector": channel.connector_type})


def _unconnected(ctx: RunContext) -> RunResult | None:
    from channels.connectors import connector_configured

    channel = ctx.channel
    if connector_configured(channel):
        return None
    ctx.log(f"{channel.name} has no connection configured (base URL), so nothing was exchanged.")
    return RunResult(Status.SKIPPED, f"skipped: {channel.name} has no connection configured")


@register(RecurringJob.JobType.IMPORT_PRODUCTS)
def import_products(ctx: RunContext) -> RunResult:
    """Upsert the products of the account's master product channel (channels/services.py)."""
    from channels.services import products_import_from_master

    channel, account = ctx.channel, ctx.account
    if account.master_product_channel_id != channel.pk:
        ctx.log(f"{channel.name} is not the account's master product source, so its products are not imported.")
        return RunResult(Status.SKIPPED, f"skipped: {channel.name} is not the master product source")
    if (skipped := _unconnected(ctx)) is not None:
        return skipped
    counts = products_import_from_master(account=account)
    summary = f"Imported products from {channel.name}: {counts['created']} new, {counts['updated']} updated"
    ctx.log(summary + ".")
    return RunResult(Status.SUCCEEDED, summary, counts)


@register(RecurringJob.JobType.SYNC_INVENTORY)
def sync_inventory(ctx: RunContext) -> RunResult:
    """Send the channel a snapshot of every SKU's available quantity (inventory/sync.py)."""
    from inventory.sync import inventory_sync_channel

    if (skipped := _unconnected(ctx)) is not None:
        return skipped
    sent = inventory_sync_channel(channel=ctx.channel)
    summary = f"Sent {sent:,} SKU quantit{'y' if sent == 1 else 'ies'} to {ctx.channel.name}"
    ctx.log(summary + ".")
    return RunResult(Status.SUCCEEDED, summary, {"skus": sent})


@register(RecurringJob.JobType.IMPORT_ORDERS)
def import_orders(ctx: RunContext) -> RunResult:
    """Fetch the channel's orders through intake (intake/importing.py); a connector error fails the run, so
    the job is retried."""
    from intake.importing import orders_import

    channel = ctx.channel
    if (skipped := _unconnected(ctx)) is not None:
        return skipped
    ctx.log(f"Fetching orders from {channel.name}.")
    counts = orders_import(channel=channel, progress=ctx.heartbeat)
    ctx.log(counts.summary + ".")
    return RunResult(Status.SUCCEEDED, counts.summary, counts.as_dict())


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


@register(RecurringJob.JobType.REORDER_HABITS)
def reorder_habits(ctx: RunContext) -> RunResult:
    from orders.services.reorders import reorder_habits_refresh

    ctx.log(f"Computing the ordering habits of {ctx.account.name}'s customers.")
    count = reorder_habits_refresh(account=ctx.account, now=ctx.now)
    message = f"{count:,} customer(s) with at least three orders."
    ctx.log(message)
    return RunResult(Status.SUCCEEDED, message, {"customers": count})
