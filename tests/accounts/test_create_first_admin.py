"""manage.py create_first_admin: the first system administrator once, with a generated password shown once (or
one from ADMIN_PASSWORD); an existing administrator is kept; bad input exits with one line and makes nothing."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tenancy.models import User
from tests.factories import PASSWORD, UserFactory, login_request


@pytest.fixture
def fresh_install(db, monkeypatch):
    """No active system administrator (committed ones from other tests are switched off inside this test's
    transaction) and no ADMIN_PASSWORD."""
    connection.set_schema_to_public()
    User.objects.filter(is_superuser=True).update(is_active=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_first_admin", "--no-input", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_generated_password_is_printed_once_and_signs_in(fresh_install):
    output = run("--email", "Root@Example.com")

    password = re.search(r"Password \(shown only this once; change it after signing in\): (\S+)", output).group(1)
    user = User.objects.get(email="root@example.com")
    assert user.is_superuser and user.is_staff and user.is_active
    assert len(password) >= 20 and user.check_password(password)
    assert authenticate(login_request(), username="root@example.com", password=password) == user

    again = run("--email", "other@example.com")
    assert "already exists (root@example.com); nothing changed" in again and password not in again
    assert not User.objects.filter(email="other@example.com").exists()
    assert User.objects.filter(is_superuser=True, is_active=True).count() == 1


def test_the_password_from_admin_password_is_used_and_not_printed(fresh_install, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-chosen-pass-41")
    output = run("--email", "root@example.com")
    assert "a-long-chosen-pass-41" not in output and "Created system administrator root@example.com." in output
    assert User.objects.get(email="root@example.com").check_password("a-long-chosen-pass-41")


def test_an_existing_user_is_promoted_and_keeps_their_password(fresh_install):
    user = UserFactory(email="ops@example.com")
    output = run("--email", "ops@example.com")
    user.refresh_from_db()
    assert "ops@example.com is now a system administrator (password unchanged)." in output
    assert user.is_superuser and user.check_password(PASSWORD)


@pytest.mark.parametrize(("args", "password", "message"), [
    (["--email", "not-an-email"], None, "Enter a valid email address for the system administrator."),
    (["--email", "root@example.com"], "123", "This password is too short"),
])
def test_bad_input_is_one_line_and_creates_nobody(fresh_install, monkeypatch, args, password, message):
    if password is not None:
        monkeypatch.setenv("ADMIN_PASSWORD", password)
    before = User.objects.count()
    with pytest.raises(CommandError) as failure:
        run(*args)
    assert message in str(failure.value) and "\n" not in str(failure.value)
    assert User.objects.count() == before
