"""The Import products and Sync inventory recurring jobs really exchange data with a connected channel."""

from accounts.choices import MasterProductSource
from accounts.jobs.services import recurring_job_run
from accounts.models import RecurringJobRun
from orders.models import Variant
from tests.channels.conftest import sandbox_channel
from tests.factories import VariantFactory, stock
from tests.jobs.conftest import make_job, now  # noqa: F401  (fixture)

Status = RecurringJobRun.Status


def test_import_products_job_upserts_the_master_channels_catalogue(world, sandbox, now):  # noqa: F811
    account = world.store
    channel = sandbox_channel(account, sandbox, name="Sandbox A")
    account.master_product_source, account.master_product_channel = MasterProductSource.SALES_CHANNEL, channel
    account.save(update_fields=["master_product_source", "master_product_channel"])
    job = make_job(account, "import_products", channel=channel, next_run_at=now)

    run = recurring_job_run(job_id=job.pk, now=now)

    assert run.status == Status.SUCCEEDED, run.log
    assert run.result == {"created": 3, "updated": 0}
    assert set(Variant.objects.filter(account=account).values_list("sku", flat=True)) == {"SBX-TEE-S", "SBX-TEE-M", "SBX-MUG"}


def test_sync_inventory_job_sends_a_snapshot_of_available_stock(world, sandbox, now):  # noqa: F811
    account = world.store
    warehouse = account.default_warehouse
    mug = VariantFactory(account=account, sku="MUG-1")
    stock(mug, warehouse, 7)
    channel = sandbox_channel(account, sandbox, warehouses=[warehouse])
    job = make_job(account, "sync_inventory", channel=channel, next_run_at=now)

    run = recurring_job_run(job_id=job.pk, now=now)

    assert run.status == Status.SUCCEEDED, run.log
    assert {"sku": "MUG-1", "quantity": 7} in [{"sku": r["sku"], "quantity": r["quantity"]} for r in sandbox.received()]
