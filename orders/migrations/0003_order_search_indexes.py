import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations


class Migration(migrations.Migration):
    """Trigram indexes for the order list's name and email search (pg_trgm: tenancy 0003, public schema)."""

    dependencies = [
        ("orders", "0002_orders_pricing"),
        ("tenancy", "0003_pg_trgm"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("customer_name"), name="gin_trgm_ops"
                ),
                name="order_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("customer_email"), name="gin_trgm_ops"
                ),
                name="order_email_trgm",
            ),
        ),
    ]
