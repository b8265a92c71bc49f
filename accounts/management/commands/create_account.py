"""manage.py create_account: a new account in an organization, with its API key shown once."""

import json

from django_tenants.utils import tenant_context

from accounts.management.cli import CheckedCommand, domain_errors, organization_by_slug
from accounts.services import account_create
from accounts.models import Account


class Command(CheckedCommand):
    columns = {"name": (Account, "name"), "code": (Account, "code")}
    help = (
        "Create an account (a brand or store) inside an organization, with a fresh API key. The key is "
        "printed once and only its hash is stored: copy it now, it cannot be shown again (rotate it to get a "
        "new one). If the input is wrong (unknown organization, a name or code already used, an unknown "
        "timezone...), nothing is created and the reason is printed on one line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's address name.")
        parser.add_argument("--name", required=True, help="The account's name, unique in the organization.")
        parser.add_argument(
            "--code",
            help="Its code: 2 to 30 capital letters, digits, dashes or underscores. Default: made from the name.",
        )
        parser.add_argument(
            "--timezone", default="UTC", metavar="TZ", help="An IANA timezone, e.g. Europe/Berlin. Default: UTC."
        )
        parser.add_argument(
            "--json", action="store_true", help='Print one JSON object: {"code", "name", "id", "api_key"}.'
        )

    def handle(self, *args, **options):
        organization = organization_by_slug(options["org"])
        with domain_errors(), tenant_context(organization):
            account, api_key = account_create(
                name=options["name"], code=options["code"], timezone_name=options["timezone"], by=None
            )
        if options["json"]:
            self.stdout.write(
                json.dumps({"code": account.code, "name": account.name, "id": account.pk, "api_key": api_key})
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Created account {account.name} ({account.code}) in {organization.name}.")
        )
        self.stdout.write(f"API key: {api_key}")
        self.stdout.write(
            self.style.WARNING("Copy the API key now: it will not be shown again (only its hash is stored).")
        )
