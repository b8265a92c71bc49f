from django.db import migrations, models


class Migration(migrations.Migration):
    """Lines carry their order's created_at, filled in one UPDATE, and the (account, sku) index becomes
    (account, sku, order_created_at DESC, order DESC), which serves every look-up the old one did."""

    dependencies = [
        ("accounts", "0008_reorder_habits"),
        ("orders", "0015_variant_sku_lookup_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="order_created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE orders_orderline AS l SET order_created_at = o.created_at FROM orders_order AS o "
            "WHERE o.id = l.order_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="orderline",
            name="order_created_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(
            model_name="orderline",
            name="order_line_account_sku",
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(fields=["account", "sku", "-order_created_at", "-order"], name="order_line_account_sku_newest"),
        ),
    ]
