"""What the management commands share: turning domain errors into one-line CLI errors, and site addresses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.tenancy.models import Organization
from accounts.tenancy.services import organization_domain
from oms.exceptions import DomainError

DEV_PORT = 8000  # runserver's port in development


@contextmanager
def domain_errors() -> Iterator[None]:
    """A DomainError becomes a CommandError: manage.py prints its one line to stderr and exits with 1."""
    try:
        yield
    except DomainError as exc:
        raise CommandError(exc.message) from None


def site_url(domain: str) -> str:
    """http://<domain>:8000/ for a development domain (localhost, *.localhost), https://<domain>/ otherwise."""
    if domain == "localhost" or domain.endswith(".localhost"):
        return f"http://{domain}:{DEV_PORT}/"
    return f"https://{domain}/"


def organization_url(slug: str) -> str:
    return site_url(organization_domain(slug))


def public_url() -> str:
    return site_url(settings.PUBLIC_DOMAIN)


def organization_by_slug(slug: str) -> Organization:
    with schema_context(get_public_schema_name()):
        organization = Organization.objects.filter(slug=(slug or "").strip().lower()).first()
    if organization is None:
        raise CommandError(f"No organization has the address name “{slug}”.")
    return organization


class CheckedCommand(BaseCommand):
    """A command whose text options never hold NUL characters and whose `columns` options fit the column they are
    stored in or looked up by (option name -> (model, field)): bad input is one line and exit 1, before anything
    runs."""

    columns: dict[str, tuple[type[models.Model], str]] = {}

    def execute(self, *args, **options):
        check_options(options, self.columns)
        return super().execute(*args, **options)


def check_options(options: dict, columns: dict[str, tuple[type[models.Model], str]]) -> None:
    for name, value in options.items():
        if isinstance(value, str) and "\x00" in value:
            raise CommandError(f"{_flag(name)}: contains a NUL character, which is never valid.")
    for name, (model, field_name) in columns.items():
        value = options.get(name)
        field = model._meta.get_field(field_name)
        if isinstance(value, str) and field.max_length and len(value.strip()) > field.max_length:
            raise CommandError(f"{_flag(name)}: at most {field.max_length} characters (this one has {len(value.strip())}).")
        if isinstance(value, int) and isinstance(field, models.IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if not low <= value <= high:
                raise CommandError(f"{_flag(name)}: must be between {low} and {high}.")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")
