from decimal import Decimal

import factory
from django.db import connection

from accounts import roles
from accounts.api_keys import api_key_generate
from accounts.models import Account, Warehouse
from accounts.services import account_role_grant
from accounts.tenancy.models import Membership, User
from channels.models import Channel
from intake.models import IntakeFailure
from orders.models import Product, Variant

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER

    @factory.lazy_attribute
    def organization(self):
        return connection.tenant


def _key_hash(_):
    return api_key_generate()[2]


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Store {n}")
    code = factory.Sequence(lambda n: f"STORE-{n}")
    api_key_prefix = "oms_test"
    api_key_hash = factory.LazyAttribute(_key_hash)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    code = factory.Sequence(lambda n: f"WH-{n}")
    city = "Springfield"
    country = "US"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    account = factory.SubFactory(AccountFactory)
    kind = Channel.Kind.SALES
    name = factory.Sequence(lambda n: f"Channel {n}")
    connector_type = Channel.Connector.SANDBOX
    supports_product_import = True
    supports_order_import = True
    supports_inventory_updates = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Product {n}")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    account = factory.SelfAttribute("product.account")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("19.99")


class IntakeFailureFactory(factory.django.DjangoModelFactory):
    """A rejected sales order kept on the Intake page (waiting for an operator unless `status` says otherwise)."""

    class Meta:
        model = IntakeFailure

    source = "api"
    payload = factory.LazyAttribute(lambda f: {"external_id": f.external_id, "lines": []})
    external_id = factory.Sequence(lambda n: f"FAIL-{n:05d}")
    reasons = factory.LazyFunction(lambda: [{"code": "unknown_sku", "field": "lines[0].sku", "message": "Unknown SKU."}])
    status = "dead"
    value = Decimal("10.00")
    line_count = 1


def grant(user, account, role: str):
    """Give `user` an account role through the one service that does it."""
    account_role_grant(account=account, organization=connection.tenant, email=user.email, role=role, by=None)
    user.__dict__.pop("_account_caps_cache", None)
    return user


def login_request():
    """A sign-in request for authenticate(): the lockout backend counts attempts by the request's address."""
    from django.test import RequestFactory

    return RequestFactory().post("/login/")


def member(role: str = Membership.Role.MEMBER, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, role=role)
    return user


__all__ = ["roles"]


# Orders and stock ---------------------------------------------------------------------------------------

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def stock(variant, warehouse, on_hand: int):
    """Set on hand through the ledger (an opening entry, or an adjustment), so levels match their ledger."""
    from inventory.models import StockLevel
    from inventory.services import stock_adjust, stock_levels_create

    if not StockLevel.objects.filter(variant=variant, warehouse=warehouse).exists():
        level = StockLevel(account=variant.account, variant=variant, warehouse=warehouse, on_hand=on_hand)
        return stock_levels_create(account=variant.account, levels=[level], reason="Test set-up")[0]
    return stock_adjust(account=variant.account, warehouse=warehouse, variant=variant, set_on_hand=on_hand,
                        by=None, reason="Test set-up")


def stock_grid(account, *, skus: int, warehouses: list, on_hand=lambda i, w: i % 7, prefix: str = "G"):
    """`skus` variants (`<prefix>-0000`, ...) of one product, each with a level in every warehouse (opening
    entries through the ledger), made in bulk: a few queries however many."""
    from inventory.models import StockLevel
    from inventory.services import stock_levels_create
    from orders.models import Product, Variant

    product = Product.objects.create(account=account, name=f"{prefix} product")
    variants = Variant.objects.bulk_create(
        Variant(account=account, product=product, sku=f"{prefix}-{i:04d}", name=f"Widget {i}") for i in range(skus)
    )
    levels = [
        StockLevel(account=account, variant=v, warehouse=w, on_hand=on_hand(i, w))
        for i, v in enumerate(variants) for w in warehouses
    ]
    stock_levels_create(account=account, levels=levels, reason="Test set-up")
    return variants


def make_order(account, items, *, warehouse=None, codes=(), by=None, **fields):
    """An order written by the one creation service: `items` is [(variant, quantity), ...]."""
    draft = order_draft(account, items, warehouse=warehouse, discount_codes=list(codes), **fields)
    return make_orders(account, [draft], by=by)[0]


def order_draft(account, items, **fields):
    """An unsaved OrderDraft with the same defaults as `make_order`; `items` is [(variant, quantity), ...]."""
    import datetime as dt

    from orders.pricing import LineInput
    from orders.services.create import OrderDraft

    fields.setdefault("order_date", dt.date.today())
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("customer_email", "ada@example.com")
    fields.setdefault("billing", dict(ADDRESS))
    fields.setdefault("shipping", dict(ADDRESS))
    return OrderDraft(account=account, lines=[LineInput(variant=v, quantity=q) for v, q in items], **fields)


def make_orders(account, drafts, *, by=None):
    """Many orders in one call of the creation service (a fixed number of queries however many)."""
    from orders.services.create import orders_insert

    return orders_insert(account=account, drafts=list(drafts), by=by)


def shop(org, name: str) -> tuple[Account, str, Warehouse]:
    """A committed account of `org`, made the way the app makes one, with warehouse MAIN as its default (for
    tests that run threads, a worker or a browser): (account, API key, warehouse)."""
    from accounts.services import account_create, warehouse_create

    connection.set_tenant(org)
    account, key = account_create(name=name, by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    account.default_warehouse = warehouse
    account.save(update_fields=["default_warehouse"])
    return account, key, warehouse


# Two-factor sign-in -------------------------------------------------------------------------------------------


def totp_code(device, *, ahead: int = 0) -> str:
    """The code an authenticator app shows now for `device` (`ahead` steps later: a code not used yet)."""
    from django_otp.oath import totp

    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):0{device.digits}d}"


def two_factor_on(user):
    """Turn on two-factor sign-in for `user` through the set-up services; (TOTP device, recovery codes)."""
    from accounts.tenancy.two_factor import two_factor_confirm, two_factor_setup_start

    device = two_factor_setup_start(user=user)
    return two_factor_confirm(user=user, code=totp_code(device))
