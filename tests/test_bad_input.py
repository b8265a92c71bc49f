"""The bad input of the hardening issue, each once: a 4xx with a message a person understands, and nothing
written. (tests/test_url_walk.py sends such values to every URL.)"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Account, ActivityLog, RecurringJob
from orders.models import Order
from tests import factories
from tests.intake.failure_helpers import failure as failure_of, mug

BIG = str(2**31)


def _logged(account) -> int:
    return ActivityLog.objects.filter(account=account).count()


def test_privacy_channel_days_past_the_column_is_a_form_error(world):
    channel = factories.ChannelFactory(account=world.store, name="Market", pii_retention_days=30)
    before = _logged(world.store)
    response = world.client_for(world.admin).post(
        reverse("account_settings", args=[world.store.pk, "privacy"]),
        {"pii_retention_days": "90", f"channel_{channel.pk}": BIG},
    )
    assert response.status_code == 422
    assert "less than or equal to 2147483647" in str(response.context["form"].errors[f"channel_{channel.pk}"])
    channel.refresh_from_db()
    world.store.refresh_from_db()
    assert (channel.pii_retention_days, world.store.pii_retention_days) == (30, None)
    assert _logged(world.store) == before


def test_recurring_job_interval_past_the_column_is_a_form_error(world):
    client = world.client_for(world.admin)
    response = client.post(
        reverse("account_settings", args=[world.store.pk, "recurring-jobs"]),
        {"job_type": "redact_pii", "interval_minutes": BIG, "is_enabled": "on"},
    )
    assert response.status_code == 422
    assert "less than or equal to" in str(response.context["form"].errors["interval_minutes"])
    assert not RecurringJob.objects.filter(account=world.store).exists()
    job = RecurringJob.objects.create(account=world.store, job_type="redact_pii", interval_minutes=60)
    response = client.post(
        reverse("recurring_job_detail", args=[world.store.pk, job.pk]),
        {"job_type": "redact_pii", "interval_minutes": str(10**30)},
    )
    assert response.status_code == 422 and "interval_minutes" in response.context["form"].errors
    job.refresh_from_db()
    assert job.interval_minutes == 60


def test_clone_form_hidden_rejected_count_past_the_column_is_refused(world):
    variant = mug(world.store)
    source = factories.make_order(world.store, [(variant, 1)])
    orders = Order.objects.count()
    page = reverse("order_clone", args=[world.store.pk, source.number])
    response = world.client_for(world.admin).post(
        page, {"purpose": "standard", "pricing": "keep", f"line_{variant.sku}": "on", f"qty_{variant.sku}": "1",
               "rejected": BIG},
    )
    assert response.status_code == 422
    assert "hidden submit count is not a valid number" in response.content.decode()
    assert Order.objects.count() == orders


@pytest.mark.parametrize("path", ["/accounts/{id}/orders/%00/", "/accounts/{id}/orders/%00/clone/",
                                  "/accounts/{id}/inventory/sku/a%00b/", "/accounts/{id}/inventory/?q=%00"])
def test_a_nul_in_the_address_is_a_plain_400(world, path):
    response = world.client_for(world.admin).get(path.format(id=world.store.pk))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "NUL character" in response.content.decode()


def test_a_nul_in_a_form_value_is_a_400_and_changes_nothing(world):
    before = _logged(world.store)
    response = world.client_for(world.admin).post(
        reverse("account_settings", args=[world.store.pk, "main"]), {"name": "Acme\x00Store"}
    )
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    world.store.refresh_from_db()
    assert world.store.name == "Acme Corporation Store" and _logged(world.store) == before


def test_a_nul_in_an_api_query_is_a_422_in_the_api_format(world):
    response = world.client_for(None).get("/api/v1/orders?q=a%00b", headers={"X-Api-Key": "whatever"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_characters" and response.json()["field"] == "q"


@pytest.mark.parametrize("source", ["abc", "1.5", "99999999999999999999"])
def test_account_clone_source_from_the_query_string_is_parsed_as_a_form_field(world, source):
    accounts = Account.objects.count()
    client = world.client_for(world.admin)
    response = client.get(reverse("account_clone"), {"source": source})
    assert response.status_code == 400
    assert "There is no such account to clone." in response.content.decode()
    response = client.get(reverse("account_clone"), {"source": source}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert Account.objects.count() == accounts


def test_account_clone_source_from_the_query_string_still_previews(world):
    response = world.client_for(world.admin).get(reverse("account_clone"), {"source": world.store.pk},
                                                 headers={"HX-Request": "true"})
    assert response.status_code == 200 and world.store.name in response.content.decode()


@pytest.mark.parametrize("number", [str(10**30), str(2**63)])
def test_an_id_past_bigint_in_the_path_is_a_404(world, number):
    client = world.client_for(world.admin)
    assert client.get(f"/accounts/{number}/").status_code == 404
    assert client.get(f"/accounts/{world.store.pk}/jobs/{number}/").status_code == 404
    assert reverse("account_overview", args=[2**63 - 1])  # the largest id still matches


def test_stock_adjustment_past_the_column_is_a_form_error(world):
    variant = mug(world.store)
    response = world.client_for(world.admin).post(
        reverse("inventory_adjust", args=[world.store.pk]),
        {"sku": variant.sku, "warehouse": world.store.default_warehouse_id, "delta": BIG, "reason": "count"},
    )
    assert response.status_code == 400 and "delta" in response.context["form"].errors
    response = world.client_for(world.admin).post(
        reverse("inventory_adjust", args=[world.store.pk]),
        {"sku": variant.sku, "warehouse": world.store.default_warehouse_id, "delta": str(2**31 - 1), "reason": "x"},
    )
    assert response.status_code == 400
    assert "cannot be more than" in str(response.context["form"].errors["delta"])


@pytest.mark.parametrize("options, message", [
    ({"name": "N" * 121}, "--name: at most 120 characters (this one has 121)."),
    ({"name": "Copy\x00"}, "--name: contains a NUL character"),
    ({"name": "Copy", "source": "X" * 31}, "--source: at most 30 characters"),
])
def test_clone_account_command_refuses_what_the_columns_cannot_hold(world, options, message):
    accounts = Account.objects.count()
    arguments = {"org": "acme", "source": world.store.code} | options
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("clone_account", **arguments)
    assert Account.objects.count() == accounts


def test_every_command_refuses_a_nul_or_an_over_long_value_in_its_options(world):
    from accounts.tenancy.models import Organization

    organizations = Organization.objects.count()
    with pytest.raises(CommandError, match="--org: contains a NUL character"):
        call_command("inventory_check", org="ac\x00me")
    with pytest.raises(CommandError, match="--name: at most 200 characters"):
        call_command("create_organization", name="O" * 201, slug="longname")
    assert Organization.objects.count() == organizations


@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999", "-1"])
def test_switch_account_parses_the_id_as_a_form_field(world, value):
    response = world.client_for(world.admin).post(reverse("switch_account"), {"account": value})
    assert response.status_code == 404


def test_replay_ids_are_parsed_as_a_form_field(world):
    kept = failure_of(world.store)
    response = world.client_for(world.admin).post(
        reverse("intake_replay_many", args=[world.store.pk]), {"scope": "selected", "ids": [kept.pk, "1.5"]},
        follow=True,
    )
    assert "Nothing was replayed: “1.5” is not an id." in response.content.decode()
    kept.refresh_from_db()
    assert kept.status == "dead"
