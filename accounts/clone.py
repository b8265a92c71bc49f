"""Cloning an account as a template for a new one, in one transaction (the only way accounts are cloned).

Copied: Main settings except name, code and API key (a new code is derived, a new key generated and shown
once); Workflow, Privacy and API validation rules; warehouses (definitions, no stock), with the default
warehouse pointing at its copy; recurring job definitions, disabled; order rules; user access only when asked.
Not copied: sales and purchase orders, inventory, sales and fulfillment channels (and what hangs on them),
products, the catalog's pricing (shipping methods, tax jurisdictions, promotions) and logs. A setting that
pointed at something not copied (the master product channel) is cleared and listed.

Order rules that reference users, product variants, channels or shipping methods are copied inactive and
marked *needs review*: references to rows that were not copied are emptied (the rule's edit page asks for
new ones); user references are kept but must still be confirmed, since the user may not have access to the
new account. Warehouse references point at the copies. A rule without such references is copied as it was.

The number of queries does not depend on how many warehouses, jobs or rules the account has.
"""

from __future__ import annotations

from datetime import timedelta
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts.api_keys import api_key_generate
from accounts.choices import API_RULE_FIELDS, MasterProductSource
from accounts.models import Account, AccountCloneRequest, ActivityLog, Notification, RecurringJob, Warehouse
from accounts.services import account_name_check_free, account_integrity_error, account_code_derive, activity_log
from channels.models import Channel
from inventory.models import StockLevel
from oms.exceptions import DomainError
from orders.models import Order, OrderRule, Product
from orders.rules import ACTIONS, CONDITIONS, REVIEW_REFS

COPIED_FIELDS = [
    "timezone",
    "currency",
    "license_type",
    "size_unit",
    "volume_unit",
    "weight_unit",
    "auto_sales_order_workflow",
    "auto_purchase_order_workflow",
    "inventory_realtime_updates",
    "pii_retention_days",
    *API_RULE_FIELDS,
]
REF_LABELS = {
    "channel": "sales channel",
    "fulfillment_channel": "fulfillment channel",
    "variant": "SKU",
    "user": "user",
    "shipping_method": "shipping method",
}

Progress = Callable[[int, str], None]


@dataclass
class CloneReport:
    copied: dict[str, int] = field(default_factory=dict)
    not_copied: dict[str, int] = field(default_factory=dict)
    cleared: list[str] = field(default_factory=list)
    rules_to_review: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _rule_needs_review(rule: OrderRule) -> bool:
    for entries, types in ((rule.conditions, CONDITIONS), (rule.actions, ACTIONS)):
        for entry in entries:
            kind = types.get(entry.get("type", ""))
            if kind is not None and kind.ref in REVIEW_REFS:
                return True
    return False


def _cleared_settings(source: Account) -> list[str]:
    if source.master_product_source != MasterProductSource.OMS:
        return [
            f"Master product source was {source.get_master_product_source_display().lower()}"
            f" “{source.master_product_channel}”: channels are not copied, so it is set back to this system."
        ]
    return []


