"""Every rule of the Edit Account tabs: form errors for people, database constraints behind them."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Account, ActivityLog, RecurringJob
from accounts.services import account_update
from channels.models import Channel
from oms.exceptions import DomainError
from orders.models import Variant
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, WarehouseFactory


def main_data(account, **overrides):
    data = {
        "name": account.name,
        "code": account.code,
        "timezone": account.timezone,
        "license_type": account.license_type,
        "size_unit": account.size_unit,
        "volume_unit": account.volume_unit,
        "weight_unit": account.weight_unit,
    }
    return data | overrides


def workflow_data(account, **overrides):
    data = {
        "master_product_source": account.master_product_source,
        "master_product_channel": account.master_product_channel_id or "",
        "default_warehouse": account.default_warehouse_id or "",
        "auto_sales_order_workflow": "False",
        "auto_purchase_order_workflow": "False",
        "inventory_realtime_updates": "True",
    }
    return data | overrides


def post_tab(world, tab, data, user=None):
    client = world.client_for(user or world.admin)
    return client.post(reverse("account_settings", args=[world.store.pk, tab]), data)


def errors_of(response) -> dict:
    return response.context["form"].errors


# Main


def test_main_tab_saves_and_logs_who_changed_what(world):
    response = post_tab(world, "main", main_data(world.store, name="Acme Flagship", timezone="Europe/Paris"))
    assert response.status_code == 302
    world.store.refresh_from_db()
    assert (world.store.name, world.store.timezone) == ("Acme Flagship", "Europe/Paris")
    entry = ActivityLog.objects.filter(account=world.store, action="settings.updated").latest("id")
    assert entry.actor == world.admin
    assert entry.changes["name"] == ["Acme Corporation Store", "Acme Flagship"]
    assert entry.changes["timezone"] == ["UTC", "Europe/Paris"]


def test_name_is_unique_within_the_organization_ignoring_case(world):
    response = post_tab(world, "main", main_data(world.store, name=world.outlet.name.upper()))
    assert response.status_code == 422
    assert "already exists" in errors_of(response)["name"][0]


def test_name_uniqueness_is_a_database_constraint(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=world.store.pk).update(name=world.outlet.name.lower())


def test_same_account_name_is_fine_in_another_organization(world, other_world):
    """Names are unique per organization, not across them: globex may have an account named like acme's."""
    from accounts.services import account_create
    from tests.conftest import in_tenant

    in_tenant(other_world.org)
    twin, _ = account_create(name=world.store.name, by=other_world.admin)
    assert Account.objects.filter(name=world.store.name).count() == 1
    in_tenant(world.org)
    assert Account.objects.get(name=world.store.name) == world.store != twin


def test_name_is_required(world):
    response = post_tab(world, "main", main_data(world.store, name="  "))
    assert response.status_code == 422
    assert "name" in errors_of(response)


def test_code_is_unique_and_well_formed(world):
    taken = post_tab(world, "main", main_data(world.store, code=world.outlet.code))
    assert taken.status_code == 422 and "already exists" in errors_of(taken)["code"][0]
    bad = post_tab(world, "main", main_data(world.store, code="has space"))
    assert bad.status_code == 422 and "code" in errors_of(bad)


def test_lowercase_code_is_normalised(world):
    assert post_tab(world, "main", main_data(world.store, code="acme-new")).status_code == 302
    world.store.refresh_from_db()
    assert world.store.code == "ACME-NEW"


def test_timezone_must_be_an_iana_name(world):
    response = post_tab(world, "main", main_data(world.store, timezone="Mars/Olympus"))
    assert response.status_code == 422 and "timezone" in errors_of(response)


def test_license_type_is_standard_by_default(world):
    assert world.store.license_type == "standard"


@pytest.mark.parametrize(
    "size,volume,weight,ok",
    [
        ("cm", "cm3", "kg", True),
        ("mm", "l", "g", True),
        ("in", "in3", "lb", True),
        ("ft", "ft3", "oz", True),
        ("cm", "in3", "kg", False),
        ("in", "in3", "kg", False),
        ("m", "m3", "lb", False),
    ],
)
def test_units_must_come_from_one_system(world, size, volume, weight, ok):
    response = post_tab(world, "main", main_data(world.store, size_unit=size, volume_unit=volume, weight_unit=weight))
    assert response.status_code == (302 if ok else 422)
    if not ok:
        assert "must all be metric" in errors_of(response)["weight_unit"][0]


def test_mixed_units_are_refused_by_the_database_too(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=world.store.pk).update(size_unit="in")


# Workflow


def test_master_channel_is_required_when_the_source_is_a_channel(world):
    response = post_tab(world, "workflow", workflow_data(world.store, master_product_source="sales_channel"))
    assert response.status_code == 422
    assert "Choose the channel" in errors_of(response)["master_product_channel"][0]


