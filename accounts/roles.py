"""Roles, and what each may do.

Organization-level roles live on `Membership` (public schema): organization administrators and supervisors
reach every account of their organization. Account-level roles are django-guardian object permissions on
the `Account`: a role is the set of permissions below.

| capability          | system admin | org admin | supervisor | account admin | agent | viewer |
|---------------------|--------------|-----------|------------|---------------|-------|--------|
| view account        | yes          | yes       | yes        | yes           | yes   | yes    |
| work orders         | yes          | yes       | yes        | yes           | yes   | no     |
| settings tabs       | yes          | yes       | yes        | yes           | no    | no     |
| Warehouses tab      | yes          | yes       | yes        | no            | no    | no     |
| disable, create     | yes          | yes       | yes        | no            | no    | no     |
| organization members| yes          | yes       | no         | no            | no    | no     |

A viewer reads orders and the account overview; settings are an administrator's surface, so a viewer gets
403 on every settings tab.
"""

from django.db import models


class AccountRole(models.TextChoices):
    ADMIN = "account_admin", "Account administrator"
    AGENT = "agent", "Customer-service agent"
    VIEWER = "viewer", "Viewer"


VIEW = "view_account"
WORK_ORDERS = "work_orders"
ADMINISTER = "administer_account"
MANAGE_WAREHOUSES = "manage_warehouses"
MANAGE_ACCOUNTS = "manage_accounts"  # create, disable, clone accounts
MANAGE_ORGANIZATION = "manage_organization"  # organization members and their roles

ROLE_PERMS: dict[str, list[str]] = {
    AccountRole.ADMIN: [VIEW, WORK_ORDERS, ADMINISTER],
    AccountRole.AGENT: [VIEW, WORK_ORDERS],
    AccountRole.VIEWER: [VIEW],
}
ACCOUNT_PERMS = [VIEW, WORK_ORDERS, ADMINISTER]

ORG_LEVEL_CAPABILITIES = {
    "system": {VIEW, WORK_ORDERS, ADMINISTER, MANAGE_WAREHOUSES, MANAGE_ACCOUNTS, MANAGE_ORGANIZATION},
    "admin": {VIEW, WORK_ORDERS, ADMINISTER, MANAGE_WAREHOUSES, MANAGE_ACCOUNTS, MANAGE_ORGANIZATION},
    "supervisor": {VIEW, WORK_ORDERS, ADMINISTER, MANAGE_WAREHOUSES, MANAGE_ACCOUNTS},
}


def role_from_perms(perms: set[str]) -> str | None:
    """The highest account role whose permissions are all in `perms`."""
    for role in (AccountRole.ADMIN, AccountRole.AGENT, AccountRole.VIEWER):
        if set(ROLE_PERMS[role]) <= perms:
            return role
    return None
