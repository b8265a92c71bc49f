"""Replay runs: "Replay every open failure with this SKU", at once or in the background with progress."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_account_sales_order_total_rule'),
        ('channels', '0004_secret_bound_to_origin'),
        ('intake', '0005_webhook_inbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReplayRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_sku', models.CharField(max_length=64, verbose_name='their SKU')),
                ('failure_ids', models.JSONField(default=list, help_text='The open failures with that SKU when it was asked')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('total', models.PositiveIntegerField(default=0)),
                ('processed', models.PositiveIntegerField(default=0)),
                ('replayed', models.PositiveIntegerField(default=0, help_text='Became (or already were) orders')),
                ('still', models.PositiveIntegerField(default=0, help_text='Rejected again')),
                ('result', models.JSONField(blank=True, default=dict, help_text='{"orders": [number], "still": [{failure_id, label, reason}]}')),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, help_text='Last progress of a run; a stale run is taken over')),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.account')),
                ('channel', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='channels.channel')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['account', '-created_at'], name='replay_run_recent')],
            },
        ),
    ]
