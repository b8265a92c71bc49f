"""The operations commands: create_organization, create_account, seed_demo. They are doors onto the services,
so these tests check what a person running them sees (output, exit code, one-line errors) and that a failure
leaves nothing behind."""

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from accounts import demo
from accounts.models import Account, ActivityLog, RecurringJob, Warehouse
from accounts.selectors import account_users, accounts_for_user
from accounts.tenancy.models import Domain, Membership, Organization, User
from channels.models import Channel
from intake.models import IntakeFailure
from orders.models import Order, Product, Variant
from tests.factories import login_request
from tests.processes import manage

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.schemata")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("name", ["create_organization", "create_account", "seed_demo"])
def test_every_command_explains_itself_in_help(name):
    command = load_command_class("accounts", name)
    text = command.create_parser("manage.py", name).format_help()
    assert len(command.help) > 100 and command.help.split(".")[0] in " ".join(text.split())
    assert "nothing" in command.help  # says what happens when it fails or has nothing to do


# create_organization


def test_create_organization_creates_schema_domain_and_admin(db):
    out = run(
        "create_organization", name="Initrode", slug="initrode",
        admin_email="Boss@Initrode.example.com", admin_password="a-long-pass-77",
    )

    org = Organization.objects.get(slug="initrode")
    assert schema_exists("initrode")
    assert Domain.objects.get(tenant=org, is_primary=True).domain == f"initrode.{settings.ORGANIZATION_DOMAIN}"
    membership = Membership.objects.get(organization=org)
    assert (membership.user.email, membership.role) == ("boss@initrode.example.com", Membership.Role.ADMIN)
    assert membership.user.check_password("a-long-pass-77")
    assert f"http://initrode.{settings.ORGANIZATION_DOMAIN}:8000/" in out
    with tenant_context(org):
        assert Account.objects.count() == 0  # the schema is migrated


def test_create_organization_json_is_one_object(db):
    data = json.loads(run("create_organization", "--json", name="Vandelay Industries", slug="vandelay"))

    org = Organization.objects.get(slug="vandelay")
    assert data == {
        "id": org.pk,
        "name": "Vandelay Industries",
        "slug": "vandelay",
        "schema_name": "vandelay",
        "domain": f"vandelay.{settings.ORGANIZATION_DOMAIN}",
        "url": f"http://vandelay.{settings.ORGANIZATION_DOMAIN}:8000/",
        "admin_email": None,
    }


def test_create_organization_with_a_bad_slug_fails_in_one_line_and_creates_nothing(db):
    schemas, orgs = schema_count(), Organization.objects.count()

    result = manage("create_organization", "--name", "Bad Slug Inc", "--slug", "Bad_Slug")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "CommandError: The address name takes 3 to 42 lowercase letters, digits or single dashes, "
        "starting with a letter."
    ]
    assert (schema_count(), Organization.objects.count()) == (schemas, orgs)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"name": "Acme Corporation", "slug": "acme-two"}, "An organization named “Acme Corporation” already exists."),
        ({"name": "Another Acme", "slug": "acme"}, "An organization already uses the address name “acme”."),
        ({"name": "Reserved", "slug": "public"}, "“public” is reserved; choose another address name."),
    ],
)
def test_create_organization_refuses_duplicates_and_reserved_slugs(db, options, message):
    orgs = Organization.objects.count()

    with pytest.raises(CommandError) as error:
        run("create_organization", **options)

    assert str(error.value) == message
    assert Organization.objects.count() == orgs


def test_create_organization_whose_admin_fails_leaves_no_organization_or_schema(db):
    schemas = schema_count()

    with pytest.raises(CommandError, match="too short"):
        run("create_organization", name="Half Made", slug="half-made", admin_email="x@half.example.com",
            admin_password="short")

    assert not Organization.objects.filter(slug="half-made").exists()
    assert not schema_exists("half_made")
    assert schema_count() == schemas
    assert not User.objects.filter(email="x@half.example.com").exists()


