"""Channel secrets under key rotation: old keys still open them, `rotate_channel_secrets` re-encrypts them with
the newest, and a secret no key opens is reported instead of being sent as an empty header."""

import pytest
from django.core.management import call_command
from django.db import connection

from channels.connectors import ConnectorError, connector_orders
from channels.models import Channel, ChannelConnection
from channels.secrets import SecretUnreadable, secret_decrypt, secret_encrypt
from tests import factories


@pytest.fixture
def connected(world, settings):
    settings.CHANNEL_SECRET_KEYS = ['old-material']
    channel = factories.ChannelFactory(account=world.store, name="Market", connector_type=Channel.Connector.HTTP_JSON)
    ChannelConnection.objects.create(
        channel=channel, base_url="http://127.0.0.1:9/", auth_header="X-Key",
        secret_encrypted=secret_encrypt("s3cret", origin="http://127.0.0.1:9"), timeout_seconds=1,
    )
    return channel


def _stored(channel) -> str:
    return ChannelConnection.objects.get(channel=channel).secret_encrypted


def test_rotation_re_encrypts_with_the_newest_key_and_the_old_one_can_then_go(world, connected, settings, capsys):
    before = _stored(connected)
    settings.CHANNEL_SECRET_KEYS = ['new-material', 'old-material']
    assert secret_decrypt(before) == "s3cret"  # the old key still opens it

    call_command("rotate_channel_secrets", "--org", world.org.schema_name)
    connection.set_tenant(world.org)

    after = _stored(connected)
    assert after != before and "Re-encrypted 1 channel secret(s)" in capsys.readouterr().out
    settings.CHANNEL_SECRET_KEYS = ['new-material']
    assert secret_decrypt(after) == "s3cret"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(before)


def test_a_secret_no_key_opens_is_listed_and_the_connector_says_why(world, connected, settings, capsys):
    settings.CHANNEL_SECRET_KEYS = ['new-material']
    before = _stored(connected)

    with pytest.raises(SystemExit) as exit_:
        call_command("rotate_channel_secrets", "--org", world.org.schema_name)
    connection.set_tenant(world.org)

    assert exit_.value.code == 1
    assert "channel Market: no configured key opens its secret" in capsys.readouterr().err
    assert _stored(connected) == before  # left as it was
    with pytest.raises(ConnectorError, match="stored secret cannot be read"):
        connector_orders(Channel.objects.select_related("connection").get(pk=connected.pk))


def test_without_channel_keys_the_secret_key_and_its_fallbacks_open_secrets(world, settings):
    settings.CHANNEL_SECRET_KEYS = []
    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    token = secret_encrypt("s3cret", origin="https://market.example:443")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "second-secret-key-" + "y" * 40, [settings.SECRET_KEY]

    assert secret_decrypt(token) == "s3cret"
