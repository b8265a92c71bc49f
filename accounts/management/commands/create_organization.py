"""manage.py create_organization: a new organization (its own schema and address), optionally with an admin."""

import getpass
import json
import sys

from django_tenants.utils import get_public_schema_name, schema_context

from accounts.management.cli import CheckedCommand, domain_errors, organization_url
from accounts.tenancy.services import organization_create, organization_domain
from accounts.tenancy.models import Organization, User


class Command(CheckedCommand):
    columns = {"name": (Organization, "name"), "slug": (Organization, "slug"), "admin_email": (User, "email")}
    help = (
        "Create an organization: a tenant with its own database schema (created and migrated now) reached at "
        "<slug>.<ORGANIZATION_DOMAIN>. With --admin-email, that user (created if new, which needs "
        "--admin-password or a password typed at the prompt) becomes its organization administrator. "
        "Prints the organization's address. If any part fails, nothing is created and the reason is printed "
        "on one line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help='The organization\'s name, e.g. "Acme Corporation".')
        parser.add_argument(
            "--slug",
            required=True,
            help="Its address name: 3 to 42 lowercase letters, digits or single dashes, starting with a letter. "
            "Also the schema name (dashes become underscores).",
        )
        parser.add_argument("--admin-email", help="Email of a user to make its organization administrator.")
        parser.add_argument(
            "--admin-password",
            help="Password of that user if new. Omit it to be asked for it (when run in a terminal).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of text.")

    def handle(self, *args, **options):
        admin_email, admin_password = options["admin_email"], options["admin_password"]
        if admin_email and admin_password is None and sys.stdin.isatty():
            admin_password = getpass.getpass(f"Password for {admin_email} (not used if the user exists): ")
        with domain_errors(), schema_context(get_public_schema_name()):
            organization = organization_create(
                name=options["name"],
                slug=options["slug"],
                admin_email=admin_email or "",
                admin_password=admin_password or "",
            )
        url = organization_url(organization.slug)
        admin = admin_email.strip().lower() if admin_email else None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "id": organization.pk,
                        "name": organization.name,
                        "slug": organization.slug,
                        "schema_name": organization.schema_name,
                        "domain": organization_domain(organization.slug),
                        "url": url,
                        "admin_email": admin,
                    }
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Created organization {organization.name} (schema {organization.schema_name}).")
        )
        if admin:
            self.stdout.write(f"Organization administrator: {admin}")
        self.stdout.write(f"Sign in at {url}")