# create_account


def test_create_account_prints_the_key_once_and_stores_only_its_hash(acme):
    out = run("create_account", org="acme", name="Acme Garden", code="garden", timezone="Europe/Paris")

    key_line = next(line for line in out.splitlines() if line.startswith("API key: "))
    key = key_line.removeprefix("API key: ")
    assert out.count(key) == 1
    assert "will not be shown again" in out
    account = Account.objects.get(code="GARDEN")
    assert (account.name, account.timezone) == ("Acme Garden", "Europe/Paris")
    assert account.api_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(account.api_key_prefix)
    stored = [*Account.objects.filter(pk=account.pk).values().get().values(),
              *ActivityLog.objects.filter(account=account).values_list("summary", "changes")]
    assert not any(key in str(value) for value in stored)


def test_create_account_json_has_code_name_id_and_key(acme):
    data = json.loads(run("create_account", "--json", org="acme", name="Acme Shoes"))

    account = Account.objects.get(pk=data["id"])
    assert set(data) == {"code", "name", "id", "api_key"}
    assert (data["code"], data["name"]) == ("ACME-SHOES", "Acme Shoes")
    assert account.api_key_hash == hashlib.sha256(data["api_key"].encode()).hexdigest()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"org": "nowhere", "name": "X"}, "No organization has the address name “nowhere”."),
        ({"org": "acme", "name": "Lost", "timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a known IANA timezone."),
        ({"org": "acme", "name": "Bad Code", "code": "no spaces!"}, "Use 2 to 30 capital letters"),
    ],
)
def test_create_account_refuses_bad_input_and_creates_nothing(acme, options, message):
    with pytest.raises(CommandError) as error:
        run("create_account", **options)

    assert str(error.value).startswith(message)
    assert Account.objects.count() == 0
    assert ActivityLog.objects.count() == 0


