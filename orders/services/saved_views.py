"""A user's saved views of an account's order list: save the current filters and sort under a name, delete."""

from django.db import IntegrityError, transaction

from oms.exceptions import DomainError
from orders.models import SavedView

NAME_MAX = 100


def saved_view_create(*, account, user, name: str, query: str) -> SavedView:
    """Save `query` (the list's filters and sort, already cleaned by the list's form) as `name` for `user`."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the view a name.", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"A view's name has at most {NAME_MAX} characters.", field="name")
    if len(query) > SavedView._meta.get_field("query").max_length:
        raise DomainError("These filters are too long to save.", field="query")
    if SavedView.objects.filter(account=account, user=user, name=name).exists():
        raise DomainError(f"You already have a view named “{name}”.", field="name")
    try:
        with transaction.atomic():
            return SavedView.objects.create(account=account, user=user, name=name, query=query)
    except IntegrityError:  # the same name saved at the same moment
        raise DomainError(f"You already have a view named “{name}”.", field="name") from None


def saved_view_delete(*, view: SavedView) -> None:
    SavedView.objects.filter(pk=view.pk, account=view.account_id, user=view.user_id).delete()
