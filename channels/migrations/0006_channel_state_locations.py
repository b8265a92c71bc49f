from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0005_connector_state"),
        ("channels", "0005_webhook_token_and_secret"),
    ]

    operations = [
        migrations.AddField(
            model_name="channelstate",
            name="locations",
            field=models.JSONField(
                blank=True, default=list, help_text="The channel's locations as last imported: [{id, name}]"
            ),
        ),
    ]