def test_create_account_in_a_real_process_then_a_duplicate_name_fails_in_one_line(committed_org):
    first = manage("create_account", "--org", committed_org.slug, "--name", "Corner Shop", "--json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)

    again = manage("create_account", "--org", committed_org.slug, "--name", "corner shop", "--code", "OTHER")

    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr.splitlines() == [
        "CommandError: An account named “corner shop” already exists in this organization."
    ]
    with tenant_context(committed_org):
        account = Account.objects.get()
        assert (account.pk, account.code) == (data["id"], "CORNER-SHOP")
        assert account.api_key_hash == hashlib.sha256(data["api_key"].encode()).hexdigest()


# seed_demo


def demo_state(org: Organization) -> dict:
    with tenant_context(org):
        return {
            "org": org.pk,
            "accounts": sorted(Account.objects.values_list("code", "pk")),
            "warehouses": Warehouse.objects.count(),
            "channels": Channel.objects.count(),
            "products": (Product.objects.count(), max(Product.objects.values_list("pk", flat=True))),
            "variants": Variant.objects.count(),
            "jobs": RecurringJob.objects.count(),
            "activity": ActivityLog.objects.count(),
            "members": Membership.objects.filter(organization=org).count(),
            "users": User.objects.filter(email__endswith="@" + demo.DEMO_EMAIL_DOMAIN).count(),
            "orders": Order.objects.count(),
        }


def test_seed_demo_loads_the_demo_once(db):
    out = run("seed_demo", force=True)

    org = Organization.objects.get(slug="demo")
    assert org.name == "Demo Company"
    assert Domain.objects.get(tenant=org).domain == f"demo.{settings.ORGANIZATION_DOMAIN}"
    state = demo_state(org)
    assert [code for code, _ in state["accounts"]] == ["KITE", "LUMEN", "NORTHWIND"]
    assert state["warehouses"] == 7 and state["channels"] == 10 and state["jobs"] == 4
    assert state["products"][0] == 200 and state["variants"] > 200
    assert state["orders"] == 2003  # 2,000 generated, 3 through intake (3 more rejected, kept as failures)
    assert (state["members"], state["users"]) == (5, 6)
    with tenant_context(org):
        assert not Account.objects.filter(default_warehouse__isnull=True).exists()
        assert set(Channel.objects.values_list("kind", flat=True)) == {Channel.Kind.SALES, Channel.Kind.FULFILLMENT}
        for account in Account.objects.all():
            assert account.channels.filter(kind=Channel.Kind.FULFILLMENT).exists()
            assert account.products.count() > 0
        assert Channel.objects.filter(supports_product_import=True).exists()
        assert Channel.objects.filter(pii_retention_days__isnull=False).exists()
        connected = Channel.objects.exclude(connector_type__in=[Channel.Connector.MANUAL, Channel.Connector.AMAZON])
        assert connected.exists() and all(
            c.connection.base_url == (demo.shopify_emulator_url() if c.connector_type == "shopify" else demo.sandbox_url())
            for c in connected
        )
        amazon = Channel.objects.get(connector_type=Channel.Connector.AMAZON)
        assert amazon.connection.base_url == f"http://127.0.0.1:{settings.AMAZON_EMULATOR_PORT}"
        assert IntakeFailure.objects.count() == 3
    assert "Loaded the demo" in out
    assert "demo-pass-123" in out and f"http://demo.{settings.ORGANIZATION_DOMAIN}:8000/" in out
    assert "All stock levels match their ledger." in run("inventory_check", org="demo")

    out = run("seed_demo", force=True)

    assert "already there" in out and "nothing changed" in out
    assert demo_state(org) == state


def test_seed_demo_users_sign_in_with_their_roles(db):
    run("seed_demo", force=True)
    org = Organization.objects.get(slug="demo")

    with tenant_context(org):
        northwind = Account.objects.get(code="NORTHWIND")
        for user in demo.DEMO_USERS:
            signed_in = authenticate(login_request(), username=user.email, password=demo.DEMO_PASSWORD)
            assert signed_in is not None, user.email
            reach = set(accounts_for_user(user=signed_in).values_list("code", flat=True))
            assert reach == ({"NORTHWIND"} if user.account_role else {"KITE", "LUMEN", "NORTHWIND"}), user.email
        assert authenticate(login_request(), username="viewer@demo.example.com", password="wrong-password") is None
        roles = {user.email: role for user, role in account_users(account=northwind)}
        assert roles == {u.email: u.account_role for u in demo.DEMO_USERS if u.account_role}
    connection.set_schema_to_public()
    assert authenticate(login_request(), username="sysadmin@demo.example.com", password=demo.DEMO_PASSWORD).is_superuser
    assert authenticate(login_request(), username="admin@demo.example.com", password=demo.DEMO_PASSWORD) is None  # public site


def test_seed_demo_reset_rebuilds_it_and_gives_demo_users_their_password_back(db):
    run("seed_demo", force=True)
    before = demo_state(Organization.objects.get(slug="demo"))
    viewer = User.objects.get(email="viewer@demo.example.com")
    viewer.set_password("changed-by-the-viewer")
    viewer.save()
    with connection.cursor() as cursor:  # the first load is not committed here: check its foreign keys now,
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as a commit would, so its schema may be dropped

    run("seed_demo", reset=True, force=True)

    org = Organization.objects.get(slug="demo")
    after = demo_state(org)
    assert after["org"] != before["org"]
    assert {k: v for k, v in after.items() if k not in {"org", "accounts", "products"}} == {
        k: v for k, v in before.items() if k not in {"org", "accounts", "products"}
    }
    assert after["products"][0] == before["products"][0]
    with tenant_context(org):
        assert authenticate(login_request(), username="viewer@demo.example.com", password=demo.DEMO_PASSWORD) is not None


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        run("seed_demo")

    assert not Organization.objects.filter(slug="demo").exists()
