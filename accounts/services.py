"""Writes to accounts and their settings. Each function is one transaction and logs its activity."""

import re
import zoneinfo
from typing import Any

from celery.schedules import crontab
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts import roles
from accounts.api_keys import api_key_generate
from accounts.choices import MasterProductSource, unit_system
from accounts.labels import fields_in_words
from accounts.models import Account, ActivityLog, Notification, RecurringJob, Warehouse
from accounts.selectors import account_has_catalog_or_orders, account_permission_objects, member_by_email
from accounts.tenancy.lookups import lookups_changed
from accounts.tenancy.models import Membership, User
from channels.models import Channel
from oms.exceptions import DomainError

SOURCE_CHANGE_WARNING = (
    "This account already has products. Changing the master product source can create duplicate products: "
    "SKUs must be unique, so products imported from the new source that already exist here under another "
    "SKU spelling will appear twice, and recurring import jobs may need to be reconfigured. "
    "Tick the confirmation to change it anyway."
)


def activity_log(*, account: Account, by, action: str, summary: str = "", changes: dict | None = None) -> ActivityLog:
    return ActivityLog.objects.create(
        account=account,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        summary=summary[:300],
        changes=changes or {},
    )


def notification_dismiss(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them, without an id); another user's is a 404 for
    the door. Returns how many were marked."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise Notification.DoesNotExist
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def _display(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _raise_validation_error(exc: ValidationError) -> None:
    """Turn Django's ValidationError into our DomainError, keeping the first field's message."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        raise DomainError(" ".join(e.messages[0] for e in errors[:1]), field=None if field == "__all__" else field)
    raise DomainError(" ".join(exc.messages))


def account_integrity_error(exc: IntegrityError) -> DomainError:
    """The domain error a person reads for a constraint the database refused on an account or warehouse."""
    text = str(exc)
    if "account_name_unique_ci" in text:
        return DomainError("An account with this name already exists in this organization.", field="name")
    if "accounts_account_code" in text:
        return DomainError("An account with this code already exists in this organization.", field="code")
    if "warehouse_code_unique_per_account" in text:
        return DomainError("This account already has a warehouse with that code.", field="code")
    if "warehouse_name_unique_per_account" in text:
        return DomainError("This account already has a warehouse with that name.", field="name")
    return DomainError("That change conflicts with existing data; reload the page and try again.")


def account_code_derive(name: str) -> str:
    """A free account code made from the name: 'Acme Outlet' -> 'ACME-OUTLET', then -2, -3... if taken."""
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:24] or "ACCOUNT"
    if len(base) < 2:
        base = f"{base}-ACCOUNT"
    taken = set(Account.objects.filter(code__startswith=base).values_list("code", flat=True))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def account_name_check_free(name: str, *, exclude_pk: int | None = None) -> str:
    """The name with its spaces tidied; DomainError when it is blank or another account has it (any case)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter a name.", field="name")
    clash = Account.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(f"An account named “{name}” already exists in this organization.", field="name")
    return name


@transaction.atomic
def account_create(*, name: str, by, code: str | None = None, timezone_name: str = "UTC") -> tuple[Account, str]:
    """Create an account with a fresh API key. Returns the account and the plain key, to show once."""
    name = account_name_check_free(name)
    code = (code or "").strip().upper() or account_code_derive(name)
    plain, prefix, hashed = api_key_generate()
    account = Account(name=name, code=code, timezone=timezone_name, api_key_prefix=prefix, api_key_hash=hashed)
    try:
        account.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        _raise_validation_error(exc)
    _check_account_rules(account)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise account_integrity_error(exc) from None
    activity_log(account=account, by=by, action="account.created", summary=f"Created account {name} ({code})")
    return account, plain


def _check_account_rules(account: Account) -> None:
    """Rules that span several fields or objects; the database backs the hard ones with constraints."""
    try:
        zoneinfo.ZoneInfo(account.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"“{account.timezone}” is not a known IANA timezone.", field="timezone") from None
    if unit_system(size=account.size_unit, volume=account.volume_unit, weight=account.weight_unit) is None:
        raise DomainError(
            "Size, volume and weight units must all be metric (mm/cm/m, cm³/l/m³, g/kg) "
            "or all imperial (in/ft, in³/ft³, oz/lb).",
            field="weight_unit",
        )
    source = account.master_product_source
    channel = account.master_product_channel
    if source == MasterProductSource.OMS:
        account.master_product_channel = None
    else:
        wanted_kind = Channel.Kind.SALES if source == MasterProductSource.SALES_CHANNEL else Channel.Kind.FULFILLMENT
        if channel is None:
            raise DomainError("Choose the channel that is the master product source.", field="master_product_channel")
        if channel.account_id != account.pk:
            raise DomainError("That channel does not belong to this account.", field="master_product_channel")
        if channel.kind != wanted_kind:
            raise DomainError(
                f"Choose a {wanted_kind.label.lower()}: the master product source is "
                f"{MasterProductSource(source).label.lower()}.",
                field="master_product_channel",
            )
        if not channel.supports_product_import:
            raise DomainError(f"{channel.name} cannot import products.", field="master_product_channel")
    warehouse = account.default_warehouse
    if warehouse is not None and (warehouse.account_id != account.pk or not warehouse.is_active):
        raise DomainError("Choose an active warehouse of this account.", field="default_warehouse")


@transaction.atomic
def account_update(*, account: Account, changes: dict[str, Any], by, confirm_source_change: bool = False) -> Account:
    """Apply settings changes; they take effect at once. Logs every field that changed, old and new."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = {field: getattr(account, field) for field in changes}
    for field, value in changes.items():
        setattr(account, field, value)
    if "name" in changes:
        account.name = account_name_check_free(account.name, exclude_pk=account.pk)
    if "code" in changes:
        account.code = (account.code or "").strip().upper()
    if "currency" in changes:
        account.currency = (account.currency or "").strip().upper()
    try:
        account.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        _raise_validation_error(exc)
    _check_account_rules(account)
    diff = {
        field: [_display(before[field]), _display(getattr(account, field))]
        for field in changes
        if before[field] != getattr(account, field)
    }
    if (
        "master_product_source" in diff
        and not confirm_source_change
        and account_has_catalog_or_orders(account=account)
    ):
        raise DomainError(SOURCE_CHANGE_WARNING, field="confirm_source_change")
    if not diff:
        return account
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise account_integrity_error(exc) from None
    lookups_changed()  # the API reads the account from the look-up cache: its settings change at once there too
    activity_log(
        account=account, by=by, action="settings.updated", summary=f"Changed {fields_in_words(Account, diff)}", changes=diff
    )
    return account


@transaction.atomic
def account_privacy_update(
    *, account: Account, retention_days: int | None, channel_overrides: dict[int, int | None], by
) -> Account:
    """The account's PII retention and each sales channel's override, saved together."""
    for days in [retention_days, *channel_overrides.values()]:
        if days is not None and days < 1:
            raise DomainError("Retention is a number of days of at least 1, or blank to keep data.")
    account = account_update(account=account, changes={"pii_retention_days": retention_days}, by=by)
    channels = {c.pk: c for c in Channel.objects.filter(account=account, kind=Channel.Kind.SALES, pk__in=channel_overrides)}
    if set(channels) != set(channel_overrides):
        raise DomainError("One of those channels does not belong to this account.")
    changed, entries = [], []
    actor = by if getattr(by, "pk", None) else None
    for pk, days in channel_overrides.items():
        channel = channels[pk]
        if channel.pii_retention_days != days:
            entries.append(
                ActivityLog(
                    account=account, actor=actor, action="channel.retention_updated",
                    summary=f"PII retention of {channel.name}",
                    changes={"pii_retention_days": [channel.pii_retention_days, days]},
                )
            )
            channel.pii_retention_days = days
            changed.append(channel)
    Channel.objects.bulk_update(changed, ["pii_retention_days"])
    ActivityLog.objects.bulk_create(entries)
    return account


@transaction.atomic
def account_rotate_api_key(*, account: Account, by) -> str:
    """A new key replaces the old one at once; returns the plain key, to show once."""
    plain, prefix, hashed = api_key_generate()
    Account.objects.filter(pk=account.pk).update(
        api_key_prefix=prefix, api_key_hash=hashed, api_key_rotated_at=timezone.now()
    )
    account.api_key_prefix, account.api_key_hash = prefix, hashed
    lookups_changed()  # the old key stops in every process's cache
    activity_log(account=account, by=by, action="api_key.rotated", summary=f"Rotated the API key (now {prefix}…)")
    return plain


@transaction.atomic
def account_set_active(*, account: Account, active: bool, by) -> Account:
    if account.is_active != active:
        Account.objects.filter(pk=account.pk).update(is_active=active)
        account.is_active = active
        lookups_changed()
        activity_log(account=account, by=by, action="account.enabled" if active else "account.disabled")
    return account


# Warehouses

WAREHOUSE_FIELDS = ["name", "code", "address_line1", "city", "postal_code", "country"]


def _warehouse_save(warehouse: Warehouse) -> Warehouse:
    warehouse.code = (warehouse.code or "").strip().upper()
    warehouse.country = (warehouse.country or "").strip().upper()
    try:
        warehouse.full_clean(exclude=["account"], validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        _raise_validation_error(exc)
    try:
        with transaction.atomic():
            warehouse.save()
    except IntegrityError as exc:
        raise account_integrity_error(exc) from None
    return warehouse


@transaction.atomic
def warehouse_create(*, account: Account, by, **fields) -> Warehouse:
    warehouse = _warehouse_save(Warehouse(account=account, **{k: fields.get(k, "") for k in WAREHOUSE_FIELDS}))
    activity_log(account=account, by=by, action="warehouse.created", summary=f"Added warehouse {warehouse}")
    return warehouse


@transaction.atomic
def warehouse_update(*, warehouse: Warehouse, by, **fields) -> Warehouse:
    before = {k: getattr(warehouse, k) for k in WAREHOUSE_FIELDS}
    for key in WAREHOUSE_FIELDS:
        if key in fields:
            setattr(warehouse, key, fields[key])
    _warehouse_save(warehouse)
    diff = {k: [before[k], getattr(warehouse, k)] for k in WAREHOUSE_FIELDS if before[k] != getattr(warehouse, k)}
    if diff:
        activity_log(
            account=warehouse.account, by=by, action="warehouse.updated",
            summary=f"Changed {fields_in_words(Warehouse, diff)} of {warehouse}", changes=diff
        )
    return warehouse


@transaction.atomic
def warehouse_set_active(*, warehouse: Warehouse, active: bool, by) -> Warehouse:
    account = warehouse.account
    if not active and account.default_warehouse_id == warehouse.pk:
        raise DomainError(f"{warehouse.name} is the account's default warehouse: choose another default first.")
    if warehouse.is_active != active:
        Warehouse.objects.filter(pk=warehouse.pk).update(is_active=active)
        warehouse.is_active = active
        activity_log(
            account=account,
            by=by,
            action="warehouse.enabled" if active else "warehouse.disabled",
            summary=str(warehouse),
        )
    return warehouse


@transaction.atomic
def warehouse_delete(*, warehouse: Warehouse, by) -> None:
    """Delete a warehouse no order and no stock ever used; else refuse, naming how many use it."""
    from inventory.models import StockMovement
    from orders.selectors import orders_using, used_by_orders

    account = warehouse.account
    if account.default_warehouse_id == warehouse.pk:
        raise DomainError(f"{warehouse.name} is the account's default warehouse: choose another default first.")
    if StockMovement.objects.filter(warehouse=warehouse).exists():
        raise DomainError(f"Warehouse {warehouse.name} has stock history: deactivate it instead.")
    # Orders protect their warehouse: the delete's own check finds them (orders have no index on it: most
    # orders have a warehouse), and they are counted only to say how many.
    try:
        with transaction.atomic():
            Warehouse.objects.filter(pk=warehouse.pk).delete()
    except ProtectedError:
        count = orders_using(field="warehouse", value=warehouse.pk)
        raise DomainError(used_by_orders(what=f"Warehouse {warehouse.name}", count=count)) from None
    activity_log(account=account, by=by, action="warehouse.deleted", summary=f"Deleted warehouse {warehouse}")


# Account roles (django-guardian object permissions)


@transaction.atomic
def account_role_grant(*, account: Account, organization, email: str, role: str, by) -> User:
    """Give a member of the organization a role on the account, replacing any role they had. Anyone else is
    invited instead (accounts.invitations), so this never makes a user a member."""
    if role not in roles.ROLE_PERMS:
        raise DomainError("Choose a role.", field="role")
    user = member_by_email(organization=organization, email=email)
    if user is None:
        raise DomainError("Only members of this organization can be given a role directly.", field="email")
    if user.is_superuser or Membership.objects.filter(
        user=user, organization=organization, role__in=[Membership.Role.ADMIN, Membership.Role.SUPERVISOR]
    ).exists():
        raise DomainError(
            f"{user.email} already reaches every account of the organization; no account role is needed.",
            field="email",
        )
    perms = account_permission_objects()
    UserObjectPermission.objects.filter(
        user=user, content_type=perms[roles.VIEW].content_type, object_pk=str(account.pk)
    ).delete()
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=user, permission=perms[code], content_type=perms[code].content_type, object_pk=str(account.pk)
            )
            for code in roles.ROLE_PERMS[role]
        ]
    )
    user.__dict__.pop("_account_caps_cache", None)
    activity_log(
        account=account,
        by=by,
        action="user.role_granted",
        summary=f"{user.email} is now {roles.AccountRole(role).label}",
    )
    return user


@transaction.atomic
def account_role_revoke(*, account: Account, user: User, by) -> None:
    perms = account_permission_objects()
    deleted, _ = UserObjectPermission.objects.filter(
        user=user, content_type=perms[roles.VIEW].content_type, object_pk=str(account.pk)
    ).delete()
    if deleted:
        user.__dict__.pop("_account_caps_cache", None)
        activity_log(account=account, by=by, action="user.role_revoked", summary=f"{user.email} has no access")


# Recurring jobs

CHANNEL_JOBS = {
    RecurringJob.JobType.IMPORT_ORDERS: ("supports_order_import", "import orders"),
    RecurringJob.JobType.IMPORT_PRODUCTS: ("supports_product_import", "import products"),
    RecurringJob.JobType.SYNC_INVENTORY: ("supports_inventory_updates", "receive inventory"),
    RecurringJob.JobType.SYNC_SHIPMENTS: ("supports_shipments", "exchange shipments"),
}
RECURRING_JOB_EDITABLE = ["job_type", "channel", "interval_minutes", "cron", "is_enabled", "next_run_at"]


def _check_recurring_job(job: RecurringJob) -> None:
    if job.job_type not in RecurringJob.JobType.values:
        raise DomainError("Choose a job type.", field="job_type")
    job.cron = " ".join((job.cron or "").split())
    if bool(job.interval_minutes) == bool(job.cron):
        raise DomainError("Give either an interval in minutes or a cron schedule, not both.", field="interval_minutes")
    if job.cron:
        fields = job.cron.split(" ")
        if len(fields) != 5:
            raise DomainError("A cron schedule has five fields: minute hour day month weekday.", field="cron")
        try:
            crontab(minute=fields[0], hour=fields[1], day_of_month=fields[2], month_of_year=fields[3],
                    day_of_week=fields[4])
        except (ValueError, KeyError) as exc:
            raise DomainError(f"That cron schedule is not valid: {exc}.", field="cron") from None
    needed = CHANNEL_JOBS.get(job.job_type)
    if needed is not None:
        capability, verb = needed
        if job.channel is None:
            raise DomainError("This job acts on a channel: choose one.", field="channel")
        if not getattr(job.channel, capability):
            raise DomainError(f"{job.channel.name} cannot {verb}.", field="channel")
    if job.channel is not None and job.channel.account_id != job.account_id:
        raise DomainError("That channel does not belong to this account.", field="channel")


@transaction.atomic
def recurring_job_save(*, job: RecurringJob, by) -> RecurringJob:
    """Create or edit a job. A new (or re-enabled) job is due at once; a changed schedule applies from now.
    An edit writes only the editable fields, never the runtime's lease or last-run columns."""
    from accounts.jobs.schedule import next_scheduled_run

    created = job.pk is None
    _check_recurring_job(job)
    before = None if created else RecurringJob.objects.filter(pk=job.pk).values("interval_minutes", "cron").first()
    if not job.is_enabled:
        job.next_run_at = None
    elif job.next_run_at is None:
        job.next_run_at = timezone.now()
    elif before and (before["interval_minutes"], before["cron"]) != (job.interval_minutes, job.cron):
        job.next_run_at = next_scheduled_run(job, after=timezone.now())  # the new schedule counts from now
    if created:
        job.save()
    else:
        job.save(update_fields=RECURRING_JOB_EDITABLE)
    activity_log(
        account=job.account,
        by=by,
        action="recurring_job.created" if created else "recurring_job.updated",
        summary=str(job),
    )
    return job


@transaction.atomic
def recurring_job_set_enabled(*, job: RecurringJob, enabled: bool, by) -> RecurringJob:
    if job.is_enabled != enabled:
        job.is_enabled = enabled
        job.next_run_at = timezone.now() if enabled else None
        job.save(update_fields=["is_enabled", "next_run_at"])
        activity_log(
            account=job.account,
            by=by,
            action="recurring_job.enabled" if enabled else "recurring_job.disabled",
            summary=str(job),
        )
    return job


@transaction.atomic
def recurring_job_delete(*, job: RecurringJob, by) -> None:
    activity_log(account=job.account, by=by, action="recurring_job.deleted", summary=str(job))
    job.delete()
