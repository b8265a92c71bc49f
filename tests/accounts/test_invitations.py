"""Inviting: the Users tab and the organization's "Add a member" answer the same for an unknown email and a
user of another organization, nobody becomes a member until they accept the emailed link, and the link
works once, before it expires, on its own organization only."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivityLog
from accounts.roles import AccountRole
from accounts.selectors import account_users, accounts_for_user
from accounts.tenancy.models import Invitation, Membership, User
from tests import factories
from tests.conftest import in_tenant
from tests.factories import PASSWORD, totp_code, two_factor_on

UNKNOWN = "newcomer@example.com"


@pytest.fixture
def elsewhere(world, other_world) -> User:
    """A user who belongs only to the other organization."""
    in_tenant(other_world.org)
    user = factories.member(email="rival-agent@rival.example.com", first_name="Rita", last_name="Rival")
    in_tenant(world.org)
    return user


def users_tab(world):
    return reverse("account_settings", args=[world.store.pk, "users"])


def invite(world, email, role="agent", by=None):
    client = world.client_for(by or world.account_admin)
    return client.post(users_tab(world), {"email": email, "role": role}, follow=True)


def link_in(message) -> str:
    """The path of the invitation link in an email, checked to be on the organization's host."""
    url = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)
    host, path = re.match(r"https?://([^/]+)(/.*)", url).groups()
    assert host.split(":")[0] == "acme.localhost"
    return path


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_unknown_email_and_user_of_another_organization_get_the_same_answer(world, elsewhere):
    unknown = invite(world, UNKNOWN)
    known = invite(world, elsewhere.email)

    assert unknown.status_code == known.status_code == 200
    assert messages_of(unknown) == [f"Invitation sent to {UNKNOWN}."]
    assert messages_of(known) == [f"Invitation sent to {elsewhere.email}."]
    assert list(unknown.context["form"].fields) == list(known.context["form"].fields) == ["email", "role"]
    # Nobody joined, nobody was created, nobody got a role: only invitations, each emailed.
    assert not Membership.objects.filter(user=elsewhere, organization=world.org).exists()
    assert not User.objects.filter(email=UNKNOWN).exists()
    in_tenant(world.org)
    assert elsewhere not in dict(account_users(account=world.store))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([UNKNOWN, elsewhere.email])
    pending = Invitation.objects.filter(organization=world.org, accepted_at__isnull=True)
    assert sorted(pending.values_list("email", flat=True)) == sorted([UNKNOWN, elsewhere.email])


def test_pending_invitations_are_listed_and_can_be_revoked(world):
    invite(world, UNKNOWN)
    path = link_in(mail.outbox[0])
    page = world.client_for(world.account_admin).get(users_tab(world))
    assert [i.email for i in page.context["invitations"]] == [UNKNOWN]
    assert "Revoke invitation" in page.content.decode()

    invitation = Invitation.objects.get(email=UNKNOWN)
    revoked = world.client_for(world.account_admin).post(
        reverse("invitation_revoke", args=[world.store.pk, invitation.pk]), {"confirmed": "yes"}, follow=True
    )
    assert f"The invitation of {UNKNOWN} is revoked" in revoked.content.decode()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert world.client_for(None).get(path).status_code == 404
    in_tenant(world.org)
    assert ActivityLog.objects.filter(account=world.store, action="user.invitation_revoked").exists()


def test_a_user_of_another_organization_accepts_with_their_password(world, elsewhere):
    invite(world, elsewhere.email)
    path = link_in(mail.outbox[0])
    anonymous = world.client_for(None)

    page = anonymous.get(path)
    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["password"]  # they confirm; nothing to choose

    wrong = anonymous.post(path, {"password": "not-their-password"})
    assert wrong.status_code == 422
    assert "That is not the password" in wrong.content.decode()
    assert not Membership.objects.filter(user=elsewhere, organization=world.org).exists()

    accepted = anonymous.post(path, {"password": PASSWORD}, follow=True)
    assert accepted.status_code == 200
    assert accepted.context["user"] == elsewhere  # signed in here
    membership = Membership.objects.get(user=elsewhere, organization=world.org)
    assert membership.role == Membership.Role.MEMBER
    assert Membership.objects.filter(user=elsewhere).count() == 2  # still in their own organization
    in_tenant(world.org)
    assert (elsewhere, AccountRole.AGENT) in account_users(account=world.store)
    assert list(accounts_for_user(user=elsewhere)) == [world.store]
    invitation = Invitation.objects.get(email=elsewhere.email)
    assert invitation.accepted_at is not None
    log = ActivityLog.objects.get(account=world.store, action="user.invitation_accepted")
    assert log.actor == elsewhere and "Customer-service agent" in log.summary


