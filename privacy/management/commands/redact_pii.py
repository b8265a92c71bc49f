"""manage.py redact_pii: redact (or show what would be redacted) the personal data past its retention."""

import json
import sys

from django.utils import timezone
from django_tenants.utils import tenant_context
from tqdm import tqdm

from accounts.management.cli import CheckedCommand, domain_errors
from accounts.models import Account
from privacy.selectors import redaction_due
from privacy.services import organizations_for_redaction, pii_redact_account


class Command(CheckedCommand):
    help = (
        "Redact the personal data of sales orders past their retention (the sales channel's override, else the "
        "account's PII retention days; blank keeps the data): customer name, email and phone, address lines, "
        "notes and copies in the order history; country and the first part of the postal code stay. Prints, "
        "per account, what was redacted (or with --dry-run what would be, changing nothing). The beat job does "
        "the same every hour; this is for running it by hand. Irreversible."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="Only this organization (its address name).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be redacted; change nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON list, one object per account.")

    def handle(self, *args, **options):
        with domain_errors():
            organizations = list(organizations_for_redaction(slug=options["org"] or None))
        now = timezone.now()
        dry_run = options["dry_run"]
        reports = []
        if dry_run:
            targets = [(org, account) for org in organizations for account in self._accounts(org)]
            for organization, account in tqdm(targets, desc="Counting", unit="account", file=self._bar_stream()):
                with tenant_context(organization):
                    reports.append((organization, pii_redact_account(account=account, now=now, dry_run=True)))
        else:
            due = []
            for organization in organizations:
                with tenant_context(organization):
                    for account in Account.objects.order_by("pk"):
                        due.append((organization, account, redaction_due(account=account, now=now, details=False).orders))
            with tqdm(total=sum(n for *_, n in due), desc="Redacting", unit="order", file=self._bar_stream()) as bar:
                for organization, account, _ in due:
                    with tenant_context(organization):
                        reports.append((organization, pii_redact_account(account=account, now=now, progress=bar.update)))
        if options["json"]:
            self.stdout.write(json.dumps([{"organization": org.slug, **report.as_dict()} for org, report in reports]))
            return
        if not reports:
            self.stdout.write("No accounts.")
        for organization, report in reports:
            self.stdout.write(f"{organization.slug} / {report.account_code} ({report.account_name}): {report.summary}")

    def _bar_stream(self):
        """tqdm draws with carriage returns on the raw stream (OutputWrapper would add newlines)."""
        return getattr(self.stderr, "_out", sys.stderr)

    @staticmethod
    def _accounts(organization):
        with tenant_context(organization):
            return list(Account.objects.order_by("pk"))
