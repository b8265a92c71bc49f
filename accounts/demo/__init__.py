"""The demo organization: one call builds "Demo Company" at demo.<ORGANIZATION_DOMAIN> with accounts,
warehouses, channels, a catalogue, recurring jobs and a user for every role.

Loaded once: when the organization exists, `demo_seed` changes nothing (pass `reset=True` to drop it and
build it again). Everything happens in one transaction, so a failure leaves no half-built demo behind.

The data is fixed (the orders step draws from seeded generators), so every load yields the same counts. Each
step is a function taking the `DemoWorld` built so far; `STEPS` lists them in order.

Demo logins all use DEMO_PASSWORD. Users are shared by every organization and are never deleted, so a
reload (after a reset) resets the demo users' passwords to DEMO_PASSWORD and reactivates them.
"""

from collections.abc import Callable

from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from accounts.demo.intake_traffic import step_intake
from accounts.demo.sales import step_orders
from accounts.demo.setup import (
    step_account_settings,
    step_accounts,
    step_catalog,
    step_channels,
    step_recurring_jobs,
    step_users,
)
from accounts.demo.spec import (  # noqa: F401  (the names the seed_demo command and tests read)
    ACCOUNTS,
    DEMO_EMAIL_DOMAIN,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_USERS,
    DemoUser,
    sandbox_url,
    shopify_emulator_url,
)
from accounts.demo.world import DemoResult, DemoWorld, NoProgress
from accounts.models import Account, RecurringJob, Warehouse
from accounts.tenancy.lookups import lookups_changed
from accounts.tenancy.models import Membership, Organization
from accounts.tenancy.services import organization_create
from channels.models import Channel
from orders.models import Customer, Order, Product, Variant

# Steps run in order, inside the demo organization's schema. Append a step to extend the demo.
STEPS: list[Callable[[DemoWorld], None]] = [
    step_accounts, step_channels, step_account_settings, step_catalog, step_recurring_jobs, step_users, step_orders,
    step_intake,
]


def demo_counts(organization: Organization) -> dict[str, int]:
    with tenant_context(organization):
        return {
            "accounts": Account.objects.count(),
            "warehouses": Warehouse.objects.count(),
            "channels": Channel.objects.count(),
            "products": Product.objects.count(),
            "variants": Variant.objects.count(),
            "recurring jobs": RecurringJob.objects.count(),
            "customers": Customer.objects.count(),
            "orders": Order.objects.count(),
            "members": Membership.objects.filter(organization=organization).count(),
        }


def demo_drop() -> bool:
    """Drop the demo organization, schema and all. Its users stay (they are shared); True if it existed."""
    with schema_context(get_public_schema_name()):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            return False
        with transaction.atomic():
            Membership.objects.filter(organization=organization).delete()
            organization.delete(force_drop=True)
            lookups_changed()  # its address stops at once in every process
        return True


def demo_seed(*, reset: bool = False, progress: Callable | None = None) -> DemoResult:
    """Load the demo organization once. With `reset`, drop it first. One transaction for all of it."""
    progress = progress or NoProgress
    with schema_context(get_public_schema_name()), transaction.atomic():
        if reset:
            demo_drop()
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is not None:
            return DemoResult(organization, False, DEMO_USERS, demo_counts(organization))
        organization = organization_create(name=DEMO_NAME, slug=DEMO_SLUG)
        world = DemoWorld(organization=organization, progress=progress)
        with tenant_context(organization):
            for step in STEPS:
                step(world)
        return DemoResult(organization, True, DEMO_USERS, demo_counts(organization))
