"""manage.py clone_account: the same clone as the organization page, from the shell, with a progress bar."""

import json

from django.core.management.base import CommandError
from django_tenants.utils import tenant_context
from tqdm import tqdm

from accounts.clone import account_clone
from accounts.management.cli import CheckedCommand, domain_errors, organization_by_slug
from accounts.models import Account


class Command(CheckedCommand):
    columns = {"source": (Account, "code"), "name": (Account, "name")}
    help = (
        "Clone an account of an organization into a new account: settings, warehouses (no stock), recurring "
        "jobs (disabled) and order rules (those that reference users, SKUs, channels or shipping methods are "
        "copied inactive, to review). Orders, inventory, channels, products and logs are not copied. All or "
        "nothing; prints the new account's code, its API key once, and the counts copied."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's address name (slug).")
        parser.add_argument("--source", required=True, help="Code of the account to clone.")
        parser.add_argument("--name", required=True, help="Name of the new account (unique in the organization).")
        parser.add_argument("--with-users", action="store_true", help="Give the source's users the same access.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of text.")

    def handle(self, *args, **options):
        organization = organization_by_slug(options["org"])
        with tenant_context(organization):
            source = Account.objects.filter(code=options["source"].strip().upper()).first()
            if source is None:
                raise CommandError(f"{organization.name} has no account with the code “{options['source']}”.")
            bar = tqdm(total=100, desc="Cloning", unit="%", disable=options["json"] or None, file=self.stderr)

            def progress(percent: int, phase: str) -> None:
                bar.set_postfix_str(phase)
                bar.update(percent - bar.n)

            with domain_errors():
                try:
                    account, plain, report = account_clone(
                        source=source, name=options["name"], by=None, with_users=options["with_users"],
                        progress=progress,
                    )
                finally:
                    bar.close()
        if options["json"]:
            self.stdout.write(json.dumps({
                "code": account.code, "name": account.name, "id": account.pk, "api_key": plain,
                "copied": report.copied, "not_copied": report.not_copied, "cleared": report.cleared,
                "rules_to_review": report.rules_to_review,
            }))
            return
        self.stdout.write(self.style.SUCCESS(f"Cloned {source.name} into {account.name} ({account.code})."))
        for label, count in report.copied.items():
            self.stdout.write(f"  copied {label}: {count}")
        for line in report.cleared:
            self.stdout.write(f"  {line}")
        if report.rules_to_review:
            self.stdout.write(self.style.WARNING(f"  {report.rules_to_review} order rules to review"))
        self.stdout.write(f"API key (shown once, store it now): {plain}")
