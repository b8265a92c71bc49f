"""manage.py reorders_due: the customers of an account due for a re-order, as on the page."""

import json

from django_tenants.utils import tenant_context

from accounts.management.cli import CheckedCommand, account_by_code, organization_by_slug
from accounts.models import Account
from orders.reorders import reorders_due
from orders.services.reorders import reorder_habits_refresh


class Command(CheckedCommand):
    columns = {"account": (Account, "code")}
    help = (
        "List the customers of an account whose usual interval between orders (the median of their last orders, "
        "at least three) has passed since their last order, longest overdue first, with their usual basket and "
        "the order to clone, as last computed (--refresh computes them again first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's address name.")
        parser.add_argument("--account", required=True, metavar="CODE", help="The account's code, e.g. ACME-STORE.")
        parser.add_argument(
            "--refresh", action="store_true",
            help="Compute every customer's interval again first (what the recurring job does), then list.",
        )
        parser.add_argument(
            "--json", action="store_true",
            help='Print a JSON list: [{"customer", "last_order", "last_at", "usual_days", "expected_at", '
                 '"basket": [{"sku", "quantity"}]}] (times in UTC, ISO 8601).',
        )

    def handle(self, *args, **options):
        organization = organization_by_slug(options["org"])
        with tenant_context(organization):
            account = account_by_code(organization, options["account"])
            if options["refresh"]:
                reorder_habits_refresh(account=account)
            due = reorders_due(account=account)
            zone = account.zone
        if options["json"]:
            self.stdout.write(json.dumps([
                {"customer": c.name, "last_order": c.last_number, "last_at": c.last_at.isoformat(),
                 "usual_days": round(c.usual_days, 2), "expected_at": c.expected_at.isoformat(),
                 "basket": [{"sku": sku, "quantity": qty} for sku, qty in c.basket]}
                for c in due
            ]))
            return
        if not due:
            self.stdout.write(f"No customer of {account.code} is due for a re-order.")
            return
        for c in due:
            basket = ", ".join(f"{qty} × {sku}" for sku, qty in c.basket) or "no SKU on half their orders"
            self.stdout.write(
                f"{c.name}: last order {c.last_number} on {c.last_at.astimezone(zone):%Y-%m-%d}, every "
                f"{c.usual_days:.1f} days, expected {c.expected_at.astimezone(zone):%Y-%m-%d}; usual basket: {basket}"
            )
