"""manage.py seed_demo: load the demo organization once, and print its logins."""

import time

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from accounts import demo
from accounts.management.cli import CheckedCommand, domain_errors, organization_url, public_url


class Command(CheckedCommand):
    help = (
        f"Load the demo once: the organization “{demo.DEMO_NAME}” at {demo.DEMO_SLUG}.<ORGANIZATION_DOMAIN> "
        "with 3 accounts, their warehouses, sales and fulfillment channels, about 200 products with variants, "
        "stock, taxes, shipping methods, promotions, 900 customers and 2,000 orders over the last 180 days, "
        "recurring jobs, a system administrator and a user for every role, all with the password "
        f"“{demo.DEMO_PASSWORD}”. If the demo is already there, nothing changes (use --reset to rebuild it). "
        "Prints the logins and where to sign in. Refuses to run with DEBUG off unless --force is given: the "
        "demo users, a system administrator among them, have a published password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Drop the demo organization (schema and all) first, then load it again. Demo users are kept "
            "and get the demo password back.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a server others can reach: the passwords are public.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: the demo adds a system administrator whose password is public. "
                "Pass --force to load it anyway."
            )
        verbosity = options["verbosity"]
        started = time.monotonic()

        def progress(**kwargs):
            return tqdm(disable=verbosity < 1, leave=False, **kwargs)

        with domain_errors():
            result = demo.demo_seed(reset=options["reset"], progress=progress)
        elapsed = time.monotonic() - started
        url = organization_url(result.organization.slug)
        counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Loaded the demo in {elapsed:.1f}s: {result.organization.name} at {url}")
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"The demo is already there ({result.organization.name} at {url}); nothing changed. "
                    "Use --reset to rebuild it."
                )
            )
        self.stdout.write(f"It holds {counts}.")
        self.stdout.write("")
        self._logins_table(result.users)

    def _logins_table(self, users: list[demo.DemoUser]) -> None:
        urls = {"public": public_url(), "organization": organization_url(demo.DEMO_SLUG)}
        rows = [("Email", "Password", "Role", "Sign in at")] + [
            (u.email, demo.DEMO_PASSWORD, u.role, urls[u.where]) for u in users
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for n, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            self.stdout.write(self.style.MIGRATE_HEADING(line) if n == 0 else line)
