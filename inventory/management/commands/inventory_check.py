"""manage.py inventory_check [--org SLUG]: prove every stock level equals the sum of its ledger entries.

Exits 1 (listing each differing level) if any level drifted, 0 otherwise."""

from django.core.management.base import CommandError
from django_tenants.utils import get_tenant_model, tenant_context

from accounts.management.cli import CheckedCommand
from inventory.selectors import stock_ledger_drift


class Command(CheckedCommand):
    help = "Check that stock levels equal their ledger sums (non-zero exit on any difference)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="organization slug (schema name); all organizations if omitted")

    def handle(self, *args, org=None, **options):
        orgs = get_tenant_model().objects.exclude(schema_name="public")
        if org:
            orgs = orgs.filter(schema_name=org)
            if not orgs.exists():
                raise CommandError(f"No organization {org!r}.")
        drifted = 0
        for tenant in orgs.order_by("schema_name"):
            with tenant_context(tenant):
                for row in stock_ledger_drift():
                    drifted += 1
                    self.stdout.write(
                        f"{tenant.schema_name}: variant {row['variant_id']} warehouse {row['warehouse_id']}: "
                        f"on hand {row['on_hand']} (ledger {row['ledger_on_hand']}), "
                        f"allocated {row['allocated']} (ledger {row['ledger_allocated']})"
                    )
        if drifted:
            self.stderr.write(f"{drifted} stock level(s) differ from their ledger.")
            raise SystemExit(1)
        self.stdout.write("All stock levels match their ledger.")