def test_a_new_person_chooses_a_password_and_can_sign_in(world):
    invite(world, "New.Person@Example.com", role="viewer")
    path = link_in(mail.outbox[0])
    anonymous = world.client_for(None)
    assert list(anonymous.get(path).context["form"].fields) == ["full_name", "password", "password_again"]

    weak = anonymous.post(path, {"full_name": "Nia New", "password": "password", "password_again": "password"})
    assert weak.status_code == 422
    assert "too common" in weak.content.decode()
    differ = anonymous.post(path, {"full_name": "Nia New", "password": "kite-harbour-91", "password_again": "x"})
    assert differ.status_code == 422
    assert not User.objects.filter(email="new.person@example.com").exists()

    accepted = anonymous.post(
        path, {"full_name": "Nia New", "password": "kite-harbour-91", "password_again": "kite-harbour-91"}
    )
    assert accepted.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.get_full_name() == "Nia New"
    assert Membership.objects.get(user=user, organization=world.org).role == Membership.Role.MEMBER
    in_tenant(world.org)
    assert (user, AccountRole.VIEWER) in account_users(account=world.store)
    sign_in = world.client_for(None).post(reverse("login"), {"username": user.email, "password": "kite-harbour-91"})
    assert sign_in.status_code == 302


def test_a_used_link_an_expired_link_and_a_foreign_link_give_a_clear_page(world, other_world):
    invite(world, UNKNOWN)
    used_path = link_in(mail.outbox[0])
    anonymous = world.client_for(None)
    data = {"full_name": "", "password": "kite-harbour-91", "password_again": "kite-harbour-91"}
    assert anonymous.post(used_path, data).status_code == 302

    used = world.client_for(None).get(used_path)
    assert used.status_code == 410
    assert "already been used" in used.content.decode()
    assert world.client_for(None).post(used_path, data).status_code == 410

    invite(world, "late@example.com")
    late_path = link_in(mail.outbox[-1])
    Invitation.objects.filter(email="late@example.com").update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = world.client_for(None).post(late_path, data)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert not User.objects.filter(email="late@example.com").exists()

    # A link of the other organization, opened on this organization's host.
    other_world.client_for(other_world.admin).post(reverse("member_add"), {"email": "g@example.com", "role": "member"})
    foreign_path = re.search(r"/invitations/\S+/", mail.outbox[-1].body).group(0)
    foreign = world.client_for(None).get(foreign_path)
    assert foreign.status_code == 404
    assert "not valid" in foreign.content.decode()
    for garbage in ("/invitations/x/", "/invitations/%ff/", "/invitations/" + "a" * 500 + "/"):
        assert world.client_for(None).get(garbage).status_code == 404
    assert world.client_for(None).get("/invitations/%00/").status_code == 400  # NUL: refused at the edge


def test_inviting_again_replaces_the_pending_invitation(world):
    invite(world, UNKNOWN)
    first = link_in(mail.outbox[0])
    invite(world, UNKNOWN, role="account_admin")
    second = link_in(mail.outbox[1])
    assert Invitation.objects.filter(email=UNKNOWN).count() == 1
    assert world.client_for(None).get(first).status_code == 404
    assert world.client_for(None).get(second).status_code == 200


def test_add_a_member_invites_and_the_role_applies_on_acceptance(world, elsewhere):
    client = world.client_for(world.admin)
    response = client.post(reverse("member_add"), {"email": elsewhere.email, "role": "supervisor"}, follow=True)
    assert messages_of(response) == [f"Invitation sent to {elsewhere.email}."]
    assert not Membership.objects.filter(user=elsewhere, organization=world.org).exists()
    page = client.get(reverse("organization"))
    assert [i.email for i in page.context["invitations"]] == [elsewhere.email]

    path = link_in(mail.outbox[0])
    assert world.client_for(None).post(path, {"password": PASSWORD}).status_code == 302
    assert Membership.objects.get(user=elsewhere, organization=world.org).role == Membership.Role.SUPERVISOR


def test_add_a_member_changes_a_members_role_at_once(world):
    client = world.client_for(world.admin)
    response = client.post(reverse("member_add"), {"email": world.outsider.email, "role": "supervisor"}, follow=True)
    assert messages_of(response) == [f"{world.outsider.email} is now Supervisor."]
    assert Membership.objects.get(user=world.outsider, organization=world.org).role == Membership.Role.SUPERVISOR
    assert mail.outbox == []


