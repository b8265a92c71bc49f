"""The Clone page: who may use it, a prefilled form, inline errors, live preview and metrics."""

import re

import pytest

from django.urls import reverse

from orders.models import CloneRecord, Order
from tests.conftest import in_tenant
from tests.factories import ADDRESS


def clone_url(shop, name="order_clone"):
    return reverse(name, args=[shop.account.pk, shop.order.number])


def form_data(shop, **changes):
    """What the browser sends for the prefilled form, with `changes` applied."""
    data = {
        "purpose": "standard",
        "pricing": "keep",
        "customer_name": shop.order.customer_name,
        "customer_email": shop.order.customer_email,
        "customer_phone": shop.order.customer_phone,
        "discount_codes": ", ".join(shop.order.discount_codes),
        "shipping_method": shop.order.shipping_method_id,
        "tax_jurisdiction": shop.order.tax_jurisdiction_id,
        "warehouse": shop.order.warehouse_id,
        "rejected": "0",
    }
    for prefix in ("billing", "shipping"):
        for key, value in shop.order.address(prefix).items():
            data[f"{prefix}_{key}"] = value
    for line in shop.order.lines.all():
        data[f"line_{line.sku}"] = "on"
        data[f"qty_{line.sku}"] = str(line.quantity)
        data[f"price_{line.sku}"] = str(line.unit_price)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_agent_sees_a_form_prefilled_from_the_source(shop, world):
    response = world.client_for(world.agent).get(clone_url(shop))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="line_TEE-0"' in html and 'value="12 Analytical St"' in html and "SPRING10" in html
    assert 'id="clone-total"' in html and str(shop.order.total) in html


def test_viewer_is_refused_and_other_accounts_and_orgs_get_404(shop, world, other_world):
    assert world.client_for(world.viewer).get(clone_url(shop)).status_code == 403
    assert world.client_for(world.viewer).post(clone_url(shop), form_data(shop)).status_code == 403
    outlet_agent = world.client_for(None)
    outlet_agent.force_login(world.outsider)
    assert outlet_agent.get(clone_url(shop)).status_code == 404
    in_tenant(other_world.org)
    foreign = other_world.client_for(other_world.agent)
    assert foreign.get(clone_url(shop)).status_code == 404
    in_tenant(world.org)
    assert Order.objects.filter(account=shop.account).count() == 1


def test_an_agent_of_another_account_gets_404_for_this_order(shop, world):
    from accounts.roles import AccountRole
    from tests.factories import grant, member

    other_agent = member()
    grant(other_agent, world.outlet, AccountRole.AGENT)
    url = reverse("order_clone", args=[world.outlet.pk, shop.order.number])
    assert world.client_for(other_agent).get(url).status_code == 404
    assert world.client_for(other_agent).get(clone_url(shop)).status_code == 404


def test_cloning_two_lines_with_a_new_address_and_repricing_lands_on_the_new_order(shop, world):
    data = form_data(shop, pricing="reprice", shipping_line1="99 Elm Street", shipping_city="Bristol",
                     qty_TEE_0=None)
    del data["line_TEE-1"]
    data["qty_TEE-0"] = "4"
    response = world.client_for(world.agent).post(clone_url(shop), data)
    assert response.status_code == 302
    clone = Order.objects.get(cloned_from=shop.order)
    assert response["Location"] == reverse("order_detail", args=[shop.account.pk, clone.number])
    assert [(l.sku, l.quantity) for l in clone.lines.all()] == [("TEE-0", 4), ("TEE-2", 3)]
    assert (clone.shipping_line1, clone.shipping_city, clone.billing_city) == ("99 Elm Street", "Bristol", "London")
    record = CloneRecord.objects.get(order=clone)
    assert record.rejected_submits == 0 and record.door == "page"


