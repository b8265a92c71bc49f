"""manage.py clone_order: clone an order from the command line, through the one clone service (door "cli")."""

import json
import re
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError
from django.db.models import Count, Prefetch
from django_tenants.utils import tenant_context

from accounts.management.cli import CheckedCommand, account_by_code, domain_errors, organization_by_slug
from accounts.models import Account
from orders.models import ADDRESS_FIELDS, Order, OrderLine
from orders.services.clone import CloneInvalid, CloneLine, Destination, order_clone

_QUANTITY = re.compile(r"^[+-]?\d{1,9}$")
SPLIT_FILE_EXAMPLE = (
    '{"destinations": [{"shipping": {"name": "...", "line1": "...", "line2": "", "city": "...", "region": "", '
    '"postal_code": "...", "country": "GB"}, "quantities": {"SKU-1": 2}}, ...]}'
)


def parse_lines(text: str) -> list[CloneLine]:
    """'SKU-1:2, SKU-2:1' -> [CloneLine('SKU-1', 2), CloneLine('SKU-2', 1)]. The service checks the SKUs and
    quantities against the order; this only checks the syntax."""
    pairs = [pair.strip() for pair in text.split(",")]
    if not any(pairs):
        raise CommandError("--lines: give at least one SKU:QTY pair, e.g. --lines TEE-0:2,TEE-2:1.")
    lines = []
    for pair in pairs:
        sku, colon, quantity = pair.rpartition(":")
        sku, quantity = sku.strip(), quantity.strip()
        if not colon or not sku or not _QUANTITY.match(quantity):
            raise CommandError(f"--lines: “{pair}” is not SKU:QTY (a SKU, a colon, a whole number), e.g. TEE-0:2.")
        lines.append(CloneLine(sku=sku, quantity=int(quantity)))
    return lines


def read_split_file(path: str) -> list[Destination]:
    """The destinations of a split shipment from a JSON file shaped like SPLIT_FILE_EXAMPLE. The service checks
    the addresses and quantities; this only checks the file can be read and has that shape."""
    where = f"--split-file {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{where}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{where}: cannot be read ({exc.__class__.__name__}: {exc}).") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None

    def shape_error(what: str) -> CommandError:
        return CommandError(f"{where}: {what} (see --help for the shape).")

    if not isinstance(data, dict) or not isinstance(data.get("destinations"), list):
        raise shape_error('the file must be an object with a "destinations" list')
    destinations = []
    for index, item in enumerate(data["destinations"]):
        at = f"destinations[{index}]"
        if not isinstance(item, dict) or set(item) - {"shipping", "quantities"}:
            raise shape_error(f'{at} must be an object with only "shipping" and "quantities"')
        shipping, quantities = item.get("shipping"), item.get("quantities")
        if not isinstance(shipping, dict) or not all(isinstance(v, str) for v in shipping.values()):
            raise shape_error(f"{at}.shipping must be an object of address fields with text values")
        unknown = sorted(set(shipping) - set(ADDRESS_FIELDS))
        if unknown:
            known = ", ".join(ADDRESS_FIELDS)
            raise shape_error(f"{at}.shipping has unknown fields {', '.join(unknown)} (use {known})")
        if not isinstance(quantities, dict) or not all(
            isinstance(q, int) and not isinstance(q, bool) for q in quantities.values()
        ):
            raise shape_error(f"{at}.quantities must map SKUs to whole numbers")
        destinations.append(Destination(shipping=dict(shipping), quantities=dict(quantities)))
    return destinations


def purpose_of(options) -> str:
    """The clone's purpose from the options; one purpose at a time, --cancel-source only with --correction."""
    given = [name for name, option in (("--correction", "correction"), ("--simulate", "simulate"),
                                       ("--split-file", "split_file")) if options[option]]
    if len(given) == 2:
        raise CommandError(f"Use {given[0]} or {given[1]}, not both.")
    if len(given) > 2:
        raise CommandError("Use only one of --correction, --simulate and --split-file.")
    if options["cancel_source"] and not options["correction"]:
        raise CommandError("--cancel-source goes with --correction: only a correction cancels the order it replaces.")
    if options["correction"]:
        return Order.ClonePurpose.CORRECTION
    if options["simulate"]:
        return Order.ClonePurpose.SIMULATION
    if options["split_file"]:
        return Order.ClonePurpose.SPLIT
    return Order.ClonePurpose.STANDARD


