"""manage.py sku_replacement: declare the SKU an account sells instead of another, or clear it."""

from django_tenants.utils import tenant_context

from accounts.management.cli import CheckedCommand, account_by_code, domain_errors, organization_by_slug
from accounts.models import Account
from orders.models import Variant
from orders.services.replacements import variant_replacement_set


class Command(CheckedCommand):
    columns = {"account": (Account, "code"), "sku": (Variant, "sku"), "replaced_by": (Variant, "sku")}
    help = (
        "Declare which SKU replaces another when it is discontinued or out of stock: the clone form then offers "
        "it, with its reason. --clear removes the declaration."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's address name.")
        parser.add_argument("--account", required=True, metavar="CODE", help="The account's code, e.g. ACME-STORE.")
        parser.add_argument("--sku", required=True, help="The SKU to be replaced.")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--replaced-by", metavar="SKU", help="The SKU to offer instead.")
        group.add_argument("--clear", action="store_true", help="Offer no replacement for --sku any more.")

    def handle(self, *args, **options):
        organization = organization_by_slug(options["org"])
        with tenant_context(organization):
            account = account_by_code(organization, options["account"])
            with domain_errors():
                variant = variant_replacement_set(account=account, sku=options["sku"],
                                                  replacement_sku=None if options["clear"] else options["replaced_by"])
        if variant.replaced_by_id:
            self.stdout.write(self.style.SUCCESS(f"{variant.sku} is now replaced by {options['replaced_by'].strip()}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{variant.sku} has no replacement."))
