"""manage.py replay_failures: replay an account's dead-lettered intake failures, the same as the intake page."""

import sys

from django.core.management.base import CommandError
from django_tenants.utils import tenant_context
from tqdm import tqdm

from accounts.management.cli import CheckedCommand, organization_by_slug
from accounts.models import Account
from channels.models import Channel
from intake.models import Source
from intake.selectors import failures_dead
from intake.services import intake_replay_many


class Command(CheckedCommand):
    columns = {"account": (Account, "code"), "channel": (Channel, "name")}
    help = (
        "Replay the failures of one account that wait for an operator (dead-lettered), most valuable first and "
        "oldest first within equal value, after their cause was fixed (e.g. an unknown SKU mapped). Each becomes "
        "at most one order. Prints what was replayed and what is still rejected, with its first reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="The organization's address name (required).")
        parser.add_argument("--account", metavar="CODE", help="The account's code (required).")
        parser.add_argument("--source", help=f"Only failures from this source: {', '.join(s.value for s in Source)}.")
        parser.add_argument("--channel", metavar="NAME", help="Only failures from this sales channel.")
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed; change nothing.")

    def handle(self, *args, **options):
        if not options["org"] or not options["account"]:
            raise CommandError("Give both --org SLUG and --account CODE.")
        if options["source"] and options["source"] not in Source.values:
            raise CommandError(f"--source must be one of {', '.join(Source.values)}, not “{options['source']}”.")
        organization = organization_by_slug(options["org"])
        source = options["source"] or ""
        if options["channel"] and source not in ("", Source.CHANNEL):
            raise CommandError("--channel only goes with --source channel (or no --source).")
        with tenant_context(organization):
            account = Account.objects.filter(code__iexact=(options["account"] or "").strip()).first()
            if account is None:
                raise CommandError(f"{organization.slug} has no account with the code “{options['account']}”.")
            channel = None
            if options["channel"]:
                channel = Channel.objects.filter(
                    account=account, kind=Channel.Kind.SALES, name__iexact=options["channel"].strip()
                ).first()
                if channel is None:
                    raise CommandError(f"{account.code} has no sales channel named “{options['channel']}”.")
            failures = list(failures_dead(account=account, source=source, channel=channel))
            where = f"{organization.slug} / {account.code}"
            if not failures:
                self.stdout.write(f"{where}: no failures wait for an operator.")
                return
            if options["dry_run"]:
                self.stdout.write(f"{where}: would replay {len(failures)} failure(s):")
                for failure in failures:
                    self.stdout.write(f"  {self._label(failure)} · {failure.value} · {self._reason(failure.reasons)}")
                return
            with tqdm(total=len(failures), desc="Replaying", unit="failure", file=self._bar_stream()) as bar:
                report = intake_replay_many(failures=failures, progress=bar.update)
            numbers = [order.number for order in report.orders]
            still = [f"{self._label(failure)}: {reason}" for failure, reason in report.still]
        self.stdout.write(
            f"{where}: replayed {len(failures)}: {len(numbers)} became orders"
            + (f" ({', '.join(numbers)})" if numbers else "")
            + f", {len(still)} still rejected."
        )
        for line in still:
            self.stdout.write(f"  still rejected {line}")

    @staticmethod
    def _label(failure) -> str:
        origin = failure.channel.name if failure.channel else failure.get_source_display()
        return f"{failure.external_id or '#' + str(failure.pk)} ({origin})"

    @staticmethod
    def _reason(reasons) -> str:
        return reasons[0]["message"] if reasons else "no reason kept"

    def _bar_stream(self):
        """tqdm draws with carriage returns on the raw stream (OutputWrapper would add newlines)."""
        return getattr(self.stderr, "_out", sys.stderr)
