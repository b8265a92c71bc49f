"""Labels, not codes: activity entries, roles, clone purposes and counts read as words; a ticked readiness
item says what is there instead of what to do."""

from django.urls import reverse

from accounts.labels import activity_label, fields_in_words
from accounts.models import Account, ActivityLog, RecurringJob
from accounts.services import account_update, recurring_job_save
from orders.models import CloneRecord, Order
from tests import factories
from tests.conftest import in_tenant


def overview(world, user=None):
    client = world.client_for(user or world.admin)
    return client.get(reverse("account_overview", args=[world.store.pk])).content.decode()


def test_changed_fields_are_named_by_their_verbose_names_joined_in_words():
    assert fields_in_words(Account, ["size_unit", "default_warehouse"]) == "the size unit and the default warehouse"
    assert fields_in_words(Account, ["name", "currency", "timezone"]) == "the name, the timezone and the currency"


def test_the_activity_log_says_what_changed_in_words(world):
    other = factories.WarehouseFactory(account=world.store, name="Second", code="SECOND")
    store = Account.objects.get(pk=world.store.pk)
    zone = "Europe/Paris" if store.timezone != "Europe/Paris" else "Europe/Rome"
    account_update(account=store, changes={"default_warehouse": other, "timezone": zone}, by=world.admin)
    entry = ActivityLog.objects.filter(account=world.store, action="settings.updated").latest("pk")
    assert entry.summary == "Changed the timezone and the default warehouse"
    html = overview(world)
    assert "default_warehouse" not in html
    assert entry.description in html


def test_an_entry_without_summary_shows_its_kind_in_words_and_old_summaries_are_reworded(world):
    ActivityLog.objects.create(account=world.store, action="account.disabled")
    ActivityLog.objects.create(account=world.store, action="settings.updated", summary="Changed default_warehouse, size_unit",
                               changes={"default_warehouse": ["A", "B"], "size_unit": ["in", "cm"]})
    html = overview(world)
    assert "Account disabled" in html and "account.disabled" not in html
    assert "Changed the size unit and the default warehouse" in html and "default_warehouse" not in html
    assert activity_label("something.new_kind") == "Something new kind"


def test_counts_are_pluralised(world):
    recurring_job_save(job=RecurringJob(account=world.store, job_type=RecurringJob.JobType.REDACT_PII,
                                        interval_minutes=60), by=None)
    html = overview(world)
    assert "1</b>recurring job<" in html and "1</b>warehouse<" in html and "0</b>channels<" in html


def test_roles_show_their_names_on_the_users_tab(world):
    html = world.client_for(world.admin).get(reverse("account_settings", args=[world.store.pk, "users"])).content.decode()
    assert "<td>Viewer</td>" in html and "<td>Customer-service agent</td>" in html
    assert "<td>viewer</td>" not in html and "<td>agent</td>" not in html


def test_clone_metrics_name_the_purpose(world):
    variant = factories.VariantFactory(product__account=world.store)
    factories.stock(variant, world.store.default_warehouse, 5)
    source = factories.make_order(world.store, [(variant, 1)])
    copy = factories.make_order(world.store, [(variant, 1)])
    CloneRecord.objects.create(account=world.store, order=copy, source=source, purpose=Order.ClonePurpose.STANDARD,
                               seconds=12)
    html = world.client_for(world.agent).get(reverse("clone_metrics", args=[world.store.pk])).content.decode()
    assert "<td>Re-order</td>" in html and "<td>standard</td>" not in html


def test_ticked_readiness_items_drop_their_instructions(world):
    html = overview(world)
    assert "Choose it on the Workflow tab." not in html  # the store has a default warehouse
    assert "Main" in html.split('id="readiness"', 1)[1].split("</section>", 1)[0]
    in_tenant(world.org)
    Account.objects.filter(pk=world.store.pk).update(default_warehouse=None)
    assert "Choose it on the Workflow tab." in overview(world)
    in_tenant(world.org)
    variant = factories.VariantFactory(product__account=world.store)
    factories.stock(variant, world.store.warehouses.first(), 3)
    html = overview(world)
    assert "Load stock levels" not in html and "Stock levels are loaded." in html