def account_clone_preview(*, source: Account, with_users: bool = False) -> CloneReport:
    """What a clone of `source` would copy and leave behind, with counts (a fixed number of queries)."""
    rules = list(OrderRule.objects.filter(account=source).only("conditions", "actions"))
    orders = dict(
        Order.objects.filter(account=source).values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    channels = dict(
        Channel.objects.filter(account=source).values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    users = UserObjectPermission.objects.filter(
        content_type__app_label="accounts", content_type__model="account", object_pk=str(source.pk)
    ).values("user_id").distinct().count()
    return CloneReport(
        copied={
            "main, workflow, privacy and API validation settings": len(COPIED_FIELDS),
            "warehouses (without stock)": Warehouse.objects.filter(account=source).count(),
            "recurring jobs (disabled)": RecurringJob.objects.filter(account=source).count(),
            "order rules": len(rules),
            "users with access": users if with_users else 0,
        },
        not_copied={
            "sales orders": orders.get(Order.Kind.SALES, 0),
            "purchase orders": orders.get(Order.Kind.PURCHASE, 0),
            "inventory levels": StockLevel.objects.filter(account=source).count(),
            "sales channels": channels.get(Channel.Kind.SALES, 0),
            "fulfillment channels": channels.get(Channel.Kind.FULFILLMENT, 0),
            "products": Product.objects.filter(account=source).count(),
            "log entries": ActivityLog.objects.filter(account=source).count(),
            "users with access": 0 if with_users else users,
        },
        cleared=_cleared_settings(source),
        rules_to_review=sum(1 for rule in rules if _rule_needs_review(rule)),
    )


def _copy_entries(entries: list[dict], types, warehouse_ids: dict[int, int], cleared: list[str]) -> list[dict]:
    copied = []
    for entry in entries:
        item = dict(entry)
        kind = types.get(entry.get("type", ""))
        if kind is not None and kind.ref == "warehouse" and entry.get("id") in warehouse_ids:
            item["id"] = warehouse_ids[entry["id"]]
        elif kind is not None and kind.ref in REVIEW_REFS and kind.ref != "user":
            item["id"] = None
            cleared.append(f"{kind.label.lower()}: its {REF_LABELS[kind.ref]} was not copied, choose one")
        elif kind is not None and kind.ref == "user":
            cleared.append(f"{kind.label.lower()}: check the user has access to this account")
        copied.append(item)
    return copied


def account_clone(
    *, source: Account, name: str, by, with_users: bool = False, progress: Progress | None = None
) -> tuple[Account, str, CloneReport]:
    """Clone `source` into a new account called `name`. Returns it, its plain API key (show once) and
    the report of what was copied. All or nothing."""
    step = progress or (lambda percent, phase: None)
    report = account_clone_preview(source=source, with_users=with_users)
    name = account_name_check_free(name)
    step(5, "Checked the name")
    try:
        with transaction.atomic():
            plain, prefix, hashed = api_key_generate()
            account = Account(
                name=name,
                code=account_code_derive(name),
                api_key_prefix=prefix,
                api_key_hash=hashed,
                **{f: getattr(source, f) for f in COPIED_FIELDS},
            )
            try:
                with transaction.atomic():
                    account.save()
            except IntegrityError as exc:
                raise account_integrity_error(exc) from None
            step(15, "Created the account")

            sources = list(Warehouse.objects.filter(account=source).order_by("id"))
            copies = Warehouse.objects.bulk_create(
                [
                    Warehouse(
                        account=account, name=w.name, code=w.code, address_line1=w.address_line1, city=w.city,
                        postal_code=w.postal_code, country=w.country, is_active=w.is_active,
                    )
                    for w in sources
                ]
            )
            warehouse_ids = {old.pk: new.pk for old, new in zip(sources, copies)}
            if source.default_warehouse_id in warehouse_ids:
                account.default_warehouse_id = warehouse_ids[source.default_warehouse_id]
                Account.objects.filter(pk=account.pk).update(default_warehouse_id=account.default_warehouse_id)
            step(35, f"Copied {len(copies)} warehouses")

            RecurringJob.objects.bulk_create(
                [
                    RecurringJob(
                        account=account, job_type=job.job_type, channel=None, interval_minutes=job.interval_minutes,
                        cron=job.cron, is_enabled=False,
                    )
                    for job in RecurringJob.objects.filter(account=source).order_by("id")
                ]
            )
            step(50, "Copied the recurring jobs (disabled)")

            new_rules = []
            for rule in OrderRule.objects.filter(account=source).order_by("position", "id"):
                review = _rule_needs_review(rule)
                notes: list[str] = []
                conditions = _copy_entries(rule.conditions, CONDITIONS, warehouse_ids, notes)
                actions = _copy_entries(rule.actions, ACTIONS, warehouse_ids, notes)
                new_rules.append(
                    OrderRule(
                        account=account, position=rule.position, name=rule.name, conditions=conditions,
                        actions=actions, is_active=rule.is_active and not review, needs_review=review,
                        review_note=("; ".join(dict.fromkeys(notes)).capitalize() + ".")[:500] if review else "",
                    )
                )
            OrderRule.objects.bulk_create(new_rules, batch_size=1000)
            step(80, f"Copied {len(new_rules)} order rules")

            if with_users:
                UserObjectPermission.objects.bulk_create(
                    [
                        UserObjectPermission(
                            user_id=p.user_id, permission_id=p.permission_id, content_type_id=p.content_type_id,
                            object_pk=str(account.pk),
                        )
                        for p in UserObjectPermission.objects.filter(
                            content_type__app_label="accounts", content_type__model="account",
                            object_pk=str(source.pk),
                        )
                    ]
                )
            step(90, "Copied user access" if with_users else "Left user access out")

            summary = f"Cloned from {source.name} ({source.code})"
            activity_log(account=account, by=by, action="account.cloned_from", summary=summary,
                         changes={"source": source.code, **report.as_dict()})
            activity_log(account=source, by=by, action="account.cloned_to",
                         summary=f"Cloned into {account.name} ({account.code})", changes={"clone": account.code})
    except IntegrityError as exc:  # the name taken by a clone committed a moment earlier
        raise account_integrity_error(exc) from None
    step(100, "Done")
    return account, plain, report


# Requests: small clones run at once, large ones in the background with progress ----------------------

BACKGROUND_THRESHOLD = 300  # warehouses + recurring jobs + order rules


def _progress_key(request_id: int) -> str:
    return f"account-clone:{request_id}"


def account_clone_progress(*, clone_request: AccountCloneRequest) -> tuple[int, str]:
    """Percent done and the phase, from the worker's last report (cache) or the stored final state."""
    if clone_request.status in (AccountCloneRequest.Status.DONE, AccountCloneRequest.Status.FAILED):
        return clone_request.progress, clone_request.phase
    live = cache.get(_progress_key(clone_request.pk)) or {}
    return live.get("percent", clone_request.progress), live.get("phase", clone_request.phase or "Waiting to start")


def account_clone_request(*, source: Account, name: str, with_users: bool, by) -> tuple[AccountCloneRequest, str]:
    """Ask for a clone. Returns the request and, when it ran at once, the new account's plain API key."""
    account_name_check_free(name)
    clone_request = AccountCloneRequest.objects.create(
        source=source, name=name, with_users=with_users, requested_by=by if getattr(by, "pk", None) else None
    )
    size = (
        Warehouse.objects.filter(account=source).count()
        + RecurringJob.objects.filter(account=source).count()
        + OrderRule.objects.filter(account=source).count()
    )
    if size > BACKGROUND_THRESHOLD:
        from accounts.tasks import account_clone_task

        transaction.on_commit(lambda: account_clone_task.delay(clone_request.pk))
        return clone_request, ""
    return account_clone_run(request_id=clone_request.pk)


STALE_RUN = timedelta(minutes=15)  # a run older than this lost its worker: the next delivery takes it over


def account_clone_run(*, request_id: int) -> tuple[AccountCloneRequest, str]:
    """Run a queued request once (a second call for the same request does nothing) and notify its author.
    A request left "running" by a worker that died (late acknowledgement redelivers its message) is taken
    over once it is older than STALE_RUN; the clone itself is one transaction, so the dead run left nothing."""
    Status = AccountCloneRequest.Status
    claimed = (
        AccountCloneRequest.objects.filter(pk=request_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, created_at__lt=timezone.now() - STALE_RUN))
        .update(status=Status.RUNNING, phase="Starting")
    )
    clone_request = AccountCloneRequest.objects.select_related("source", "requested_by").get(pk=request_id)
    if not claimed:
        return clone_request, ""

    def progress(percent: int, phase: str) -> None:
        cache.set(_progress_key(request_id), {"percent": percent, "phase": phase}, timeout=3600)

    plain = ""
    try:
        account, plain, report = account_clone(
            source=clone_request.source, name=clone_request.name, by=clone_request.requested_by,
            with_users=clone_request.with_users, progress=progress,
        )
    except DomainError as error:
        clone_request.status, clone_request.error = AccountCloneRequest.Status.FAILED, error.message
        clone_request.phase = "Failed"
        message, level, url = f"Cloning {clone_request.source.name} failed: {error.message}", "error", ""
    else:
        clone_request.status, clone_request.new_account = AccountCloneRequest.Status.DONE, account
        clone_request.result, clone_request.progress, clone_request.phase = report.as_dict(), 100, "Done"
        review = f", {report.rules_to_review} order rules to review" if report.rules_to_review else ""
        message = f"{clone_request.source.name} was cloned into {account.name}{review}."
        level, url = "success", reverse("account_overview", args=[account.pk])
    clone_request.finished_at = timezone.now()
    clone_request.save()
    if clone_request.requested_by_id:
        Notification.objects.create(user_id=clone_request.requested_by_id, level=level, message=message, url=url)
    return clone_request, plain
