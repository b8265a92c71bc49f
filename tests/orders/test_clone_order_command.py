"""manage.py clone_order: a door onto order_clone. What a person running it sees (summary, JSON, one-line
errors, exit code) and that bad input writes nothing."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum

from accounts.services import account_create, warehouse_create
from inventory.models import StockLevel
from orders.models import CloneRecord, Order, OrderEvent, OrderNumberCounter, Promotion
from tests.factories import ADDRESS, ProductFactory, VariantFactory, make_order, stock
from tests.processes import manage


def run(shop, *args: str) -> str:
    """clone_order on the shop's source order, as typed on the command line."""
    out = StringIO()
    call_command(
        "clone_order", "--org", "acme", "--account", shop.account.code, "--order", shop.order.number, *args,
        stdout=out, stderr=StringIO(),
    )
    return out.getvalue()


def written(account) -> tuple:
    """Everything a clone writes: orders, events, clone records, allocated stock."""
    return (
        Order.objects.filter(account=account).count(),
        OrderEvent.objects.filter(account=account).count(),
        CloneRecord.objects.filter(account=account).count(),
        StockLevel.objects.filter(account=account).aggregate(n=Sum("allocated"))["n"],
    )


def new_orders(shop) -> list[Order]:
    return list(Order.objects.filter(account=shop.account, cloned_from=shop.order).order_by("number"))


def lines_of(order) -> list[tuple[str, int, Decimal]]:
    return [(line.sku, line.quantity, line.unit_price) for line in order.lines.all()]


def test_help_explains_every_option():
    command = load_command_class("orders", "clone_order")
    text = " ".join(command.create_parser("manage.py", "clone_order").format_help().split())
    assert "nothing is created" in command.help and command.help.split(".")[0] in text
    for option in ("--org", "--account", "--order", "--lines", "--reprice", "--correction", "--cancel-source",
                   "--simulate", "--split-file", "--json"):
        assert option in text
    assert '"destinations"' in text and '"quantities"' in text  # the split file's shape


def test_default_clone_copies_every_line_and_prints_a_summary(shop):
    out = run(shop)

    [clone] = new_orders(shop)
    assert lines_of(clone) == lines_of(shop.order)
    assert clone.total == shop.order.total and clone.clone_purpose == "standard" and not clone.is_simulation
    assert CloneRecord.objects.get(order=clone).door == "cli"
    assert f"Cloned {shop.order.number} into {clone.number} (re-order, prices kept)" in out
    assert f"{clone.number}: 3 lines, {clone.total} USD, allocated" in out


def test_lines_option_copies_only_those_lines_with_those_quantities(shop):
    run(shop, "--lines", "TEE-0:5, TEE-2:1")

    [clone] = new_orders(shop)
    assert [(sku, qty) for sku, qty, _ in lines_of(clone)] == [("TEE-0", 5), ("TEE-2", 1)]
    overridden = OrderEvent.objects.get(order=clone, kind="created").data["overridden"]
    assert overridden["lines.TEE-0.quantity"] == [2, 5] and overridden["lines_not_copied"] == ["TEE-1"]


def test_prices_are_kept_unless_reprice_is_given(shop):
    shop.variants[0].price = Decimal("30.00")
    shop.variants[0].save()

    run(shop, "--lines", "TEE-0:1")
    run(shop, "--lines", "TEE-0:1", "--reprice")

    kept, repriced = new_orders(shop)
    assert lines_of(kept) == [("TEE-0", 1, Decimal("20.00"))]
    assert lines_of(repriced) == [("TEE-0", 1, Decimal("30.00"))]
    assert repriced.lines.get().line_discount == Decimal("3.00")  # SPRING10, still valid today
    assert OrderEvent.objects.get(order=repriced, kind="created").data["pricing"] == "reprice"


def test_simulate_makes_a_flagged_draft_that_allocates_nothing(shop):
    allocated_before = written(shop.account)[3]

    out = run(shop, "--simulate", "--lines", "TEE-0:500")  # far more than is on hand: not checked

    [clone] = new_orders(shop)
    assert clone.is_simulation and clone.status == Order.Status.DRAFT and clone.clone_purpose == "simulation"
    assert written(shop.account)[3] == allocated_before
    assert "simulation" in out and "no stock was allocated" in out


def test_correction_keeps_the_source_open_without_cancel_source(shop):
    out = run(shop, "--correction", "--lines", "TEE-0:1,TEE-1:1")

    [clone] = new_orders(shop)
    shop.order.refresh_from_db()
    assert clone.clone_purpose == "correction" and not clone.is_simulation and clone.number.startswith("SO-")
    assert shop.order.status == Order.Status.ALLOCATED
    assert CloneRecord.objects.get(order=clone).purpose == "correction"
    assert f"Cloned {shop.order.number} into {clone.number} (correction, prices kept)" in out
    assert "cancelled" not in out


