from django.db import migrations, models

import channels.models


def fill_tokens(apps, schema_editor):
    Channel = apps.get_model("channels", "Channel")
    for channel in Channel.objects.filter(webhook_token__isnull=True).only("pk"):
        channel.webhook_token = channels.models.webhook_token_new()
        channel.save(update_fields=["webhook_token"])


class Migration(migrations.Migration):
    dependencies = [("channels", "0004_secret_bound_to_origin")]

    operations = [
        migrations.AddField(
            model_name="channel", name="webhook_token", field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="channel", name="webhook_token",
            field=models.CharField(
                default=channels.models.webhook_token_new, editable=False, max_length=64, unique=True,
                help_text="Names the channel in its webhook address (/hooks/<token>/orders)",
            ),
        ),
        migrations.AddField(
            model_name="channelconnection", name="webhook_secret_encrypted",
            field=models.TextField(blank=True, help_text="Fernet token of the secret the channel signs its webhooks with"),
        ),
    ]
