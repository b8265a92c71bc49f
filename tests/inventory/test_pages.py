"""Inventory pages: levels with search, the ledger of a SKU, adjustment, CSV import; who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import StockLevel, StockMovement
from tests.factories import VariantFactory, WarehouseFactory
from tests.inventory.conftest import receive


@pytest.fixture
def stocked(world):
    account = world.store
    tee = VariantFactory(product__account=account, sku="TEE-RED", name="Red tee")
    mug = VariantFactory(product__account=account, sku="MUG-1", name="Mug")
    receive(tee, account.default_warehouse, 7)
    receive(mug, account.default_warehouse, 3)
    return tee, mug


def test_levels_page_lists_and_searches_in_a_fixed_number_of_queries(world, stocked, django_assert_max_num_queries):
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[world.store.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "TEE-RED" in page and "MUG-1" in page
    rows = client.get(url, {"q": "tee"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inventory-results").content.decode()
    assert "TEE-RED" in rows and "MUG-1" not in rows and "<html" not in rows


def test_ledger_page_shows_who_why_and_another_accounts_sku_is_404(world, other_world, stocked):
    outlet_variant = VariantFactory(product__account=world.outlet, sku="OUTLET-ONLY")
    client = world.client_for(world.admin)
    page = client.get(reverse("inventory_ledger", args=[world.store.pk, "TEE-RED"])).content.decode()
    assert "Receipt" in page and "test receipt" in page
    assert client.get(reverse("inventory_ledger", args=[world.store.pk, outlet_variant.sku])).status_code == 404
    assert client.get(reverse("inventory_ledger", args=[world.store.pk, "NOPE"])).status_code == 404
    # the other organization's account: the same 404
    assert client.get(reverse("inventory_levels", args=[other_world.store.pk])).status_code == 404


def test_viewer_cannot_adjust_or_import_but_an_agent_adjusts_with_a_ledger_entry(world, stocked):
    tee, _ = stocked
    data = {"sku": "TEE-RED", "warehouse": world.store.default_warehouse.pk, "delta": "-2", "reason": "damaged"}
    viewer = world.client_for(world.viewer)
    assert viewer.post(reverse("inventory_adjust", args=[world.store.pk]), data).status_code == 403
    assert viewer.get(reverse("inventory_import", args=[world.store.pk])).status_code == 403
    assert world.client_for(world.outsider).get(reverse("inventory_levels", args=[world.store.pk])).status_code == 404

    agent = world.client_for(world.agent)
    response = agent.post(reverse("inventory_adjust", args=[world.store.pk]), data)
    assert response.status_code == 302
    assert StockLevel.objects.get(variant=tee).on_hand == 5
    entry = StockMovement.objects.filter(variant=tee).latest("id")
    assert (entry.kind, entry.on_hand_delta, entry.actor, entry.reason) == ("adjustment", -2, world.agent, "damaged")


def test_adjusting_below_allocated_or_an_unknown_sku_is_a_form_error(world, stocked):
    client = world.client_for(world.admin)
    url = reverse("inventory_adjust", args=[world.store.pk])
    wh = world.store.default_warehouse.pk
    response = client.post(url, {"sku": "TEE-RED", "warehouse": wh, "delta": "-8", "reason": "count"})
    assert response.status_code == 400 and "cannot go below" in response.content.decode()
    response = client.post(url, {"sku": "NOPE", "warehouse": wh, "delta": "1", "reason": "count"})
    assert response.status_code == 400 and "No such SKU" in response.content.decode()


def _upload(client, world, text):
    return client.post(
        reverse("inventory_import", args=[world.store.pk]),
        {"file": SimpleUploadedFile("stock.csv", text.encode(), content_type="text/csv")},
    )


def test_csv_import_with_bad_rows_imports_nothing_and_names_each_bad_line(world, stocked):
    WarehouseFactory(account=world.store, code="EAST")
    client = world.client_for(world.admin)
    before = StockMovement.objects.count()
    text = (
        "sku,warehouse,on_hand\n"
        "TEE-RED,MAIN,50\n"       # line 2: fine
        "GHOST,MAIN,5\n"          # line 3: unknown SKU
        "MUG-1,NOWHERE,5\n"       # line 4: unknown warehouse
        "MUG-1,EAST,-1\n"         # line 5: negative
        "MUG-1,MAIN,lots\n"       # line 6: not a number
        "TEE-RED,MAIN,9\n"        # line 7: duplicate of line 2
    )
    response = _upload(client, world, text)
    page = response.content.decode()
    assert response.status_code == 400
    for line, words in [(3, "unknown SKU"), (4, "unknown warehouse"), (5, "negative"), (6, "not a whole number"),
                        (7, "same SKU and warehouse as line 2")]:
        assert f"Line {line}:" in page and words in page
    assert "Line 2:" not in page
    assert StockMovement.objects.count() == before
    assert StockLevel.objects.get(variant__sku="TEE-RED").on_hand == 7


def test_csv_import_sets_on_hand_through_the_ledger(world, stocked):
    WarehouseFactory(account=world.store, code="EAST")
    response = _upload(world.client_for(world.admin), world, "sku,warehouse,on_hand\nTEE-RED,main,10\nMUG-1,EAST,4\n")
    assert response.status_code == 302
    levels = {(l.variant.sku, l.warehouse.code): l.on_hand for l in StockLevel.objects.select_related("variant", "warehouse")}
    assert levels[("TEE-RED", "MAIN")] == 10 and levels[("MUG-1", "EAST")] == 4
    assert StockMovement.objects.filter(kind="import").count() == 2


def test_dead_letters_are_listed_with_their_error_and_retry_makes_them_pending_again(world, other_world, stocked):
    from inventory.models import InventoryPush
    from tests.factories import ChannelFactory

    tee, _ = stocked
    channel = ChannelFactory(account=world.store, name="Flaky market")
    dead = InventoryPush.objects.create(account=world.store, channel=channel, variant=tee, status="dead",
                                        last_error="Flaky market: HTTP 503 from http://x/inventory")
    page = world.client_for(world.viewer).get(reverse("inventory_levels", args=[world.store.pk])).content.decode()
    assert "Flaky market" in page and "HTTP 503" in page and "Retry" not in page  # a viewer sees, cannot retry
    retry_url = reverse("inventory_push_retry", args=[world.store.pk, dead.pk])
    assert world.client_for(world.viewer).post(retry_url).status_code == 403
    assert world.client_for(world.admin).post(reverse("inventory_push_retry", args=[world.outlet.pk, dead.pk])).status_code == 404
    response = world.client_for(world.agent).post(retry_url)
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == "pending"


def test_csv_import_sets_reorder_points_which_the_low_stock_filter_uses(world, stocked):
    client = world.client_for(world.admin)
    bad = _upload(client, world, "sku,warehouse,on_hand,reorder_point\nTEE-RED,MAIN,7,-1\nMUG-1,MAIN,3,many\n")
    assert bad.status_code == 400 and "Line 2: reorder_point must be between 0" in bad.content.decode()
    assert "Line 3: reorder_point &#x27;many&#x27; is not a whole number" in bad.content.decode()
    response = _upload(client, world, "sku,warehouse,on_hand,reorder_point\nTEE-RED,MAIN,7,8\nMUG-1,MAIN,3,\n")
    assert response.status_code == 302
    assert dict(StockLevel.objects.values_list("variant__sku", "reorder_point")) == {"TEE-RED": 8, "MUG-1": 0}
    low = client.get(reverse("inventory_levels", args=[world.store.pk]), {"stock": "low"}).content.decode()
    assert "TEE-RED" in low and "MUG-1" not in low  # 7 available at or below 8; 3 above 0