class Command(CheckedCommand):
    columns = {"account": (Account, "code"), "order": (Order, "number")}
    help = (
        "Clone an order of an account: a re-order of the same lines by default, some lines with other quantities "
        "(--lines), at today's list prices and promotions (--reprice), as a correction that may cancel the order "
        "(--correction, --cancel-source), as a simulation that allocates no stock and is numbered SIM-… "
        "(--simulate), or as a split shipment with one order per destination (--split-file). Everything is "
        "checked first (SKUs, quantities, discount codes still valid, stock); if anything is wrong, nothing is "
        "created and every reason is printed on one line (exit code 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's address name.")
        parser.add_argument("--account", required=True, metavar="CODE", help="The account's code, e.g. ACME-STORE.")
        parser.add_argument("--order", required=True, metavar="NUMBER", help="The order to clone, e.g. SO-0000042.")
        parser.add_argument(
            "--lines",
            metavar="SKU:QTY,...",
            help="Copy only these lines, with these quantities, e.g. TEE-0:2,TEE-2:1. Default: every line of the "
            "order with its quantity. With --split-file: which lines the destinations may take.",
        )
        parser.add_argument(
            "--reprice",
            action="store_true",
            help="Price at today's list prices and the promotions valid today (its discount codes must still be "
            "valid). Default: keep the order's unit prices and per-unit discounts.",
        )
        parser.add_argument(
            "--correction",
            action="store_true",
            help="Make a correction of the order: a new order that replaces it (its history says so).",
        )
        parser.add_argument(
            "--cancel-source",
            action="store_true",
            help="With --correction: cancel the order being corrected, in the same transaction (its stock is "
            "given back). Refused if the order can no longer be cancelled.",
        )
        parser.add_argument(
            "--simulate",
            action="store_true",
            help="Make a simulation: a draft flagged as such, numbered in its own SIM-… series, which allocates no "
            "stock, never goes to fulfillment and is left out of the order list unless asked for.",
        )
        parser.add_argument(
            "--split-file",
            metavar="FILE.json",
            help="Split the order into one order per destination. The file: " + SPLIT_FILE_EXAMPLE.replace("%", "%%")
            + ". The destinations together may not take more of a SKU than the order has.",
        )
        parser.add_argument(
            "--split-shipping",
            choices=["divide", "first", "per_order"],
            help="With --split-file: how the split orders charge shipping. divide (default): the order's shipping "
            "divided to the cent, the remainder on the first, so together they charge what the customer paid; "
            "first: all of it on the first order; per_order: each order pays its shipping method's price.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print one JSON object: {"source", "source_status", "purpose", "orders": [{"number", "total", '
            '"currency", "lines"}], "total"} (amounts as strings).',
        )

    def handle(self, *args, **options):
        purpose = purpose_of(options)
        lines = parse_lines(options["lines"]) if options["lines"] is not None else None
        destinations = read_split_file(options["split_file"]) if options["split_file"] else None
        pricing = "reprice" if options["reprice"] else "keep"
        if options["split_shipping"] and purpose != Order.ClonePurpose.SPLIT:
            raise CommandError("--split-shipping goes with --split-file: only a split shipment divides shipping.")

        organization = organization_by_slug(options["org"])
        with tenant_context(organization):
            account = account_by_code(organization, options["account"])
            number = (options["order"] or "").strip().upper()
            source = (
                Order.objects.filter(account=account, number=number)
                .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer")
                .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant")))
                .first()
            )
            if source is None:
                raise CommandError(f"Account {account.code} has no order “{options['order']}”.")
            with domain_errors():
                try:
                    orders = order_clone(
                        source=source, by=None, door="cli", lines=lines, pricing=pricing, purpose=purpose,
                        destinations=destinations, cancel_source=options["cancel_source"],
                        split_shipping=options["split_shipping"] or "divide",
                    )
                except CloneInvalid as invalid:
                    raise CommandError(invalid.one_line()) from None
            line_counts = dict(
                OrderLine.objects.filter(account=account, order__in=orders)
                .values("order_id")
                .annotate(n=Count("id"))
                .values_list("order_id", "n")
            )
            source.refresh_from_db(fields=["status"])

        total = sum((order.total for order in orders), Decimal("0.00"))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "source": source.number,
                        "source_status": source.status,
                        "purpose": purpose,
                        "orders": [
                            {"number": o.number, "total": str(o.total), "currency": o.currency,
                             "lines": line_counts.get(o.pk, 0)}
                            for o in orders
                        ],
                        "total": str(total),
                    }
                )
            )
            return
        purpose_label = Order.ClonePurpose(purpose).label.lower()
        pricing_label = "re-priced at today's prices" if pricing == "reprice" else "prices kept"
        numbers = ", ".join(o.number for o in orders)
        self.stdout.write(
            self.style.SUCCESS(f"Cloned {source.number} into {numbers} ({purpose_label}, {pricing_label}).")
        )
        for order in orders:
            count = line_counts.get(order.pk, 0)
            self.stdout.write(
                f"  {order.number}: {count} line{'s' if count != 1 else ''}, {order.total} {order.currency}, "
                f"{order.get_status_display().lower()}"
            )
        if len(orders) > 1:
            self.stdout.write(f"Total: {total} {source.currency}")
        if purpose == Order.ClonePurpose.SIMULATION:
            self.stdout.write("A simulation: no stock was allocated and it never goes to fulfillment.")
        if source.status == Order.Status.CANCELLED and options["cancel_source"]:
            self.stdout.write(f"{source.number} is cancelled: corrected by {orders[0].number}.")
