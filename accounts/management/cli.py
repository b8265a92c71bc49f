"""What the management commands share: turning domain errors into one-line CLI errors, and site addresses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models

from accounts.tenancy.fanout import organizations
from accounts.tenancy.models import Organization
from accounts.tenancy.services import organization_domain, site_url
from oms.exceptions import DomainError


@contextmanager
def domain_errors() -> Iterator[None]:
    """A DomainError becomes a CommandError: manage.py prints its one line to stderr and exits with 1."""
    try:
        yield
    except DomainError as exc:
        raise CommandError(exc.message) from None


def organization_url(slug: str) -> str:
    return site_url(organization_domain(slug))


def public_url() -> str:
    return site_url(settings.PUBLIC_DOMAIN)


def organization_by_slug(slug: str) -> Organization:
    with domain_errors():
        return organizations(slug=slug or "").get()


def account_by_code(organization: Organization, code: str):
    """The account of `organization` (whose tenant is current) with this code, given in any case; a missing one is
    one line and exit 1."""
    from accounts.models import Account

    account = Account.objects.filter(code=(code or "").strip().upper()).first()
    if account is None:
        raise CommandError(f"No account has the code “{code}” in {organization.name}.")
    return account


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
