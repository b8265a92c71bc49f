"""manage.py inventory_check [--org SLUG]: prove every stock level equals the sum of its ledger entries.

Exits 1 (listing each differing level) if any level drifted, 0 otherwise."""

from accounts.management.cli import CheckedCommand, domain_errors
from accounts.tenancy.fanout import for_each_organization
from inventory.selectors import stock_ledger_drift


class Command(CheckedCommand):
    help = "Check that stock levels equal their ledger sums (non-zero exit on any difference)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="organization slug (schema name); all active organizations if omitted")

    def handle(self, *args, org=None, **options):
        with domain_errors():
            report = for_each_organization(lambda _: list(stock_ledger_drift()), label="Inventory check", slug=org)
        drifted = 0
        for schema, rows in report.results.items():
            for row in rows:
                drifted += 1
                self.stdout.write(
                    f"{schema}: variant {row['variant_id']} warehouse {row['warehouse_id']}: "
                    f"on hand {row['on_hand']} (ledger {row['ledger_on_hand']}), "
                    f"allocated {row['allocated']} (ledger {row['ledger_allocated']})"
                )
        for schema, error in report.failed.items():
            self.stderr.write(f"{schema}: could not be checked ({error}).")
        if drifted:
            self.stderr.write(f"{drifted} stock level(s) differ from their ledger.")
        if drifted or report.failed:
            raise SystemExit(1)
        self.stdout.write("All stock levels match their ledger.")