def test_correction_with_cancel_source_cancels_the_source_and_gives_its_stock_back(shop):
    allocated_before = written(shop.account)[3]

    out = run(shop, "--correction", "--cancel-source", "--lines", "TEE-0:1", "--json")

    [clone] = new_orders(shop)
    shop.order.refresh_from_db()
    assert shop.order.status == Order.Status.CANCELLED and clone.clone_purpose == "correction"
    # The source's 6 units went back, the correction's 1 was taken.
    assert written(shop.account)[3] == allocated_before - 6 + 1
    assert OrderEvent.objects.filter(order=shop.order, kind="status").last().message == (
        f"Cancelled: corrected by {clone.number}"
    )
    data = json.loads(out)
    assert (data["purpose"], data["source_status"]) == ("correction", "cancelled")


def test_correction_with_cancel_source_of_a_shipped_order_fails_in_one_line_and_writes_nothing(shop):
    Order.objects.filter(pk=shop.order.pk).update(status=Order.Status.SHIPPED)
    before = written(shop.account)

    with pytest.raises(CommandError) as error:
        run(shop, "--correction", "--cancel-source")

    assert str(error.value) == f"cancel_source: Order {shop.order.number} is shipped and cannot be cancelled."
    assert written(shop.account) == before
    assert Order.objects.get(pk=shop.order.pk).status == Order.Status.SHIPPED


def test_a_simulation_takes_a_sim_number_and_leaves_the_sales_counter_alone(shop):
    counter = OrderNumberCounter.objects.get(account=shop.account, kind=Order.Kind.SALES).last_value

    out = run(shop, "--simulate", "--json")

    [clone] = new_orders(shop)
    assert clone.number == "SIM-0000001" and json.loads(out)["orders"][0]["number"] == "SIM-0000001"
    assert OrderNumberCounter.objects.get(account=shop.account, kind=Order.Kind.SALES).last_value == counter
    run(shop)  # the next real order continues the sales series without a gap
    assert Order.objects.filter(account=shop.account, cloned_from=shop.order, is_simulation=False).get().number == (
        f"SO-{counter + 1:07d}"
    )


def split_file(tmp_path, destinations) -> str:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"destinations": destinations}))
    return str(path)


def test_split_file_makes_one_order_per_destination_and_json_lists_them(shop, tmp_path):
    manchester = dict(ADDRESS, name="Bob Jones", city="Manchester")
    path = split_file(tmp_path, [
        {"shipping": ADDRESS, "quantities": {"TEE-0": 1, "TEE-2": 3}},
        {"shipping": manchester, "quantities": {"TEE-0": 1, "TEE-1": 1}},
    ])

    data = json.loads(run(shop, "--split-file", path, "--json"))

    first, second = new_orders(shop)
    assert [(sku, qty) for sku, qty, _ in lines_of(first)] == [("TEE-0", 1), ("TEE-2", 3)]
    assert [(sku, qty) for sku, qty, _ in lines_of(second)] == [("TEE-0", 1), ("TEE-1", 1)]
    assert second.shipping_city == "Manchester" and first.clone_purpose == second.clone_purpose == "split"
    assert data == {
        "source": shop.order.number,
        "source_status": "allocated",
        "purpose": "split",
        "orders": [
            {"number": first.number, "total": str(first.total), "currency": "USD", "lines": 2},
            {"number": second.number, "total": str(second.total), "currency": "USD", "lines": 2},
        ],
        "total": str(first.total + second.total),
    }


