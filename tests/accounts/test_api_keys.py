"""API keys: made at account creation, stored only as a hash with a visible prefix, shown once, rotatable."""

import hashlib
import re

from django.db import connection
from django.urls import reverse

from accounts.models import Account, ActivityLog
from accounts.services import account_create, account_rotate_api_key


def key_in_page(html: str) -> str:
    return re.search(r'id="api-key-value">\s*(oms_[^<\s]+)', html).group(1)


def stored_anywhere(plain: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account WHERE row_to_json(accounts_account)::text LIKE %s",
                       [f"%{plain}%"])
        in_accounts = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_activitylog WHERE row_to_json(accounts_activitylog)::text LIKE %s",
                       [f"%{plain}%"])
        in_log = cursor.fetchone()[0]
    return bool(in_accounts or in_log)


def test_new_account_gets_a_key_stored_only_as_its_hash(acme):
    account, plain = account_create(name="Key Probe", by=None)
    assert plain.startswith("oms_") and len(plain) > 40
    assert account.api_key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(account.api_key_prefix) and len(account.api_key_prefix) == 12
    assert not stored_anywhere(plain)


def test_creating_an_account_from_the_organization_page_shows_the_key_once(world):
    client = world.client_for(world.admin)
    response = client.post(reverse("account_create"), {"name": "Acme Kids", "code": "", "timezone": "Europe/Rome"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plain = key_in_page(response.content.decode())
    account = Account.objects.get(name="Acme Kids")
    assert account.code == "ACME-KIDS" and account.timezone == "Europe/Rome"
    assert account.api_key_hash == hashlib.sha256(plain.encode()).hexdigest()
    # Never again: the settings page shows the prefix only.
    html = client.get(reverse("account_settings", args=[account.pk, "main"])).content.decode()
    assert plain not in html and account.api_key_prefix in html


def test_rotation_replaces_the_key_at_once_and_shows_the_new_one_once(world):
    old_hash = world.store.api_key_hash
    client = world.client_for(world.account_admin)
    response = client.post(reverse("rotate_api_key", args=[world.store.pk]), {"confirmed": "yes"})
    assert response.status_code == 200
    plain = key_in_page(response.content.decode())
    world.store.refresh_from_db()
    assert world.store.api_key_hash == hashlib.sha256(plain.encode()).hexdigest() != old_hash
    assert world.store.api_key_rotated_at is not None
    assert not stored_anywhere(plain)
    entry = ActivityLog.objects.get(account=world.store, action="api_key.rotated")
    assert entry.actor == world.account_admin


def test_rotation_asks_first_and_names_what_happens(world):
    client = world.client_for(world.account_admin)
    old_hash = world.store.api_key_hash
    response = client.post(reverse("rotate_api_key", args=[world.store.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "stops working at once" in html and 'name="confirmed" value="yes"' in html
    world.store.refresh_from_db()
    assert world.store.api_key_hash == old_hash


def test_rotation_needs_post(world):
    client = world.client_for(world.admin)
    assert client.get(reverse("rotate_api_key", args=[world.store.pk])).status_code == 405


def test_each_rotation_gives_a_different_key(acme):
    account, first = account_create(name="Rotating", by=None)
    second = account_rotate_api_key(account=account, by=None)
    assert first != second
    assert Account.objects.filter(api_key_hash=hashlib.sha256(first.encode()).hexdigest()).count() == 0
