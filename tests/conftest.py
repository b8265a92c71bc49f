"""Two organizations (acme, globex) with several accounts and every role, so each access test can try
the other tenant. Organizations are created once per session (a schema each); everything else is made per
test inside the test's transaction."""

import os
import uuid
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from accounts.roles import AccountRole
from accounts.tenancy.models import Domain, Membership, Organization, User
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _fresh_lookup_caches():
    """Each test starts with empty organization and API key look-up caches: an earlier test's rows, rolled back
    since, are never served to it (the services tell the caches of changes; rollbacks cannot)."""
    from accounts.tenancy.lookups import lookups_clear

    lookups_clear()


def _ensure_org(slug: str, name: str) -> Organization:
    org = Organization.objects.filter(schema_name=slug).first()
    if org is None:
        org = Organization(schema_name=slug, slug=slug, name=name)
        org.save(verbosity=0)
        Domain.objects.create(domain=f"{slug}.localhost", tenant=org, is_primary=True)
    return org


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    own = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # pytest-django sets up only what collected tests ask for with `db` or a mark; tests that only use
            # committed data (committed_org) must still never touch the real database.
            own = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        _ensure_org("acme", "Acme Corporation")
        _ensure_org("globex", "Globex Corporation")
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        _close_other_sessions()
    if own is not None:
        with django_db_blocker.unblock():
            teardown_databases(own, verbosity=0)


def _close_other_sessions() -> None:
    """End what server, worker and thread connections are still open on the test database (a daemon thread's
    connection is never closed by Django), so pytest can drop it at the end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def acme(db):
    org = Organization.objects.get(schema_name="acme")
    connection.set_tenant(org)
    yield org
    connection.set_schema_to_public()


@pytest.fixture
def globex(db):
    return Organization.objects.get(schema_name="globex")


def in_tenant(org):
    """Point the connection at `org` (requests through the test client move it to the host's tenant)."""
    connection.set_tenant(org)


@dataclass
class OrgWorld:
    org: Organization
    store: object  # account X
    outlet: object  # account Y
    admin: User
    supervisor: User
    account_admin: User  # of store only
    agent: User  # of store only
    viewer: User  # of store only
    outsider: User  # a member with no account role

    def client_for(self, user: User | None) -> Client:
        client = Client(HTTP_HOST=f"{self.org.schema_name}.localhost")
        if user is not None:
            client.force_login(user)
        connection.set_tenant(self.org)
        return client

    def by_role(self, name: str) -> User:
        return getattr(self, name)


def build_world(org: Organization) -> OrgWorld:
    connection.set_tenant(org)
    store = factories.AccountFactory(name=f"{org.name} Store", code=f"{org.schema_name.upper()}-STORE")
    outlet = factories.AccountFactory(name=f"{org.name} Outlet", code=f"{org.schema_name.upper()}-OUTLET")
    for account in (store, outlet):
        wh = factories.WarehouseFactory(account=account, name=f"{account.name} Main", code="MAIN")
        account.default_warehouse = wh
        account.save(update_fields=["default_warehouse"])
    world = OrgWorld(
        org=org,
        store=store,
        outlet=outlet,
        admin=factories.member(Membership.Role.ADMIN),
        supervisor=factories.member(Membership.Role.SUPERVISOR),
        account_admin=factories.member(),
        agent=factories.member(),
        viewer=factories.member(),
        outsider=factories.member(),
    )
    factories.grant(world.account_admin, store, AccountRole.ADMIN)
    factories.grant(world.agent, store, AccountRole.AGENT)
    factories.grant(world.viewer, store, AccountRole.VIEWER)
    return world


@pytest.fixture
def world(acme) -> OrgWorld:
    w = build_world(acme)
    connection.set_tenant(acme)
    return w


@pytest.fixture
def other_world(world, globex) -> OrgWorld:
    w = build_world(globex)
    connection.set_tenant(world.org)
    return w


@pytest.fixture
def system_admin(db) -> User:
    return factories.UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def committed_org(django_db_setup, django_db_blocker):
    """A fresh organization whose rows are committed (for a browser, a worker or parallel threads).
    Dropped, schema and all, at the end."""
    slug = f"t{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        org = _ensure_org(slug, f"Org {slug}")
        try:
            yield org
        finally:
            connection.set_schema_to_public()
            Membership.objects.filter(organization=org).delete()
            org.delete(force_drop=True)
            connection.set_schema_to_public()