def test_json_is_exactly_one_object_with_amounts_as_strings(shop):
    out = run(shop, "--json", "--reprice")

    data = json.loads(out)  # the whole output: one object, nothing else
    [clone] = new_orders(shop)
    assert data == {
        "source": shop.order.number,
        "source_status": "allocated",
        "purpose": "standard",
        "orders": [{"number": clone.number, "total": str(clone.total), "currency": "USD", "lines": 3}],
        "total": str(clone.total),
    }
    assert Decimal(data["total"]) == shop.order.total  # nothing changed since: the same prices


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lines", "NOPE-1:1"], "lines.NOPE-1: SKU NOPE-1 is neither on order {number} nor one of Acme Corporation Store's SKUs."),
        (["--lines", "TEE-0:0"], "lines.TEE-0.quantity: Enter a whole quantity of TEE-0, from 1 to 100,000."),
        (["--lines", "TEE-0:-2,TEE-9:1"],
         "lines.TEE-0.quantity: Enter a whole quantity of TEE-0, from 1 to 100,000.; "
         "lines.TEE-9: SKU TEE-9 is neither on order {number} nor one of Acme Corporation Store's SKUs."),
        (["--lines", "TEE-0:49"], "lines.TEE-0.quantity: Only 48 of TEE-0 available in Acme Corporation Store Main."),
        (["--lines", "TEE-0"], "--lines: “TEE-0” is not SKU:QTY (a SKU, a colon, a whole number), e.g. TEE-0:2."),
        (["--lines", "TEE-0:two"], "--lines: “TEE-0:two” is not SKU:QTY"),
        (["--lines", ":2"], "--lines: “:2” is not SKU:QTY"),
        (["--lines", "TEE-0:1,,TEE-1:1"], "--lines: “” is not SKU:QTY"),
        (["--lines", " "], "--lines: give at least one SKU:QTY pair"),
        (["--simulate", "--split-file", "x.json"], "Use --simulate or --split-file, not both."),
        (["--correction", "--simulate"], "Use --correction or --simulate, not both."),
        (["--correction", "--split-file", "x.json"], "Use --correction or --split-file, not both."),
        (["--correction", "--simulate", "--split-file", "x.json"],
         "Use only one of --correction, --simulate and --split-file."),
        (["--cancel-source"], "--cancel-source goes with --correction"),
        (["--simulate", "--cancel-source"], "--cancel-source goes with --correction"),
    ],
)
def test_bad_lines_fail_in_one_line_and_write_nothing(shop, args, message):
    before = written(shop.account)

    with pytest.raises(CommandError) as error:
        run(shop, *args)

    assert str(error.value).startswith(message.format(number=shop.order.number))
    assert "\n" not in str(error.value)
    assert written(shop.account) == before


def test_an_expired_code_fails_a_repriced_clone(shop):
    Promotion.objects.filter(code="SPRING10").update(valid_to=dt.date.today() - dt.timedelta(days=1))
    before = written(shop.account)

    with pytest.raises(CommandError) as error:
        run(shop, "--reprice")

    assert str(error.value) == f"discount_codes: Discount code SPRING10 is not valid on {dt.date.today():%Y-%m-%d}."
    assert written(shop.account) == before


@pytest.mark.parametrize(
    "org, account, number, message",
    [
        ("nowhere", "ACME-STORE", "SO-0000001", "No organization has the address name “nowhere”."),
        ("acme", "NO-SUCH", "SO-0000001", "No account has the code “NO-SUCH” in Acme Corporation."),
        ("acme", "ACME-STORE", "SO-9999999", "Account ACME-STORE has no order “SO-9999999”."),
        ("acme", "ACME-OUTLET", "{number}", "Account ACME-OUTLET has no order “{number}”."),  # another account's
    ],
)
def test_unknown_org_account_or_order_fail_in_one_line(shop, org, account, number, message):
    before = written(shop.account)
    number = number.format(number=shop.order.number)

    with pytest.raises(CommandError) as error:
        call_command("clone_order", "--org", org, "--account", account, "--order", number, stdout=StringIO())

    assert str(error.value) == message.format(number=shop.order.number)
    assert written(shop.account) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file."),
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)."),
        ("[]", 'the file must be an object with a "destinations" list'),
        ('{"destinations": [{"shipping": {"zip": "N1"}, "quantities": {}}]}',
         "destinations[0].shipping has unknown fields zip"),
        ('{"destinations": [{"shipping": {"name": 7}, "quantities": {}}]}',
         "destinations[0].shipping must be an object of address fields with text values"),
        ('{"destinations": [{"shipping": {}, "quantities": {"TEE-0": "2"}}]}',
         "destinations[0].quantities must map SKUs to whole numbers"),
        ('{"destinations": [{"shipping": {}, "quantities": {"TEE-0": true}}]}',
         "destinations[0].quantities must map SKUs to whole numbers"),
        ('{"destinations": ["Leeds"]}', 'destinations[0] must be an object with only "shipping" and "quantities"'),
    ],
)
def test_a_bad_split_file_fails_in_one_line_and_writes_nothing(shop, tmp_path, content, message):
    path = tmp_path / "split.json"
    if content is not None:
        path.write_text(content)
    before = written(shop.account)

    with pytest.raises(CommandError) as error:
        run(shop, "--split-file", str(path))

    assert str(error.value).startswith(f"--split-file {path}: {message}")
    assert "\n" not in str(error.value)
    assert written(shop.account) == before


