"""The ledger shows each entry's time in the account's timezone, naming it."""

from django.urls import reverse

from accounts.models import Account
from tests import factories


def test_ledger_times_are_in_the_accounts_timezone(world):
    Account.objects.filter(pk=world.store.pk).update(timezone="America/New_York")
    variant = factories.VariantFactory(product__account=world.store, sku="LEDGER-1")
    factories.stock(variant, world.store.default_warehouse, 4)
    html = world.client_for(world.agent).get(reverse("inventory_ledger", args=[world.store.pk, "LEDGER-1"])).content.decode()
    assert "When (America/New_York)" in html
    assert " EST</time>" in html or " EDT</time>" in html
