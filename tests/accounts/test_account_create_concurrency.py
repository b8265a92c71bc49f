"""Two administrators creating an account with the same name at the same moment: exactly one wins."""

from django.db import connection

from accounts.models import Account
from accounts.services import account_create
from oms.exceptions import DomainError
from tests.concurrency import run_in_parallel


def test_parallel_creations_with_one_name_make_exactly_one_account(committed_org):
    for round_no in range(5):
        name = f"Twin Store {round_no}"
        calls = [lambda n=name, i=i: account_create(name=n if i % 2 else n.upper(), by=None) for i in range(4)]
        results = run_in_parallel(committed_org, calls)
        outcomes = [kind for kind, _ in results]
        assert outcomes.count("ok") == 1, results
        errors = [value for kind, value in results if kind == "error"]
        assert all(isinstance(e, DomainError) and "already exists" in e.message for e in errors), errors
        connection.set_tenant(committed_org)
        assert Account.objects.filter(name__iexact=name).count() == 1
