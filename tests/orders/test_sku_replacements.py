"""Declaring a replacement SKU: through one service, from the command; bad input is one line and changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Variant


def run(world, *args):
    out = StringIO()
    call_command("sku_replacement", "--org", world.org.schema_name, "--account", world.store.code, *args, stdout=out)
    return out.getvalue()


def test_declare_and_clear_a_replacement(shop, world):
    assert "TEE-1 is now replaced by TEE-3." in run(world, "--sku", "TEE-1", "--replaced-by", "TEE-3")
    assert Variant.objects.get(sku="TEE-1").replaced_by.sku == "TEE-3"
    assert "TEE-1 has no replacement." in run(world, "--sku", "TEE-1", "--clear")
    assert Variant.objects.get(sku="TEE-1").replaced_by is None


@pytest.mark.parametrize("args, message", [
    (["--sku", "NOPE", "--replaced-by", "TEE-3"], "This account has no SKU NOPE."),
    (["--sku", "TEE-1", "--replaced-by", "NOPE"], "This account has no SKU NOPE."),
    (["--sku", "TEE-1", "--replaced-by", "TEE-1"], "TEE-1 cannot replace itself."),
])
def test_bad_input_is_refused_in_one_line(shop, world, args, message):
    with pytest.raises(CommandError, match=message):
        run(world, *args)
    assert not Variant.objects.filter(replaced_by__isnull=False).exists()


def test_two_skus_cannot_replace_each_other(shop, world):
    run(world, "--sku", "TEE-1", "--replaced-by", "TEE-3")
    with pytest.raises(CommandError, match="TEE-1 is already replaced by TEE-3"):
        run(world, "--sku", "TEE-3", "--replaced-by", "TEE-1")
