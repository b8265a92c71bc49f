"""Words for what would otherwise show as a code: activity-log kinds and changed fields."""

from django.db import models
from django.utils.text import capfirst

ACTIVITY_LABELS = {
    "account.created": "Account created",
    "account.enabled": "Account enabled",
    "account.disabled": "Account disabled",
    "account.cloned_from": "Account cloned from another",
    "account.cloned_to": "Account cloned to another",
    "api_key.rotated": "API key rotated",
    "settings.updated": "Settings changed",
    "warehouse.created": "Warehouse added",
    "warehouse.updated": "Warehouse changed",
    "warehouse.enabled": "Warehouse enabled",
    "warehouse.disabled": "Warehouse disabled",
    "user.role_granted": "Role granted",
    "user.role_revoked": "Role revoked",
    "user.invited": "Person invited",
    "user.invitation_accepted": "Invitation accepted",
    "user.invitation_revoked": "Invitation revoked",
    "recurring_job.created": "Recurring job added",
    "recurring_job.updated": "Recurring job changed",
    "recurring_job.enabled": "Recurring job enabled",
    "recurring_job.disabled": "Recurring job disabled",
    "recurring_job.deleted": "Recurring job deleted",
    "recurring_job.run_now": "Recurring job run by hand",
    "order_rule.created": "Order rule added",
    "order_rule.updated": "Order rule changed",
    "order_rule.enabled": "Order rule enabled",
    "order_rule.disabled": "Order rule disabled",
    "order_rule.moved": "Order rule moved",
    "order_rule.deleted": "Order rule deleted",
    "channel.retention_updated": "Channel retention changed",
    "channel.stock_pushes_paused": "Stock pushes paused",
    "channel.stock_pushes_resumed": "Stock pushes resumed",
    "privacy.redacted": "Personal data redacted",
}

# Where a field's verbose name alone would read oddly in "Changed the …".
FIELD_WORDS = {"size_unit": "size unit", "volume_unit": "volume unit", "weight_unit": "weight unit",
               "pii_retention_days": "personal data retention"}


def activity_label(action: str) -> str:
    """"user.role_granted" -> "Role granted"; an unknown kind still reads as words."""
    if action in ACTIVITY_LABELS:
        return ACTIVITY_LABELS[action]
    return capfirst(action.replace(".", " ").replace("_", " "))


def words_joined(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def field_words(model: type[models.Model], name: str) -> str:
    if name in FIELD_WORDS:
        return FIELD_WORDS[name]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except models.FieldDoesNotExist:
        return name.replace("_", " ")


def fields_in_words(model: type[models.Model], names) -> str:
    """("default_warehouse", "size_unit") -> "the default warehouse and the size unit", in the model's order."""
    order = {field.name: index for index, field in enumerate(model._meta.get_fields())}
    names = sorted(names, key=lambda name: (order.get(name, len(order)), name))
    return words_joined([f"the {field_words(model, name)}" for name in names])
