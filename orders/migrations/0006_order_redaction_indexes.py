"""Fewer indexes on orders: each one is written on every order insert and, because redaction rewrites indexed
columns (so no HOT update), on every redacted order (issue #7: 1,000,000 orders at 20,000/s).

* The foreign keys' own indexes go (`db_index=False`): `account` leads the composite indexes; intake finds
  `channel` through the external-id constraints and the redaction through its partial index (privacy 0001);
  nothing reads orders by warehouse, shipping method, tax jurisdiction, user or fulfillment channel (deleting
  one of those, a rare admin act, scans the table). `cloned_from` had two identical indexes.
* `order_account_email`, `order_cloned_from` and the customer index (now `order_customer`) become partial (a
  non-empty email, a clone, a customer): every look-up they serve, PostgreSQL's foreign key checks included,
  implies the condition. The customer index has to stay: without it deleting profiles (an account's, in bulk)
  scans the orders once per profile at commit.

Django's AlterField would drop and re-add (so re-validate) each foreign key constraint to drop its index; the
state changes go through SeparateDatabaseAndState and the database only drops the indexes. Their names are
Django's hash of table and column, the same in every schema.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FK_INDEXES = {
    "account": "orders_order_account_id_cf843c80",
    "assigned_to": "orders_order_assigned_to_id_e4866e32",
    "channel": "orders_order_channel_id_a76729a3",
    "cloned_from": "orders_order_cloned_from_id_ef70914f",
    "created_by": "orders_order_created_by_id_d5f5e69c",
    "customer": "orders_order_customer_id_0b76f6a4",
    "fulfillment_channel": "orders_order_fulfillment_channel_id_89ea7ad9",
    "shipping_method": "orders_order_shipping_method_id_428e13e2",
    "tax_jurisdiction": "orders_order_tax_jurisdiction_id_aca489ec",
    "warehouse": "orders_order_warehouse_id_110eb3b3",
}


def _fk(to, on_delete, related_name, **extra):
    return models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related_name, to=to, **extra)


NULLABLE = {"blank": True, "null": True}
SET_NULL = django.db.models.deletion.SET_NULL
PROTECT = django.db.models.deletion.PROTECT
FIELDS = {
    "account": _fk("accounts.account", django.db.models.deletion.CASCADE, "orders"),
    "assigned_to": _fk(settings.AUTH_USER_MODEL, SET_NULL, "+", **NULLABLE),
    "channel": _fk("channels.channel", SET_NULL, "orders", **NULLABLE),
    "cloned_from": _fk("orders.order", SET_NULL, "clones", **NULLABLE),
    "created_by": _fk(settings.AUTH_USER_MODEL, SET_NULL, "+", **NULLABLE),
    "customer": _fk("orders.customer", SET_NULL, "orders", **NULLABLE),
    "fulfillment_channel": _fk("channels.channel", SET_NULL, "fulfilled_orders", **NULLABLE),
    "shipping_method": _fk("orders.shippingmethod", PROTECT, "+", **NULLABLE),
    "tax_jurisdiction": _fk("orders.taxjurisdiction", PROTECT, "+", **NULLABLE),
    "warehouse": _fk("accounts.warehouse", PROTECT, "+", **NULLABLE),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_recurring_job_runs"),
        ("channels", "0003_intake_format_and_rules"),
        ("orders", "0005_shipments_receipts_external_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="order", name=name, field=field) for name, field in FIELDS.items()
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}";',
                    f'CREATE INDEX IF NOT EXISTS "{index}" ON "orders_order" ("{name}_id");',
                )
                for name, index in FK_INDEXES.items()
            ],
        ),
        migrations.RemoveIndex(model_name="order", name="order_account_email"),
        migrations.RemoveIndex(model_name="order", name="order_cloned_from"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("customer_email", ""), _negated=True),
                fields=["account", "customer_email"],
                name="order_account_email",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("cloned_from__isnull", False)), fields=["cloned_from"], name="order_cloned_from"
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("customer__isnull", False)), fields=["customer"], name="order_customer"
            ),
        ),
    ]
