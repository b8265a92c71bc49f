"""manage.py create_first_admin: the first system administrator of a new installation, once."""

import getpass
import os
import secrets
import sys

from django_tenants.utils import get_public_schema_name, schema_context

from accounts.management.cli import CheckedCommand, domain_errors, public_url
from accounts.tenancy.models import User
from accounts.tenancy.services import system_admin_ensure

PASSWORD_ENV = "ADMIN_PASSWORD"


class Command(CheckedCommand):
    columns = {"email": (User, "email")}
    help = (
        "Create the first system administrator (who signs in on the public site and creates organizations). "
        "If an active system administrator exists, nothing changes. An existing user with --email is promoted "
        f"and keeps their password. A new user's password comes from the {PASSWORD_ENV} environment variable, "
        "else from the prompt (in a terminal), else it is generated and printed once. Bad input exits 1 with "
        "one line and creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The administrator's email (the sign-in name).")
        parser.add_argument("--no-input", action="store_true", help="Never prompt: take the password from "
                            f"{PASSWORD_ENV} or generate one.")

    def handle(self, *args, **options):
        password = os.environ.get(PASSWORD_ENV, "")
        generated = False
        if not password and sys.stdin.isatty() and not options["no_input"]:
            password = getpass.getpass("Password for the new system administrator (empty: generate one): ")
        if not password:
            password, generated = secrets.token_urlsafe(18), True
        with domain_errors(), schema_context(get_public_schema_name()):
            user, outcome = system_admin_ensure(email=options["email"], password=password)
        if outcome == "existing":
            self.stdout.write(f"A system administrator already exists ({user.email}); nothing changed.")
            return
        if outcome == "promoted":
            self.stdout.write(self.style.SUCCESS(f"{user.email} is now a system administrator (password unchanged)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Created system administrator {user.email}."))
            if generated:
                self.stdout.write(f"Password (shown only this once; change it after signing in): {password}")
        self.stdout.write(f"Sign in at {public_url()}")
