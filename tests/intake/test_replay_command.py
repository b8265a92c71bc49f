"""manage.py replay_failures: replays an account's dead-lettered failures in impact order, in a real process."""

import pytest
from django.db import connection

from accounts.services import account_create, warehouse_create
from intake.models import IntakeFailure, Source
from intake.services import sku_alias_set
from orders.models import Order
from tests.intake.failure_helpers import failure, mug, sales_channel
from tests.processes import manage


@pytest.fixture
def dead_letters(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Command Shop", by=None, code="CMD")
    other, _ = account_create(name="Other Shop", by=None, code="OTHER")
    main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    account.default_warehouse = main
    account.save(update_fields=["default_warehouse"])
    variant = mug(account)
    channel = sales_channel(account, name="Market")
    fixed = failure(account, channel=channel, external_id="SBX-FIXED", sku="THEIR-MUG", qty=2)
    big = failure(account, channel=channel, external_id="SBX-BIG", sku="NOBODY", qty=10)
    api = failure(account, external_id="API-1", sku="THEIR-MUG", source=Source.API)
    elsewhere = failure(other, external_id="API-OTHER", sku="THEIR-MUG")
    sku_alias_set(account=account, external_sku="THEIR-MUG", variant=variant, channel=channel)
    connection.set_schema_to_public()
    return committed_org, account, {"fixed": fixed, "big": big, "api": api, "elsewhere": elsewhere}


def _status(org, failure):
    connection.set_tenant(org)
    failure.refresh_from_db()
    return failure.status


def test_dry_run_lists_by_impact_and_changes_nothing(dead_letters):
    org, account, kept = dead_letters

    done = manage("replay_failures", "--org", org.slug, "--account", "cmd", "--dry-run")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{org.slug} / CMD: would replay 3 failure(s):"
    assert [line.split(" ")[2] for line in lines[1:]] == ["SBX-BIG", "SBX-FIXED", "API-1"]  # value desc
    assert _status(org, kept["fixed"]) == IntakeFailure.Status.DEAD
    assert not Order.objects.exists()


def test_replays_the_channel_failures_and_says_what_is_still_rejected(dead_letters):
    org, account, kept = dead_letters

    done = manage("replay_failures", "--org", org.slug, "--account", "CMD", "--source", "channel")

    assert done.returncode == 0, done.stderr
    connection.set_tenant(org)
    order = Order.objects.get(account=account)
    assert order.external_id == "SBX-FIXED"
    assert f"{org.slug} / CMD: replayed 2: 1 became orders ({order.number}), 1 still rejected." in done.stdout
    assert "still rejected SBX-BIG (Market): Line 1: SKU “NOBODY” is not a product of Command Shop" in done.stdout
    assert "Replaying" in done.stderr and "2/2" in done.stderr  # tqdm's bar
    assert _status(org, kept["fixed"]) == IntakeFailure.Status.REPLAYED
    assert _status(org, kept["api"]) == IntakeFailure.Status.DEAD  # another source: left alone
    assert _status(org, kept["elsewhere"]) == IntakeFailure.Status.DEAD  # another account: left alone

    again = manage("replay_failures", "--org", org.slug, "--account", "CMD", "--channel", "market")
    assert again.returncode == 0, again.stderr
    assert "replayed 1: 0 became orders, 1 still rejected." in again.stdout
    connection.set_tenant(org)
    assert Order.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--account", "CMD"], "Give both --org SLUG and --account CODE."),
        (["--org", "nowhere", "--account", "CMD"], "No organization has the address name “nowhere”."),
        (["--org", "{org}", "--account", "NOPE"], "has no account with the code “NOPE”."),
        (["--org", "{org}", "--account", "CMD", "--source", "fax"], "--source must be one of channel, api, csv, manual"),
        (["--org", "{org}", "--account", "CMD", "--channel", "Nope"], "CMD has no sales channel named “Nope”."),
        (["--org", "{org}", "--account", "CMD", "--source", "api", "--channel", "Market"], "--channel only goes with"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(dead_letters, args, message):
    org, _, kept = dead_letters

    done = manage("replay_failures", *[a.replace("{org}", org.slug) for a in args])

    assert done.returncode != 0
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert _status(org, kept["fixed"]) == IntakeFailure.Status.DEAD
