"""manage.py rotate_channel_secrets [--org SLUG]: re-encrypt every stored channel secret with the newest key.

Run after putting new key material first in CHANNEL_SECRET_KEYS (the old one still after it); then the old one
can be dropped. A secret no configured key opens is listed and left as it is (exit 1): enter it again on its
channel."""

import sys

from django.core.management.base import CommandError
from django.db import transaction
from django_tenants.utils import get_tenant_model, tenant_context
from tqdm import tqdm

from accounts.management.cli import CheckedCommand
from channels.models import ChannelConnection
from channels.secrets import SecretUnreadable, secret_rotate


class Command(CheckedCommand):
    help = "Re-encrypt every stored channel secret with the first key of CHANNEL_SECRET_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="organization slug (schema name); all organizations if omitted")

    def handle(self, *args, org=None, **options):
        orgs = get_tenant_model().objects.exclude(schema_name="public").order_by("schema_name")
        if org:
            orgs = orgs.filter(schema_name=org)
            if not orgs.exists():
                raise CommandError(f"No organization {org!r}.")
        rotated, unreadable = 0, []
        for tenant in orgs:
            with tenant_context(tenant), transaction.atomic():
                connections = list(
                    ChannelConnection.objects.select_for_update().exclude(secret_encrypted="").select_related("channel")
                )
                bar_stream = getattr(self.stderr, "_out", sys.stderr)  # tqdm draws on the raw stream
                for conn in tqdm(connections, desc=tenant.schema_name, unit="secret", file=bar_stream):
                    try:
                        conn.secret_encrypted = secret_rotate(conn.secret_encrypted)
                    except SecretUnreadable:
                        unreadable.append(f"{tenant.schema_name}: channel {conn.channel.name}")
                        continue
                    conn.save(update_fields=["secret_encrypted"])
                    rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} channel secret(s) with the newest key.")
        if unreadable:
            for label in unreadable:
                self.stderr.write(f"{label}: no configured key opens its secret; enter it again on the channel.")
            raise SystemExit(1)
