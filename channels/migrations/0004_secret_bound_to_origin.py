"""Secrets stored before they were bound to an origin are bound to their channel's base URL as it is now."""

from django.db import migrations, models


def bind_stored_secrets(apps, schema_editor):
    from channels.outbound import url_origin
    from channels.secrets import SecretUnreadable, secret_encrypt, secret_open

    ChannelConnection = apps.get_model("channels", "ChannelConnection")
    for connection in ChannelConnection.objects.exclude(secret_encrypted=""):
        try:
            secret = secret_open(connection.secret_encrypted)
        except SecretUnreadable:
            continue  # left as it is: the connector asks for it to be entered again
        if secret.origin is None:
            connection.secret_encrypted = secret_encrypt(secret.value, origin=url_origin(connection.base_url))
            connection.save(update_fields=["secret_encrypted"])


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0003_intake_format_and_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channelconnection",
            name="secret_encrypted",
            field=models.TextField(
                blank=True, help_text="Fernet token of the auth header's value and of the origin it may be sent to"
            ),
        ),
        migrations.RunPython(bind_stored_secrets, migrations.RunPython.noop),
    ]
