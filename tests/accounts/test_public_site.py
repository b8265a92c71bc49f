"""The public site, where system administrators list, create and edit organizations."""

from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_exists

from accounts.tenancy.models import Domain, Membership, Organization
from tests.factories import UserFactory


def public_client(user=None) -> Client:
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    return client


def test_system_admin_creates_an_organization_with_its_schema_domain_and_admin(system_admin):
    client = public_client(system_admin)
    response = client.post(
        reverse("public:organization_create", urlconf="oms.urls_public"),
        {"name": "Initech", "slug": "initech", "admin_email": "boss@initech.test", "admin_password": "a-long-pass-77"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(slug="initech")
    assert schema_exists("initech")
    assert Domain.objects.get(tenant=org).domain == "initech.localhost"
    assert Membership.objects.get(organization=org).role == Membership.Role.ADMIN
    listing = client.get(reverse("public:organization_list", urlconf="oms.urls_public")).content.decode()
    assert "Initech" in listing and "initech.localhost" in listing


def test_bad_slug_is_a_form_error_and_creates_nothing(system_admin):
    client = public_client(system_admin)
    before = Organization.objects.count()
    for slug in ("Bad Slug", "public", "acme"):
        response = client.post(
            reverse("public:organization_create", urlconf="oms.urls_public"), {"name": f"Org {slug}", "slug": slug}
        )
        assert response.status_code == 422, slug
    assert Organization.objects.count() == before


def test_a_weak_admin_password_leaves_no_organization_behind(system_admin):
    client = public_client(system_admin)
    response = client.post(
        reverse("public:organization_create", urlconf="oms.urls_public"),
        {"name": "Weakling", "slug": "weakling", "admin_email": "w@weak.test", "admin_password": "123"},
    )
    assert response.status_code == 422
    assert not Organization.objects.filter(slug="weakling").exists()
    assert not schema_exists("weakling")


def test_organization_members_cannot_use_the_public_site(world):
    client = public_client(world.admin)
    assert client.get(reverse("public:organization_list", urlconf="oms.urls_public")).status_code == 404


def test_anonymous_public_visitor_is_asked_to_sign_in(db):
    response = public_client().get(reverse("public:organization_list", urlconf="oms.urls_public"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_system_admins_sign_in_on_the_public_site(world, system_admin):
    client = public_client()
    refused = client.post("/login/", {"username": world.admin.email, "password": "correct-horse-battery"})
    assert refused.status_code == 200
    ok = public_client().post("/login/", {"username": system_admin.email, "password": "correct-horse-battery"})
    assert ok.status_code == 302


def test_a_disabled_organization_answers_404_to_its_members(world, system_admin):
    client = public_client(system_admin)
    client.post(
        reverse("public:organization_edit", urlconf="oms.urls_public", args=[world.org.pk]),
        {"form": "edit", "name": world.org.name},
    )
    world.org.refresh_from_db()
    assert world.org.is_active is False
    assert world.client_for(world.admin).get(reverse("organization")).status_code == 404
    assert world.client_for(None).get(reverse("login")).status_code == 404


def test_account_can_be_disabled_and_enabled_by_org_admins(world):
    client = world.client_for(world.supervisor)
    client.post(reverse("account_set_active", args=[world.store.pk]), {"active": "0", "confirmed": "yes"})
    world.store.refresh_from_db()
    assert world.store.is_active is False
    client.post(reverse("account_set_active", args=[world.store.pk]), {"active": "1"})
    world.store.refresh_from_db()
    assert world.store.is_active is True
    assert world.client_for(world.account_admin).post(
        reverse("account_set_active", args=[world.store.pk]), {"active": "0", "confirmed": "yes"}
    ).status_code == 403


def test_adding_a_member_invites_new_and_existing_users_alike(world):
    client = world.client_for(world.admin)
    UserFactory(email="existing@example.com")
    for email in ("x@example.com", "existing@example.com"):
        response = client.post(reverse("member_add"), {"email": email, "role": "supervisor"})
        assert response.status_code == 302
    assert not Membership.objects.filter(user__email__in=["x@example.com", "existing@example.com"]).exists()
