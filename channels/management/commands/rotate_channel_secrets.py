"""manage.py rotate_channel_secrets [--org SLUG]: re-encrypt every stored channel secret with the newest key.

Run after putting new key material first in CHANNEL_SECRET_KEYS (the old one still after it); then the old one
can be dropped. A secret no configured key opens is listed and left as it is (exit 1): enter it again on its
channel."""

import sys

from django.db import transaction
from tqdm import tqdm

from accounts.management.cli import CheckedCommand, domain_errors
from accounts.tenancy.fanout import for_each_organization
from channels.models import ChannelConnection
from channels.secrets import SecretUnreadable, secret_rotate


class Command(CheckedCommand):
    help = "Re-encrypt every stored channel secret with the first key of CHANNEL_SECRET_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="organization slug; all organizations (inactive ones too) if omitted")

    def handle(self, *args, org=None, **options):
        bar_stream = getattr(self.stderr, "_out", sys.stderr)  # tqdm draws on the raw stream

        def rotate(organization) -> tuple[int, list[str]]:
            rotated, unreadable = 0, []
            with transaction.atomic():
                connections = list(
                    ChannelConnection.objects.select_for_update().exclude(secret_encrypted="").select_related("channel")
                )
                for conn in tqdm(connections, desc=organization.schema_name, unit="secret", file=bar_stream):
                    try:
                        conn.secret_encrypted = secret_rotate(conn.secret_encrypted)
                    except SecretUnreadable:
                        unreadable.append(f"{organization.schema_name}: channel {conn.channel.name}")
                        continue
                    conn.save(update_fields=["secret_encrypted"])
                    rotated += 1
            return rotated, unreadable

        # Inactive organizations too: a secret left on the old key stops working once that key is dropped.
        with domain_errors():
            report = for_each_organization(rotate, label="Channel secret rotation", slug=org, include_inactive=True)
        rotated = sum(n for n, _ in report.results.values())
        self.stdout.write(f"Re-encrypted {rotated} channel secret(s) with the newest key.")
        unreadable = [label for _, labels in report.results.values() for label in labels]
        for label in unreadable:
            self.stderr.write(f"{label}: no configured key opens its secret; enter it again on the channel.")
        for schema, error in report.failed.items():
            self.stderr.write(f"{schema}: not rotated ({error}).")
        if unreadable or report.failed:
            raise SystemExit(1)