def test_bad_input_shows_inline_errors_counts_the_rejection_and_saves_nothing(shop, world):
    data = form_data(shop, billing_postal_code="")
    data["qty_TEE-0"] = "0"
    client = world.client_for(world.agent)
    response = client.post(clone_url(shop), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter a whole quantity of TEE-0, from 1 to 100,000." in html
    assert "Enter the postal code of the billing address." in html
    assert re.search(r'name="rejected" value="1"', html)
    assert Order.objects.filter(account=shop.account).count() == 1
    # The agent fixes it; the clone remembers the rejected submit.
    data = form_data(shop, rejected="1")
    assert client.post(clone_url(shop), data).status_code == 302
    assert CloneRecord.objects.get().rejected_submits == 1


def test_live_preview_prices_and_checks_stock_without_writing(shop, world):
    data = form_data(shop, purpose="simulation")
    data["qty_TEE-0"] = "10"
    response = world.client_for(world.agent).post(clone_url(shop, "order_clone_preview"), data,
                                                   HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Simulation" in html and "Total" in html
    over = form_data(shop)
    over["qty_TEE-0"] = "500"
    html = world.client_for(world.agent).post(clone_url(shop, "order_clone_preview"), over).content.decode()
    assert "Only 48 of TEE-0 available" in html and 'class="short"' in html
    assert Order.objects.filter(account=shop.account).count() == 1


def test_split_from_the_page_makes_an_order_per_destination(shop, world):
    data = form_data(shop, purpose="split", destination_count="2")
    for i, city in enumerate(["London", "York"]):
        for key, value in dict(ADDRESS, city=city).items():
            data[f"dest{i}_{key}"] = value
    data.update({"dest0_qty_TEE-0": "2", "dest0_qty_TEE-1": "0", "dest0_qty_TEE-2": "1",
                 "dest1_qty_TEE-0": "0", "dest1_qty_TEE-1": "1", "dest1_qty_TEE-2": "2"})
    response = world.client_for(world.agent).post(clone_url(shop), data)
    assert response.status_code == 302
    cities = sorted(Order.objects.filter(cloned_from=shop.order).values_list("shipping_city", flat=True))
    assert cities == ["London", "York"]


def test_metrics_page_shows_average_time_and_first_submit_share(shop, world):
    client = world.client_for(world.agent)
    client.post(clone_url(shop), form_data(shop))
    client.post(clone_url(shop), form_data(shop, rejected="2"))
    CloneRecord.objects.update(seconds=20)
    response = client.get(reverse("clone_metrics", args=[shop.account.pk]))
    html = response.content.decode()
    assert response.context["summary"]["count"] == 2
    assert "20.0 s" in html and "50.0 %" in html
    assert world.client_for(world.viewer).get(reverse("clone_metrics", args=[shop.account.pk])).status_code == 403


def test_the_time_from_opening_the_form_to_creating_the_order_is_recorded(shop, world):
    from django.core import signing
    from django.utils import timezone

    from orders.forms import OPENED_SALT

    opened = signing.dumps(timezone.now().timestamp() - 42, salt=OPENED_SALT)
    response = world.client_for(world.agent).post(clone_url(shop), form_data(shop, opened=opened))
    assert response.status_code == 302
    assert 41 <= CloneRecord.objects.get().seconds < 60


def test_a_tampered_opening_time_is_ignored(shop, world):
    response = world.client_for(world.agent).post(clone_url(shop), form_data(shop, opened="123:forged"))
    assert response.status_code == 302 and CloneRecord.objects.get().seconds is None


def test_the_error_summary_names_fields_in_words_not_their_codes(shop, world):
    data = form_data(shop, customer_email="not-an-email", billing_city="x" * 201)
    response = world.client_for(world.agent).post(clone_url(shop), data)
    html = response.content.decode()
    assert response.status_code == 422
    summary = html[html.index('id="clone-errors"'):]
    summary = summary[: summary.index("</div>")]
    assert '<a href="#id_customer_email">Customer email: Enter a valid email address.</a>' in summary
    assert "Billing address, city: Ensure this value has at most 200 characters" in summary
    assert "customer_email:" not in summary and "billing_city:" not in summary
    assert Order.objects.filter(account=shop.account).count() == 1


@pytest.mark.parametrize("params", [{"created_to": "9999-12-31"}, {"created_to": "0001-01-05"},
                                    {"created_from": "0001-01-01", "created_to": "0001-01-02"}])
def test_a_metrics_period_at_the_ends_of_the_calendar_is_refused_in_words_not_a_500(shop, world, params):
    response = world.client_for(world.agent).get(reverse("clone_metrics", args=[shop.account.pk]), params)
    assert response.status_code == 200
    assert "Choose a date between 1900 and 9000." in response.content.decode()


def test_a_correction_that_cancels_its_source_asks_first_and_cancels_only_once_confirmed(shop, world):
    client = world.client_for(world.agent)
    data = form_data(shop, purpose="correction", cancel_source="on")
    asked = client.post(clone_url(shop), data)
    html = asked.content.decode()
    assert asked.status_code == 200
    assert f"{shop.order.number} will be cancelled" in html and 'name="confirmed" value="yes"' in html
    assert 'name="cancel_source" value="on"' in html
    shop.order.refresh_from_db()
    assert shop.order.status != Order.Status.CANCELLED
    assert Order.objects.filter(account=shop.account).count() == 1
    done = client.post(clone_url(shop), {**data, "confirmed": "yes"})
    assert done.status_code == 302
    shop.order.refresh_from_db()
    assert shop.order.status == Order.Status.CANCELLED
    assert Order.objects.filter(account=shop.account).count() == 2


def test_a_correction_that_keeps_its_source_is_created_without_asking(shop, world):
    response = world.client_for(world.agent).post(clone_url(shop), form_data(shop, purpose="correction"))
    assert response.status_code == 302
    assert Order.objects.filter(account=shop.account).count() == 2