def test_master_channel_must_be_of_the_chosen_kind(world):
    fulfillment = ChannelFactory(account=world.store, kind=Channel.Kind.FULFILLMENT)
    response = post_tab(
        world,
        "workflow",
        workflow_data(world.store, master_product_source="sales_channel", master_product_channel=fulfillment.pk),
    )
    assert response.status_code == 422
    assert "master_product_channel" in errors_of(response)
    world.store.refresh_from_db()
    assert world.store.master_product_source == "oms"


def test_master_channel_must_support_product_import(world):
    channel = ChannelFactory(account=world.store, supports_product_import=False)
    with pytest.raises(DomainError, match="cannot import products"):
        account_update(
            account=world.store,
            changes={"master_product_source": "sales_channel", "master_product_channel": channel},
            by=world.admin,
        )


def test_sales_channel_as_master_source_is_saved(world):
    channel = ChannelFactory(account=world.store)
    data = workflow_data(world.store, master_product_source="sales_channel", master_product_channel=channel.pk)
    assert post_tab(world, "workflow", data).status_code == 302
    world.store.refresh_from_db()
    assert world.store.master_product_channel == channel


def test_going_back_to_this_system_clears_the_master_channel(world):
    channel = ChannelFactory(account=world.store)
    account_update(
        account=world.store,
        changes={"master_product_source": "sales_channel", "master_product_channel": channel},
        by=world.admin,
    )
    data = workflow_data(world.store, master_product_source="oms", master_product_channel=channel.pk)
    assert post_tab(world, "workflow", data).status_code == 302
    world.store.refresh_from_db()
    assert world.store.master_product_channel is None


def test_master_channel_and_source_agree_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=world.store.pk).update(master_product_source="sales_channel")


def test_default_warehouse_must_be_one_of_the_accounts(world):
    foreign = world.outlet.warehouses.first()
    response = post_tab(world, "workflow", workflow_data(world.store, default_warehouse=foreign.pk))
    assert response.status_code == 422
    assert "default_warehouse" in errors_of(response)


def test_realtime_inventory_updates_default_on_and_can_be_turned_off(world):
    assert world.store.inventory_realtime_updates is True
    assert post_tab(world, "workflow", workflow_data(world.store, inventory_realtime_updates="False")).status_code == 302
    world.store.refresh_from_db()
    assert world.store.inventory_realtime_updates is False


def test_changing_source_with_products_asks_for_confirmation(world):
    VariantFactory(product=ProductFactory(account=world.store))
    channel = ChannelFactory(account=world.store)
    data = workflow_data(world.store, master_product_source="sales_channel", master_product_channel=channel.pk)
    refused = post_tab(world, "workflow", data)
    assert refused.status_code == 422
    assert "duplicate" in errors_of(refused)["confirm_source_change"][0]
    world.store.refresh_from_db()
    assert world.store.master_product_source == "oms"
    confirmed = post_tab(world, "workflow", data | {"confirm_source_change": "on"})
    assert confirmed.status_code == 302
    world.store.refresh_from_db()
    assert world.store.master_product_source == "sales_channel"


def test_changing_source_without_products_needs_no_confirmation(world):
    channel = ChannelFactory(account=world.store)
    data = workflow_data(world.store, master_product_source="sales_channel", master_product_channel=channel.pk)
    assert post_tab(world, "workflow", data).status_code == 302


