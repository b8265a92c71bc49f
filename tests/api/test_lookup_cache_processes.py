"""The organization and API key look-ups are cached in each web process, yet a rotated key, a disabled account and a
deactivated organization are refused at once by every process: two real web processes serve the API while this
process (a third) makes the changes."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import account_create, account_rotate_api_key, account_set_active
from accounts.tenancy.lookups import lookups_changed
from accounts.tenancy.services import organization_update
from tests.processes import ROOT, process_env
from tests.workers import _stop

pytestmark = pytest.mark.skipif(not settings.LOOKUP_CACHE, reason="the look-up caches are off")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_process():
    """A gunicorn process (one worker, threads) serving the app against the test database; yields its port."""
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="oms-web-")) / "web.log"
    env = process_env(PYTHONUNBUFFERED="1", LOOKUP_CACHE_REDIS_URL=settings.LOOKUP_CACHE_REDIS_URL)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "oms.wsgi", "-w", "1", "-k", "gthread", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the web process did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield port
    finally:
        _stop([process])


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
