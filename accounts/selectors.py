"""Reads of accounts, scoped to what the user may reach."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from accounts import roles
from accounts.models import Account, AccountCloneRequest, ActivityLog, Notification, Warehouse
from accounts.tenancy.models import Invitation, Membership, Organization, User


def org_role_for(user) -> str | None:
    """'system', 'admin', 'supervisor', 'member' in the active organization, or None. Cached on the user."""
    if not user.is_authenticated or not user.is_active:
        return None
    tenant = getattr(connection, "tenant", None)
    schema = getattr(tenant, "schema_name", None)
    cache = user.__dict__.setdefault("_org_role_cache", {})
    if schema not in cache:
        if user.is_superuser:
            cache[schema] = "system"
        elif tenant is None or schema == "public":
            cache[schema] = None
        else:
            cache[schema] = (
                Membership.objects.filter(user=user, organization_id=tenant.pk).values_list("role", flat=True).first()
            )
    return cache[schema]


def accounts_for_user(*, user, include_disabled: bool = False) -> QuerySet[Account]:
    """The accounts a user may use in the active organization, in one query."""
    role = org_role_for(user)
    base = Account.objects.all() if include_disabled else Account.objects.filter(is_active=True)
    if role in roles.ORG_LEVEL_CAPABILITIES:
        return base
    if role is None:
        return base.none()
    return get_objects_for_user(
        user, f"accounts.{roles.VIEW}", klass=base.filter(is_active=True), accept_global_perms=False
    )


def account_capabilities(*, user, account: Account) -> set[str]:
    role = org_role_for(user)
    if role in roles.ORG_LEVEL_CAPABILITIES:
        return set(roles.ORG_LEVEL_CAPABILITIES[role])
    if role is None or not account.is_active:
        return set()
    cache = user.__dict__.setdefault("_account_caps_cache", {})
    key = (connection.schema_name, account.pk)
    if key not in cache:
        cache[key] = set(
            UserObjectPermission.objects.filter(
                user=user,
                content_type__app_label="accounts",
                content_type__model="account",
                object_pk=str(account.pk),
            ).values_list("permission__codename", flat=True)
        )
    return cache[key]


def account_get_for_user(*, user, account_id) -> Account:
    """The account if the user may see it; the same 404 for 'missing' and 'not yours'."""
    try:
        account = Account.objects.select_related("default_warehouse", "master_product_channel").get(
            pk=int(account_id)
        )
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404("No such account.") from None
    if roles.VIEW not in account_capabilities(user=user, account=account):
        raise Http404("No such account.")
    return account


def warehouse_by_code(*, account: Account, code: str):
    """The account's warehouse with this code (any case), or None; callers decide what an inactive one means."""
    from accounts.models import Warehouse

    return Warehouse.objects.filter(account=account, code__iexact=code.strip()).first()


def account_users(*, account: Account) -> list[tuple[User, str]]:
    """Users holding an account role on `account`, with the role, in two queries."""
    rows = (
        UserObjectPermission.objects.filter(
            content_type__app_label="accounts", content_type__model="account", object_pk=str(account.pk)
        )
        .values_list("user_id", "permission__codename")
    )
    perms: dict[int, set[str]] = {}
    for user_id, codename in rows:
        perms.setdefault(user_id, set()).add(codename)
    users = User.objects.filter(pk__in=perms, memberships__organization_id=connection.tenant.pk).order_by("email")
    return [(user, roles.role_from_perms(perms[user.pk])) for user in users]


def account_permission_objects() -> dict[str, Permission]:
    return {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="accounts", content_type__model="account", codename__in=roles.ACCOUNT_PERMS
        )
    }


def organization_members(*, organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


# Users are shared by every organization: an id or an email from a request is only ever looked up among the
# members of the organization at hand, and one outside it is answered exactly like one that does not exist.


def organization_users(*, organization: Organization) -> QuerySet[User]:
    return User.objects.filter(memberships__organization=organization)


def member_get_for_org(*, organization: Organization, user_id) -> User:
    """A member of `organization` by id; the same 404 for a missing id and a user of another organization."""
    try:
        return organization_users(organization=organization).get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such user.") from None


def member_by_email(*, organization: Organization, email: str) -> User | None:
    """The member of `organization` with this email (any case), or None, also when the email is a user elsewhere."""
    return organization_users(organization=organization).filter(email__iexact=(email or "").strip()).first()


def invitations_pending(*, organization: Organization, account: Account | None = None) -> QuerySet[Invitation]:
    """Invitations not yet accepted: of one account, or (without `account`) those giving only an organization role."""
    pending = Invitation.objects.filter(organization=organization, accepted_at__isnull=True).select_related("invited_by")
    return pending.filter(account_id=account.pk if account is not None else None)


def invitation_get_for_org(*, organization: Organization, invitation_id, account: Account | None = None) -> Invitation:
    """A pending invitation of this organization (and account); the same 404 for missing and foreign."""
    try:
        return invitations_pending(organization=organization, account=account).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None


def invitation_by_token(*, organization: Organization, token: str) -> Invitation | None:
    """The invitation of this organization whose link carries `token` (accepted or not), or None."""
    from accounts.invitations import invitation_token_hash

    return (
        Invitation.objects.filter(organization=organization, token_hash=invitation_token_hash(token or ""))
        .select_related("organization")
        .first()
    )


def account_activity(*, account: Account, limit: int = 50) -> QuerySet[ActivityLog]:
    return ActivityLog.objects.filter(account=account).select_related("actor")[:limit]


def notifications_unread(*, user, limit: int = 5) -> list[Notification]:
    """The user's notifications not yet dismissed, oldest first. Reading them marks nothing: a notification stays
    in the page's corner until its user dismisses it (notification_dismiss)."""
    return list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("created_at")[:limit])


