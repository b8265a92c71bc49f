"""One password policy (settings.AUTH_PASSWORD_VALIDATORS) at every door where a password is set: the public
site's organization and member forms, create_organization, invitation acceptance, and the demo's password."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_exists

from accounts import demo
from accounts.tenancy.models import Membership, Organization, User
from accounts.tenancy.services import password_validate
from oms.exceptions import DomainError

WEAK = ["password", "12345678", "short1"]


def public_client(user) -> Client:
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.mark.parametrize("weak", WEAK)
def test_the_policy_refuses_common_numeric_and_short_passwords(db, weak):
    with pytest.raises(DomainError) as error:
        password_validate(password=weak, email="someone@example.com")
    assert error.value.field == "password"
    assert "too" in error.value.message or "numeric" in error.value.message


def test_the_policy_refuses_a_password_like_the_email(db):
    with pytest.raises(DomainError, match="too similar"):
        password_validate(password="kitesurfer", email="kitesurfer@example.com")
    password_validate(password="kite-harbour-91", email="kitesurfer@example.com")


def test_the_demo_password_meets_the_policy_for_every_demo_user(db):
    for user in demo.DEMO_USERS:
        password_validate(password=demo.DEMO_PASSWORD, email=user.email, full_name=user.full_name)


@pytest.mark.parametrize("weak", WEAK)
def test_public_site_refuses_a_weak_first_administrator_password(system_admin, weak):
    response = public_client(system_admin).post(
        reverse("public:organization_create", urlconf="oms.urls_public"),
        {"name": "Weakling", "slug": "weakling", "admin_email": "w@weak.example.com", "admin_password": weak},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["admin_password"]
    assert not Organization.objects.filter(slug="weakling").exists()
    assert not schema_exists("weakling")
    assert not User.objects.filter(email="w@weak.example.com").exists()


@pytest.mark.parametrize("weak", WEAK)
def test_public_site_member_form_refuses_a_weak_password_for_a_new_user(world, system_admin, weak):
    response = public_client(system_admin).post(
        reverse("public:organization_edit", args=[world.org.pk], urlconf="oms.urls_public"),
        {"form": "member", "email": "fresh@example.com", "role": "member", "password": weak},
    )
    assert response.status_code == 422
    assert response.context["member_form"].errors["password"]
    assert not User.objects.filter(email="fresh@example.com").exists()


@pytest.mark.parametrize("weak", ["password", "12345678"])
def test_create_organization_refuses_a_weak_admin_password_in_one_line(db, weak):
    with pytest.raises(CommandError) as error:
        call_command("create_organization", name="Weak Corp", slug="weak-corp",
                     admin_email="boss@weak.example.com", admin_password=weak)
    assert "\n" not in str(error.value) and "common" in str(error.value)
    assert not Organization.objects.filter(slug="weak-corp").exists()
    assert not User.objects.filter(email="boss@weak.example.com").exists()


@pytest.mark.parametrize("weak", WEAK)
def test_invitation_acceptance_refuses_a_weak_password(world, weak):
    world.client_for(world.admin).post(reverse("member_add"), {"email": "joiner@example.com", "role": "member"})
    path = re.search(r"/invitations/\S+/", mail.outbox[0].body).group(0)
    response = world.client_for(None).post(path, {"password": weak, "password_again": weak})
    assert response.status_code == 422
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(email="joiner@example.com").exists()


def test_the_users_tab_no_longer_sets_passwords(world):
    """It used to create users with any 8 characters, "password" and "12345678" included."""
    client = world.client_for(world.admin)
    for weak in ("password", "12345678"):
        client.post(reverse("account_settings", args=[world.store.pk, "users"]),
                    {"email": f"{weak}@example.com", "role": "agent", "password": weak})
        assert not User.objects.filter(email=f"{weak}@example.com").exists()
        assert not Membership.objects.filter(user__email=f"{weak}@example.com").exists()
