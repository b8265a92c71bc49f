"""Writes to the public schema: organizations (with their schema and domain) and memberships."""

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.tenancy.models import Domain, Membership, Organization, User
from oms.exceptions import DomainError

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")
RESERVED_SLUGS = {"public", "www", "admin", "api", "static", "pg-catalog", "information-schema"}


def organization_domain(slug: str) -> str:
    return f"{slug}.{settings.ORGANIZATION_DOMAIN}"


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
        _check_new_password(admin_password)  # before the (slow) schema creation
    with transaction.atomic():
        organization = Organization(name=name, slug=slug, schema_name=slug.replace("-", "_"))
        organization.save(verbosity=0)  # creates and migrates the schema, inside this transaction
        Domain.objects.create(domain=organization_domain(slug), tenant=organization, is_primary=True)
        if admin_email:
            member_add(organization=organization, email=admin_email, role=Membership.Role.ADMIN, password=admin_password)
    return organization


def _check_new_password(password: str) -> None:
    try:
        validate_password(password)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="admin_password") from None


def organization_update(*, organization: Organization, name: str, is_active: bool) -> Organization:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the organization's name.", field="name")
    if Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
        raise DomainError(f"An organization named “{name}” already exists.", field="name")
    Organization.objects.filter(pk=organization.pk).update(name=name, is_active=is_active)
    organization.name, organization.is_active = name, is_active
    return organization


@transaction.atomic
def member_add(
    *, organization: Organization, email: str, role: str, password: str = "", full_name: str = ""
) -> Membership:
    """Add a user (new or existing) to the organization with an organization role."""
    if role not in Membership.Role.values:
        raise DomainError("Choose a role.", field="role")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from None
        first, _, last = (full_name or "").strip().partition(" ")
        user = User.objects.create_user(email=email, password=password, first_name=first, last_name=last)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_remove(*, organization: Organization, user: User) -> None:
    Membership.objects.filter(organization=organization, user=user).delete()


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
    try:
        validate_password(password, User(email=email))
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None
    return User.objects.create_superuser(email=email, password=password), "created"