def account_has_catalog_or_orders(*, account: Account) -> bool:
    from orders.models import Order, Variant

    return Variant.objects.filter(account=account).exists() or Order.objects.filter(account=account).exists()


def account_readiness(*, account: Account) -> list[dict]:
    """What to configure before the account is fully operational, each item done or not (a few counts)."""
    from django.urls import reverse

    from channels.models import Channel
    from inventory.models import StockLevel
    from orders.models import OrderRule

    channels = dict(
        Channel.objects.filter(account=account, is_active=True).values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    review = OrderRule.objects.filter(account=account, needs_review=True).count()
    users = len(account_users(account=account))
    settings_url = lambda tab: reverse("account_settings", args=[account.pk, tab])  # noqa: E731
    sales, fulfillment = channels.get("sales", 0), channels.get("fulfillment", 0)
    has_stock = StockLevel.objects.filter(account=account).exists()
    # A ticked item says what is there; only an item still to do carries the instruction.
    return [
        {"label": "Sales channels", "done": sales > 0,
         "detail": f"{sales} active" if sales else "Add a sales channel to receive orders."},
        {"label": "Fulfillment channels", "done": fulfillment > 0,
         "detail": f"{fulfillment} active" if fulfillment else "Add a fulfillment channel to ship orders."},
        {"label": "Inventory", "done": has_stock,
         "detail": "Stock levels are loaded." if has_stock else "Load stock levels for the account's products."},
        {"label": "Default warehouse", "done": account.default_warehouse_id is not None,
         "detail": f"{account.default_warehouse}." if account.default_warehouse_id else "Choose it on the Workflow tab.",
         "url": settings_url("workflow")},
        {"label": "Order rules", "done": review == 0,
         "detail": f"{review} rule{'s' if review != 1 else ''} to review" if review else "Nothing to review.",
         "url": settings_url("order-rules")},
        {"label": "Users", "done": users > 0,
         "detail": f"{users} with access" if users else "Give agents and administrators access on the Users tab.",
         "url": settings_url("users")},
    ]


def warehouses_for_account(*, account: Account) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(account=account)


def warehouse_get_for_account(*, account: Account, warehouse_id: int) -> Warehouse:
    """The account's warehouse `warehouse_id`; 404 for a missing one and another account's alike."""
    return get_object_or_404(Warehouse, account=account, pk=warehouse_id)


def organization_wide_members(*, organization) -> QuerySet[Membership]:
    """Organization administrators and supervisors: they reach every account without an account role."""
    return Membership.objects.filter(
        organization=organization, role__in=[Membership.Role.ADMIN, Membership.Role.SUPERVISOR]
    ).select_related("user")


def account_get(*, account_id: int) -> Account:
    """An account of the current organization, disabled ones too (organization pages); 404 if there is none."""
    return get_object_or_404(Account, pk=account_id)


def account_clone_request_get(*, request_id: int) -> AccountCloneRequest:
    return get_object_or_404(AccountCloneRequest.objects.select_related("source", "new_account"), pk=request_id)


def organizations_listed():
    """Every organization with its member count and domains (the public site)."""
    return (
        Organization.objects.exclude(schema_name="public")
        .annotate(member_count=Count("memberships"))
        .prefetch_related("domains")
    )


def organization_get(*, organization_id: int) -> Organization:
    """An organization by id (the public site; the public schema itself is never one); 404 if there is none."""
    return get_object_or_404(Organization.objects.exclude(schema_name="public"), pk=organization_id)


def user_exists(*, email: str) -> bool:
    """Whether anyone signs in with this email, in any organization: only for a holder of a valid invitation to
    that very email (whether to ask for a new password or the existing one)."""
    return User.objects.filter(email__iexact=(email or "").strip()).exists()


def account_order_workers(*, account: Account) -> list[User]:
    """Members who may work orders on `account`, by email: its administrators and agents, and the organization's
    administrators and supervisors (one query)."""
    granted = UserObjectPermission.objects.filter(
        content_type__app_label="accounts", content_type__model="account", object_pk=str(account.pk),
        permission__codename=roles.WORK_ORDERS,
    ).values("user_id")
    wide = Membership.objects.filter(
        organization_id=connection.tenant.pk, role__in=[Membership.Role.ADMIN, Membership.Role.SUPERVISOR]
    ).values("user_id")
    return list(
        User.objects.filter(memberships__organization_id=connection.tenant.pk, is_active=True)
        .filter(Q(pk__in=granted) | Q(pk__in=wide))
        .distinct()
        .order_by("email")
    )


def account_order_worker(*, account: Account, user_id) -> User | None:
    """The member `user_id` if they may work orders on `account`; None for anyone else (missing, foreign, viewer)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    return next((u for u in account_order_workers(account=account) if u.pk == user_id), None)


def account_order_worker_by_email(*, account: Account, email: str) -> User | None:
    """The member with this email (any case) if they may work orders on `account`; None for anyone else."""
    wanted = (email or "").strip().lower()
    return next((u for u in account_order_workers(account=account) if u.email.lower() == wanted), None)
