"""Two clones asking for the same new name at the same moment: exactly one wins, the other is told why."""

from django.db import connection

from accounts.clone import account_clone
from accounts.models import Account
from accounts.services import account_create, warehouse_create
from oms.exceptions import DomainError
from tests.concurrency import run_in_parallel


def test_parallel_clones_with_one_name_make_exactly_one_account(committed_org):
    connection.set_tenant(committed_org)
    source, _ = account_create(name="Template", by=None)
    for i in range(3):
        warehouse_create(account=source, by=None, name=f"W{i}", code=f"W{i}")
    for round_no in range(3):
        name = f"Twin Clone {round_no}"
        results = run_in_parallel(
            committed_org,
            [lambda n=name: account_clone(source=Account.objects.get(pk=source.pk), name=n, by=None) for _ in range(3)],
        )
        assert [kind for kind, _ in results].count("ok") == 1, results
        errors = [value for kind, value in results if kind == "error"]
        assert all(isinstance(e, DomainError) and "already exists" in e.message for e in errors), errors
        connection.set_tenant(committed_org)
        clone = Account.objects.get(name=name)
        assert clone.warehouses.count() == 3
