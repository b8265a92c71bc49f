"""The order list as CSV: the chosen columns of every matching order, or one row per line, streamed.

Dates are in the account's timezone, money is a plain decimal ("1234.50"), labels are words. A text value
starting with = + - @ (or a tab or carriage return) is prefixed with ' so a spreadsheet shows it as text
instead of running it as a formula (CSV injection).
"""

import csv
from collections.abc import Iterator

from oms.codes import country_name
from oms.csvexport import Echo, csv_safe
from orders import selectors
from orders.models import Order

# key: (header, value of an order)
ORDER_COLUMNS = {
    "number": ("Number", lambda o, zone: o.number),
    "created": ("Created", lambda o, zone: o.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")),
    "status": ("Status", lambda o, zone: o.get_status_display()),
    "shipped": ("Shipped", lambda o, zone: "Yes" if o.status in SHIPPED else "No"),
    "kind": ("Kind", lambda o, zone: o.get_kind_display()),
    "source": ("Source", lambda o, zone: o.get_source_display()),
    "channel": ("Channel", lambda o, zone: o.channel_name or ""),
    "external_id": ("Channel order id", lambda o, zone: o.external_id),
    "customer_name": ("Customer", lambda o, zone: o.customer_name),
    "customer_email": ("Email", lambda o, zone: o.customer_email),
    "ship_to_country": ("Ship-to country", lambda o, zone: country_name(o.shipping_country)),
    "warehouse": ("Warehouse", lambda o, zone: o.warehouse_name or ""),
    "items": ("Items", lambda o, zone: o.units),
    "currency": ("Currency", lambda o, zone: o.currency),
    "subtotal": ("Subtotal", lambda o, zone: o.subtotal),
    "discount_total": ("Discounts", lambda o, zone: o.discount_total),
    "shipping_total": ("Shipping", lambda o, zone: o.shipping_total),
    "tax_total": ("Tax", lambda o, zone: o.tax_total),
    "total": ("Total", lambda o, zone: o.total),
}
DEFAULT_COLUMNS = ["number", "created", "status", "customer_name", "customer_email", "items", "currency", "total"]
LINE_COLUMNS = [
    ("SKU", lambda line: line.sku),
    ("Line name", lambda line: line.name),
    ("Quantity", lambda line: line.quantity),
    ("Unit price", lambda line: line.unit_price),
    ("Line total", lambda line: line.line_total),
]
SHIPPED = {Order.Status.SHIPPED, Order.Status.CLOSED}
def csv_rows(*, account, filters, sort: str, columns: list[str], lines: bool) -> Iterator[str]:
    """The CSV, a line of text at a time: the header, then every matching order (or each of its lines)."""
    writer = csv.writer(Echo())
    zone = account.zone
    chosen = [ORDER_COLUMNS[key] for key in columns]
    header = [title for title, _ in chosen] + ([title for title, _ in LINE_COLUMNS] if lines else [])
    yield writer.writerow(header)
    for chunk in selectors.orders_for_export(account=account, filters=filters, sort=sort):
        by_order = selectors.order_lines_for_export(account=account, order_ids=[o.pk for o in chunk]) if lines else {}
        out = []
        for order in chunk:
            cells = [csv_safe(value(order, zone)) for _, value in chosen]
            if not lines:
                out.append(writer.writerow(cells))
                continue
            for line in by_order.get(order.pk) or [None]:
                extra = [csv_safe(value(line)) if line is not None else "" for _, value in LINE_COLUMNS]
                out.append(writer.writerow(cells + extra))
        yield "".join(out)