def test_a_removed_member_still_signed_in_can_open_a_new_invitation(world):
    agent_client = world.client_for(world.agent)
    world.client_for(world.admin).post(reverse("member_remove", args=[world.agent.pk]), {"confirmed": "yes"})
    assert agent_client.get(reverse("home")).status_code == 404  # no longer a member
    world.client_for(world.admin).post(reverse("member_add"), {"email": world.agent.email, "role": "member"})
    page = agent_client.get(link_in(mail.outbox[0]))
    assert page.status_code == 200
    assert agent_client.post(link_in(mail.outbox[0]), {"password": PASSWORD}).status_code == 302
    assert Membership.objects.filter(user=world.agent, organization=world.org).exists()


def test_revoking_invitations_needs_the_role_that_sends_them(world):
    invite(world, UNKNOWN)
    world.client_for(world.admin).post(reverse("member_add"), {"email": "org@example.com", "role": "member"})
    on_account = Invitation.objects.get(email=UNKNOWN)
    on_org = Invitation.objects.get(email="org@example.com")
    agent = world.client_for(world.agent)
    assert agent.post(reverse("invitation_revoke", args=[world.store.pk, on_account.pk])).status_code == 403
    supervisor = world.client_for(world.supervisor)
    assert supervisor.post(reverse("member_invitation_revoke", args=[on_org.pk])).status_code == 403
    # The account's invitation is not reachable through another account's Users tab.
    admin = world.client_for(world.admin)
    assert admin.post(reverse("invitation_revoke", args=[world.outlet.pk, on_account.pk])).status_code == 404
    assert Invitation.objects.filter(pk__in=[on_account.pk, on_org.pk]).count() == 2


def test_an_email_that_cannot_be_sent_leaves_no_invitation(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens there
    response = world.client_for(world.admin).post(users_tab(world), {"email": UNKNOWN, "role": "agent"})
    assert response.status_code == 422
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.filter(email=UNKNOWN).exists()
    in_tenant(world.org)
    assert not ActivityLog.objects.filter(account=world.store, action="user.invited").exists()


def test_an_expired_invitation_is_shown_as_expired(world):
    invite(world, UNKNOWN)
    Invitation.objects.filter(email=UNKNOWN).update(expires_at=timezone.now() - timedelta(days=1))
    page = world.client_for(world.admin).get(users_tab(world))
    assert "Expired" in page.content.decode()


def test_the_users_tab_reads_pending_invitations_in_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client_for(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(users_tab(world)).status_code == 200
        return len(captured)

    invite(world, "one@example.com", by=world.admin)
    queries()  # warm-up: the first page after a write may still touch the session
    few = queries()
    for n in range(5):
        invite(world, f"more{n}@example.com", by=world.admin)
    queries()
    assert queries() == few


def test_accepting_as_a_user_with_two_factor_on_still_asks_for_their_code(world, elsewhere):
    device, _ = two_factor_on(elsewhere)
    invite(world, elsewhere.email)
    anonymous = world.client_for(None)

    joined = anonymous.post(link_in(mail.outbox[0]), {"password": PASSWORD})

    assert joined.status_code == 302 and joined["Location"] == reverse("login_code")
    assert "_auth_user_id" not in anonymous.session  # not signed in before the code
    assert Membership.objects.filter(user=elsewhere, organization=world.org).exists()
    signed_in = anonymous.post(reverse("login_code"), {"code": totp_code(device, ahead=1)})
    assert signed_in.status_code == 302 and anonymous.session["_auth_user_id"] == str(elsewhere.pk)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_passwords_on_an_invitation_count_towards_the_sign_in_lockout(world, elsewhere):
    invite(world, elsewhere.email)
    path = link_in(mail.outbox[0])
    anonymous = world.client_for(None)
    for _ in range(2):
        assert anonymous.post(path, {"password": "not-their-password"}).status_code == 422
    assert anonymous.post(path, {"password": "not-their-password"}).status_code == 429  # the third locks
    locked = anonymous.post(path, {"password": PASSWORD})  # even the right password, until the cool-off
    assert locked.status_code == 429
    assert not Membership.objects.filter(user=elsewhere, organization=world.org).exists()


@pytest.mark.parametrize("form", ["users_tab", "member_add"])
def test_an_email_longer_than_its_column_is_a_form_error_not_a_500(world, form):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.com"  # valid-looking, 255+ characters
    assert len(email) > 254
    client = world.client_for(world.admin)
    url = users_tab(world) if form == "users_tab" else reverse("member_add")
    response = client.post(url, {"email": email, "role": "agent" if form == "users_tab" else "member"}, follow=True)
    assert response.status_code == 422 and "at most 254 characters" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []
