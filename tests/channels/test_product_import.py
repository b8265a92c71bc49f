"""Product import from the master channel upserts by SKU: never a duplicate, also after switching source."""

from accounts.choices import MasterProductSource
from channels.services import products_import_from_master
from orders.models import Variant
from tests.channels.conftest import sandbox_channel
from tests.factories import VariantFactory


def test_importing_twice_and_after_switching_source_never_duplicates_a_sku(world, sandbox):
    account = world.store
    VariantFactory(product__account=account, sku="SBX-MUG", name="Our mug")  # existed before any import
    first = sandbox_channel(account, sandbox, name="Sandbox A")
    account.master_product_source, account.master_product_channel = MasterProductSource.SALES_CHANNEL, first
    account.save(update_fields=["master_product_source", "master_product_channel"])

    assert products_import_from_master(account=account) == {"created": 2, "updated": 1}
    assert products_import_from_master(account=account) == {"created": 0, "updated": 3}

    second = sandbox_channel(account, sandbox, name="Sandbox B")
    sandbox.set_products([{"sku": "SBX-MUG", "name": "Mug v2", "price": "11"}, {"sku": "NEW-1", "name": "New"}])
    account.master_product_channel = second
    account.save(update_fields=["master_product_channel"])
    assert products_import_from_master(account=account) == {"created": 1, "updated": 1}

    skus = list(Variant.objects.filter(account=account).values_list("sku", flat=True))
    assert sorted(skus) == ["NEW-1", "SBX-MUG", "SBX-TEE-M", "SBX-TEE-S"]
    assert Variant.objects.get(account=account, sku="SBX-MUG").name == "Mug v2"
