"""The API reads its account from the process's look-up cache: every service that changes an account or an
organization replaces the cache's version itself (no save/delete signal does it for them)."""

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import account_update
from accounts.tenancy.lookups import account_for_key_hash, lookups_version
from api.auth import _account_by_hash

pytestmark = pytest.mark.skipif(not settings.LOOKUP_CACHE, reason="the look-up caches are off")


def _cached(account):
    version, _ = lookups_version()
    assert version is not None, "Redis is needed for the look-up cache"
    return account_for_key_hash(connection.schema_name, account.api_key_hash, version=version, load=_account_by_hash)


def test_changing_an_accounts_settings_is_seen_by_the_api_look_up_at_once(world):
    assert _cached(world.store).name == world.store.name
    assert _cached(world.store).name == world.store.name  # now from the cache

    account_update(account=world.store, changes={"name": "Renamed Store"}, by=world.admin)

    assert _cached(world.store).name == "Renamed Store"

