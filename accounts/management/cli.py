"""What the management commands share: turning domain errors into one-line CLI errors, and site addresses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import CommandError

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
