"""Writes to the public schema: organizations (with their schema and domain), users and memberships."""

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.tenancy.lookups import lookups_changed
from accounts.tenancy.models import Domain, Membership, Organization, User
from oms.exceptions import DomainError

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")
RESERVED_SLUGS = {"public", "www", "admin", "api", "static", "pg-catalog", "information-schema"}
DEV_PORT = 8000  # runserver's port in development


def organization_domain(slug: str) -> str:
    return f"{slug}.{settings.ORGANIZATION_DOMAIN}"


def site_url(domain: str) -> str:
    """http://<domain>:8000/ for a development domain (localhost, *.localhost), https://<domain>/ otherwise."""
    if domain == "localhost" or domain.endswith(".localhost"):
        return f"http://{domain}:{DEV_PORT}/"
    return f"https://{domain}/"


def organization_url(organization: Organization) -> str:
    """The organization's address: its primary domain."""
    domain = organization.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    return site_url(domain or organization_domain(organization.slug))


def password_validate(*, password: str, email: str = "", full_name: str = "", field: str = "password") -> None:
    """The one password policy (settings.AUTH_PASSWORD_VALIDATORS), for every place a password is set."""
    first, _, last = (full_name or "").strip().partition(" ")
    candidate = User(email=(email or "").strip().lower(), first_name=first, last_name=last)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field=field) from None


def user_create(*, email: str, password: str, full_name: str = "", field: str = "password") -> User:
    """A new user who signs in with `email` and `password` (checked against the password policy)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    password_validate(password=password, email=email, full_name=full_name, field=field)
    first, _, last = (full_name or "").strip().partition(" ")
    return User.objects.create_user(email=email, password=password, first_name=first, last_name=last)


def organization_create(
    *, name: str, slug: str, admin_email: str = "", admin_password: str = ""
) -> Organization:
    """A new organization with its own schema (migrated) and its address `<slug>.<ORGANIZATION_DOMAIN>`;
    with `admin_email`, that user (created if new) becomes its administrator. All or nothing."""
    name = " ".join((name or "").split())
    slug = (slug or "").strip().lower()
    if not name:
        raise DomainError("Enter the organization's name.", field="name")
    if not SLUG_RE.match(slug) or "--" in slug:
        raise DomainError(
            "The address name takes 3 to 42 lowercase letters, digits or single dashes, starting with a letter.",
            field="slug",
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg"):
        raise DomainError(f"“{slug}” is reserved; choose another address name.", field="slug")
    if Organization.objects.filter(slug=slug).exists():
        raise DomainError(f"An organization already uses the address name “{slug}”.", field="slug")
    if Organization.objects.filter(name__iexact=name).exists():
        raise DomainError(f"An organization named “{name}” already exists.", field="name")
    if admin_email and not User.objects.filter(email__iexact=admin_email.strip()).exists():
        # before the (slow) schema creation
        password_validate(password=admin_password, email=admin_email, field="admin_password")
    with transaction.atomic():
        organization = Organization(name=name, slug=slug, schema_name=slug.replace("-", "_"))
        organization.save(verbosity=0)  # creates and migrates the schema, inside this transaction
        Domain.objects.create(domain=organization_domain(slug), tenant=organization, is_primary=True)
        if admin_email:
            member_add(organization=organization, email=admin_email, role=Membership.Role.ADMIN, password=admin_password)
    return organization


def organization_update(*, organization: Organization, name: str, is_active: bool) -> Organization:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the organization's name.", field="name")
    if Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
        raise DomainError(f"An organization named “{name}” already exists.", field="name")
    Organization.objects.filter(pk=organization.pk).update(name=name, is_active=is_active)
    organization.name, organization.is_active = name, is_active
    lookups_changed()  # a deactivated organization stops at once in every process
    return organization


@transaction.atomic
def member_add(
    *, organization: Organization, email: str, role: str, password: str = "", full_name: str = ""
) -> Membership:
    """Add a user (new or existing) to the organization with an organization role, at once. For system
    administrators (public site, commands, demo); inside an organization, non-members are invited instead."""
    if role not in Membership.Role.values:
        raise DomainError("Choose a role.", field="role")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(email=email, password=password, full_name=full_name)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, organization: Organization, user: User) -> None:
    """The user leaves the organization, with every account role they held in it."""
    from guardian.models import UserObjectPermission

    Membership.objects.filter(organization=organization, user=user).delete()
    with tenant_context(organization):
        UserObjectPermission.objects.filter(user=user).delete()


@transaction.atomic
def system_admin_ensure(*, email: str, password: str) -> tuple[User, str]:
    """The first system administrator, and what this call did: "existing" (an active system administrator
    is there already: nothing changes), "promoted" (the user with `email` became one, keeping their password)
    or "created" (a new user with `password`)."""
    existing = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if existing is not None:
        return existing, "existing"
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address for the system administrator.", field="email") from None
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None:
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True, is_active=True)
        user.is_superuser = user.is_staff = user.is_active = True
        return user, "promoted"
    password_validate(password=password, email=email)
    return User.objects.create_superuser(email=email, password=password), "created"