def test_workflow_fields_redraw_for_the_chosen_source(world):
    ChannelFactory(account=world.store, name="Marketplace", kind=Channel.Kind.SALES)
    ChannelFactory(account=world.store, name="3PL", kind=Channel.Kind.FULFILLMENT)
    client = world.client_for(world.admin)
    url = reverse("account_settings", args=[world.store.pk, "workflow"])
    response = client.get(url, {"master_product_source": "fulfillment_channel"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "3PL" in html and "Marketplace" not in html


def test_skus_are_unique_per_account_in_the_database(world):
    VariantFactory(product=ProductFactory(account=world.store), sku="TEE-1")
    VariantFactory(product=ProductFactory(account=world.outlet), sku="TEE-1")  # another account: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(account=world.store, product=ProductFactory(account=world.store), sku="TEE-1")


# Privacy


def test_privacy_saves_account_retention_and_channel_overrides(world):
    channel = ChannelFactory(account=world.store)
    response = post_tab(world, "privacy", {"pii_retention_days": "90", f"channel_{channel.pk}": "30"})
    assert response.status_code == 302
    world.store.refresh_from_db()
    channel.refresh_from_db()
    assert (world.store.pii_retention_days, channel.pii_retention_days) == (90, 30)
    entry = ActivityLog.objects.get(account=world.store, action="channel.retention_updated")
    assert entry.actor == world.admin and entry.changes == {"pii_retention_days": [None, 30]}


def test_blank_retention_keeps_data(world):
    world.store.pii_retention_days = 30
    world.store.save()
    assert post_tab(world, "privacy", {"pii_retention_days": ""}).status_code == 302
    world.store.refresh_from_db()
    assert world.store.pii_retention_days is None


def test_retention_must_be_at_least_one_day(world):
    response = post_tab(world, "privacy", {"pii_retention_days": "0"})
    assert response.status_code == 422 and "pii_retention_days" in errors_of(response)


def test_privacy_lists_only_this_accounts_sales_channels(world):
    mine = ChannelFactory(account=world.store, name="Mine")
    ChannelFactory(account=world.store, name="Ship", kind=Channel.Kind.FULFILLMENT)
    ChannelFactory(account=world.outlet, name="Theirs")
    response = world.client_for(world.admin).get(reverse("account_settings", args=[world.store.pk, "privacy"]))
    assert [c for c, _ in response.context["form"].channel_fields()] == [mine]


# API validation rules


def test_api_rules_are_set_separately_per_document_and_code(world):
    data = {name: "warning" for name in response_rule_fields()}
    data["shipment_service_rule"] = "error"
    assert post_tab(world, "api-rules", data).status_code == 302
    world.store.refresh_from_db()
    assert world.store.shipment_service_rule == "error"
    assert world.store.shipment_carrier_rule == world.store.sales_order_service_rule == "warning"


def test_api_rules_accept_only_warning_or_error(world):
    data = {name: "warning" for name in response_rule_fields()} | {"receipt_carrier_rule": "ignore"}
    response = post_tab(world, "api-rules", data)
    assert response.status_code == 422 and "receipt_carrier_rule" in errors_of(response)


def response_rule_fields():
    from accounts.choices import API_RULE_FIELDS

    return API_RULE_FIELDS


# Recurring jobs


def test_recurring_job_needs_exactly_one_schedule(world):
    both = post_tab(world, "recurring-jobs", {"job_type": "redact_pii", "interval_minutes": "5", "cron": "* * * * *"})
    neither = post_tab(world, "recurring-jobs", {"job_type": "redact_pii"})
    assert both.status_code == neither.status_code == 422
    assert not RecurringJob.objects.filter(account=world.store).exists()


def test_recurring_job_cron_is_validated(world):
    response = post_tab(world, "recurring-jobs", {"job_type": "redact_pii", "cron": "99 * * * *"})
    assert response.status_code == 422 and "cron" in errors_of(response)


def test_channel_job_needs_a_capable_channel(world):
    incapable = ChannelFactory(account=world.store, supports_order_import=False)
    no_channel = post_tab(world, "recurring-jobs", {"job_type": "import_orders", "interval_minutes": "15"})
    wrong = post_tab(
        world, "recurring-jobs", {"job_type": "import_orders", "interval_minutes": "15", "channel": incapable.pk}
    )
    assert "channel" in errors_of(no_channel) and "cannot import orders" in errors_of(wrong)["channel"][0]


def test_recurring_job_is_created_and_can_be_disabled(world):
    channel = ChannelFactory(account=world.store)
    data = {"job_type": "import_orders", "channel": channel.pk, "cron": "*/10 * * * *", "is_enabled": "on"}
    assert post_tab(world, "recurring-jobs", data).status_code == 302
    job = RecurringJob.objects.get(account=world.store)
    assert job.next_run_at is not None
    client = world.client_for(world.account_admin)
    client.post(reverse("recurring_job_action", args=[world.store.pk, job.pk, "disable"]))
    job.refresh_from_db()
    assert job.is_enabled is False and job.next_run_at is None


# Warehouses


def test_warehouse_code_is_unique_per_account(world):
    response = post_tab(world, "warehouses", {"name": "Second", "code": "main"})
    assert response.status_code == 422 and "code" in errors_of(response)
    assert post_tab(world, "warehouses", {"name": "Second", "code": "SECOND", "country": "de"}).status_code == 302
    assert world.store.warehouses.get(code="SECOND").country == "DE"


def test_default_warehouse_cannot_be_disabled(world):
    client = world.client_for(world.admin)
    client.post(reverse("warehouse_toggle", args=[world.store.pk, world.store.default_warehouse_id]))
    world.store.default_warehouse.refresh_from_db()
    assert world.store.default_warehouse.is_active is True
    other = WarehouseFactory(account=world.store)
    client.post(reverse("warehouse_toggle", args=[world.store.pk, other.pk]))
    other.refresh_from_db()
    assert other.is_active is False


# Dates


def test_dates_are_stored_in_utc_and_shown_in_the_accounts_timezone(world):
    world.store.timezone = "Asia/Tokyo"
    world.store.save()
    entry = ActivityLog.objects.create(account=world.store, action="probe", summary="probe entry")
    ActivityLog.objects.filter(pk=entry.pk).update(created_at=dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC))
    entry.refresh_from_db()
    assert entry.created_at.utcoffset() == dt.timedelta(0)
    html = world.client_for(world.agent).get(reverse("account_overview", args=[world.store.pk])).content.decode()
    assert "2026-01-02 08:30 JST" in html
