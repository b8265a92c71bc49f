"""Indexes for the SKU look-up (orders/selectors.py sku_lookup): its order, SKU prefix, name by trigrams."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_account_sales_order_total_rule'),
        ('orders', '0014_order_reference_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='variant',
            index=models.Index(fields=['account', '-is_active', 'sku'], name='variant_lookup_order'),
        ),
        migrations.AddIndex(
            model_name='variant',
            index=models.Index(models.F('account'), django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('sku'), name='text_pattern_ops'), name='variant_sku_prefix'),
        ),
        migrations.AddIndex(
            model_name='variant',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('name'), name='gin_trgm_ops'), name='variant_name_trgm'),
        ),
    ]
