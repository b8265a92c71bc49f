"""Tax rates get 6 decimals (4 decimals of a percent), so every real rate fits: New York City's 8.875 % was
stored as 0.0888.

A rate cut to 4 decimals is recovered from the orders it priced: among the 6-decimal rates that round to the
stored one, the rate that reproduces the most of its (non-clone) order lines' tax amounts, if it reproduces more
than the stored rate does. Ties (a few orders fit several rates) go to the roundest rate, as real rates are (8.875 %
before 8.876 %), then to the one nearest the stored rate.
A rate no order used, or one its orders agree with, is left as it is.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import migrations, models

SAMPLE = 2000  # the newest taxed lines of a jurisdiction are enough to tell its rate

BEST_RATE = """
WITH sample AS (
    SELECT l.unit_price * l.quantity - l.line_discount AS taxable, l.tax_amount
      FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
     WHERE o.tax_jurisdiction_id = %(id)s AND o.source <> 'clone' AND l.tax_amount > 0
     ORDER BY l.id DESC LIMIT %(sample)s
), candidates AS (
    SELECT %(rate)s::numeric - 0.00005 + k * 0.000001 AS rate FROM generate_series(0, 99) AS k
)
SELECT c.rate, count(*) FILTER (WHERE round(s.taxable * c.rate, 2) = s.tax_amount) AS hits
  FROM candidates c CROSS JOIN sample s
 WHERE c.rate >= 0
 GROUP BY c.rate
 ORDER BY hits DESC,
          CASE WHEN mod(c.rate, 0.0001) = 0 THEN 0 WHEN mod(c.rate, 0.00005) = 0 THEN 1
               WHEN mod(c.rate, 0.000025) = 0 THEN 2 WHEN mod(c.rate, 0.00001) = 0 THEN 3
               WHEN mod(c.rate, 0.000005) = 0 THEN 4 ELSE 5 END,
          abs(c.rate - %(rate)s::numeric)
 LIMIT 1
"""
HITS = """
SELECT count(*) FILTER (WHERE round(s.taxable * %(rate)s::numeric, 2) = s.tax_amount) FROM (
    SELECT l.unit_price * l.quantity - l.line_discount AS taxable, l.tax_amount
      FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
     WHERE o.tax_jurisdiction_id = %(id)s AND o.source <> 'clone' AND l.tax_amount > 0
     ORDER BY l.id DESC LIMIT %(sample)s
) s
"""


def recover_rates(connection) -> list[tuple[int, Decimal, Decimal]]:
    """Put back the rates the orders were priced with; returns (jurisdiction id, stored, recovered) per change."""
    changed = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, rate FROM orders_taxjurisdiction WHERE rate > 0 ORDER BY id")
        for pk, rate in cursor.fetchall():
            args = {"id": pk, "rate": rate, "sample": SAMPLE}
            cursor.execute(BEST_RATE, args)
            row = cursor.fetchone()
            if row is None:
                continue
            best, best_hits = row
            cursor.execute(HITS, args)
            if best_hits > cursor.fetchone()[0] and best != rate:
                cursor.execute("UPDATE orders_taxjurisdiction SET rate = %s WHERE id = %s", [best, pk])
                changed.append((pk, rate, best))
    return changed


def forwards(apps, schema_editor):
    recover_rates(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_order_redaction_indexes")]

    operations = [
        migrations.AlterField(
            model_name="taxjurisdiction",
            name="rate",
            field=models.DecimalField(
                decimal_places=6, help_text="0.08875 for 8.875%", max_digits=7,
                validators=[MinValueValidator(Decimal("0"))],
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
