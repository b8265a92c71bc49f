import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import Account
from orders.models import OrderRule


def run(*args):
    out = StringIO()
    call_command("clone_account", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_clone_account_prints_json_with_the_counts(world):
    OrderRule.objects.create(account=world.store, position=1, name="Hold", actions=[{"type": "hold"}])
    data = json.loads(run("--org", "acme", "--source", world.store.code, "--name", "Shell Copy", "--json",
                          "--with-users"))
    connection.set_tenant(world.org)
    clone = Account.objects.get(code=data["code"])
    assert clone.name == "Shell Copy" and data["copied"]["order rules"] == 1
    assert data["copied"]["users with access"] == 3 and data["api_key"].startswith("oms_")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--org", "nope", "--source", "X", "--name", "Y"], "No organization"),
        (["--org", "acme", "--source", "NOPE", "--name", "Y"], "no account with the code"),
        (["--org", "acme", "--source", "ACME-STORE", "--name", "Acme Corporation Outlet"], "already exists"),
    ],
)
def test_bad_input_is_one_clear_line_and_creates_nothing(world, args, message):
    before = Account.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    connection.set_tenant(world.org)
    assert Account.objects.count() == before
