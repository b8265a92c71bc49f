"""The organization and API key look-ups are cached in each web process, yet a rotated key, a disabled account and a
deactivated organization are refused at once by every process: two real web processes serve the API while this
process (a third) makes the changes."""

from __future__ import annotations

import http.client
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import account_create, account_rotate_api_key, account_set_active
from accounts.tenancy.lookups import lookups_changed
from accounts.tenancy.services import organization_update
from tests.processes import web_process

pytestmark = pytest.mark.skipif(not settings.LOOKUP_CACHE, reason="the look-up caches are off")


def _get(port: int, host: str, key: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", "/api/v1/orders", headers={"Host": host, "X-Api-Key": key})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_a_change_in_one_process_is_refused_at_once_by_two_other_web_processes(committed_org, django_db_blocker):
    org = committed_org
    host = f"{org.schema_name}.localhost"
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account, _ = account_create(name="Cache Store", by=None, code="CACHE-1")
        old_key = account_rotate_api_key(account=account, by=None)
        connection.set_schema_to_public()

    with ExitStack() as stack:
        ports = [stack.enter_context(web_process()) for _ in range(2)]
        for port in ports:
            assert _get(port, host, old_key) == 200
            assert _get(port, host, old_key) == 200  # now from the process's cache

        with django_db_blocker.unblock():
            # The caches are really in use: a change made behind the services' back (raw SQL, no invalidation)
            # is not seen by either process...
            with connection.cursor() as cursor:
                cursor.execute(f'UPDATE "{org.schema_name}".accounts_account SET is_active = false WHERE id = %s',
                               [account.pk])
            assert [_get(port, host, old_key) for port in ports] == [200, 200]
            # ...until the version changes.
            lookups_changed()
            assert [_get(port, host, old_key) for port in ports] == [403, 403]
            connection.set_tenant(org)
            account.is_active = False
            account_set_active(account=account, active=True, by=None)
            connection.set_schema_to_public()
        assert [_get(port, host, old_key) for port in ports] == [200, 200]

        with django_db_blocker.unblock():
            connection.set_tenant(org)
            new_key = account_rotate_api_key(account=account, by=None)
            connection.set_schema_to_public()
        assert [_get(port, host, old_key) for port in ports] == [401, 401]
        assert [_get(port, host, new_key) for port in ports] == [200, 200]

        with django_db_blocker.unblock():
            connection.set_tenant(org)
            account_set_active(account=account, active=False, by=None)
            connection.set_schema_to_public()
        assert [_get(port, host, new_key) for port in ports] == [403, 403]

        with django_db_blocker.unblock():
            connection.set_tenant(org)
            account_set_active(account=account, active=True, by=None)
            connection.set_schema_to_public()
            assert [_get(port, host, new_key) for port in ports] == [200, 200]
            organization_update(organization=org, name=org.name, is_active=False)
        assert [_get(port, host, new_key) for port in ports] == [404, 404]

        with django_db_blocker.unblock():
            organization_update(organization=org, name=org.name, is_active=True)
        assert [_get(port, host, new_key) for port in ports] == [200, 200]
