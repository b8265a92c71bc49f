from django.contrib.auth.backends import ModelBackend
from django.db import connection

from accounts.tenancy.models import Membership


def is_member_here(user) -> bool:
    """Whether `user` may act in the organization whose schema is active (system admins always may)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    tenant = getattr(connection, "tenant", None)
    if tenant is None or tenant.schema_name == "public" or not getattr(tenant, "is_active", True):
        return False
    return Membership.objects.filter(user=user, organization_id=tenant.pk).exists()


class OrganizationBackend(ModelBackend):
    """Email + password, and only where the user belongs: an organization's members or system admins."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        tenant = getattr(connection, "tenant", None)
        if tenant is None or tenant.schema_name == "public":
            return user if user.is_superuser else None
        return user if is_member_here(user) else None