@pytest.mark.parametrize(
    "destinations, message",
    [
        ([{"TEE-0": 2}, {"TEE-0": 1}],
         "lines.TEE-0.quantity: The destinations get 3 of TEE-0 but the source order has only 2."),
        ([{"TEE-0": 1}], "destinations: A split shipment needs at least two destinations."),
        ([{"TEE-0": 1}, {"TEE-1": 0}], "destinations.1: Give destination 2 at least one item."),
    ],
)
def test_split_quantities_are_checked_by_the_service(shop, tmp_path, destinations, message):
    path = split_file(tmp_path, [{"shipping": ADDRESS, "quantities": q} for q in destinations])
    before = written(shop.account)

    with pytest.raises(CommandError) as error:
        run(shop, "--split-file", path)

    assert str(error.value) == message
    assert written(shop.account) == before


# In a real process: exit codes, stdout and stderr as a person or a script sees them.


@pytest.fixture
def committed_source(committed_org):
    """A committed account with stock and one order: HOT × 3 (10 HOT left), COLD × 1."""
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Corner Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = ProductFactory(account=account)
    hot, cold = (VariantFactory(product=product, sku=sku, price=Decimal("12.50")) for sku in ("HOT", "COLD"))
    stock(hot, warehouse, 13)
    stock(cold, warehouse, 100)
    source = make_order(account, [(hot, 3), (cold, 1)], warehouse=warehouse)
    return committed_org, account, source


def test_a_real_process_clones_and_prints_json(committed_source):
    org, account, source = committed_source

    result = manage("clone_order", "--org", org.slug, "--account", account.code, "--order", source.number, "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    connection.set_tenant(org)
    clone = Order.objects.get(account=account, cloned_from=source)
    assert data == {
        "source": source.number,
        "source_status": "allocated",
        "purpose": "standard",
        "orders": [{"number": clone.number, "total": "50.00", "currency": "USD", "lines": 2}],
        "total": "50.00",
    }


def test_a_real_process_refusing_a_clone_exits_1_with_one_line(committed_source):
    org, account, source = committed_source

    result = manage("clone_order", "--org", org.slug, "--account", account.code, "--order", source.number,
                    "--lines", "HOT:11,COLD:1")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["CommandError: lines.HOT.quantity: Only 10 of HOT available in Main."]
    connection.set_tenant(org)
    assert Order.objects.filter(account=account).count() == 1


def test_a_real_process_correction_cancels_the_source(committed_source):
    org, account, source = committed_source

    result = manage("clone_order", "--org", org.slug, "--account", account.code, "--order", source.number,
                    "--correction", "--cancel-source")

    assert result.returncode == 0, result.stderr
    connection.set_tenant(org)
    clone = Order.objects.get(account=account, cloned_from=source)
    assert Order.objects.get(pk=source.pk).status == Order.Status.CANCELLED
    assert f"{source.number} is cancelled: corrected by {clone.number}." in result.stdout


def test_a_real_process_refusing_cancel_source_without_correction_exits_1_with_one_line(committed_source):
    org, account, source = committed_source

    result = manage("clone_order", "--org", org.slug, "--account", account.code, "--order", source.number,
                    "--cancel-source")

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "CommandError: --cancel-source goes with --correction: only a correction cancels the order it replaces."
    ]
    connection.set_tenant(org)
    assert Order.objects.filter(account=account).count() == 1


def test_split_shipping_option_charges_the_source_shipping_on_the_first_order_only(shop, tmp_path):
    manchester = dict(ADDRESS, name="Bob Jones", city="Manchester")
    destinations = [
        {"shipping": ADDRESS, "quantities": {"TEE-0": 1}},
        {"shipping": manchester, "quantities": {"TEE-0": 1}},
        {"shipping": dict(manchester, city="Leeds"), "quantities": {"TEE-1": 1}},
    ]
    run(shop, "--split-file", split_file(tmp_path, destinations), "--split-shipping", "first")
    assert [str(o.shipping_total) for o in new_orders(shop)] == [str(shop.order.shipping_total), "0.00", "0.00"]
    assert shop.order.events.get(kind="cloned").data["split_shipping"] == "first"


def test_split_shipping_divides_by_default_and_needs_a_split_file(shop, tmp_path):
    before = written(shop.account)
    with pytest.raises(CommandError, match="--split-shipping goes with --split-file"):
        run(shop, "--split-shipping", "divide")
    assert written(shop.account) == before
    destinations = [{"shipping": dict(ADDRESS, city=city), "quantities": {"TEE-2": 1}} for city in ("A", "B", "C")]
    run(shop, "--split-file", split_file(tmp_path, destinations))
    assert [str(o.shipping_total) for o in new_orders(shop)] == ["1.68", "1.66", "1.66"]  # 5.00 / 3
