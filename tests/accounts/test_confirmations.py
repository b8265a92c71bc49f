"""Every destructive action asks first: the first POST answers a page naming what will happen and changes
nothing; the same POST with confirmed=yes acts and says so."""

from dataclasses import dataclass
from typing import Callable

import pytest
from django.urls import reverse
from guardian.shortcuts import get_perms

from accounts.invitations import account_access_give, member_invite
from accounts.models import Account, RecurringJob
from accounts.roles import AccountRole
from accounts.services import recurring_job_save
from accounts.tenancy.models import Invitation, Membership
from intake.models import IntakeFailure
from orders.models import OrderRule
from orders.services.rules import order_rule_save
from tests.conftest import in_tenant
from tests.factories import WarehouseFactory
from tests.intake.failure_helpers import failure


@dataclass
class Case:
    by: str  # the role that acts
    make: Callable  # (world) -> (url, data, done: () -> bool)
    asks: str  # words on the confirmation page
    says: str  # the success message


def _disable_account(world):
    url = reverse("account_set_active", args=[world.store.pk])
    return url, {"active": "0"}, lambda: not Account.objects.get(pk=world.store.pk).is_active


def _delete_rule(world):
    rule = order_rule_save(account=world.store, by=world.admin, name="Hold all", conditions=[], actions=[{"type": "hold"}])
    url = reverse("order_rule_action", args=[world.store.pk, rule.pk, "delete"])
    return url, {}, lambda: not OrderRule.objects.filter(pk=rule.pk).exists()


def _delete_job(world):
    job = recurring_job_save(
        job=RecurringJob(account=world.store, job_type=RecurringJob.JobType.REDACT_PII, interval_minutes=60), by=None
    )
    url = reverse("recurring_job_action", args=[world.store.pk, job.pk, "delete"])
    return url, {}, lambda: not RecurringJob.objects.filter(pk=job.pk).exists()


def _revoke_role(world):
    url = reverse("revoke_role", args=[world.store.pk, world.viewer.pk])
    return url, {}, lambda: not get_perms(world.viewer, Account.objects.get(pk=world.store.pk))


def _remove_member(world):
    url = reverse("member_remove", args=[world.agent.pk])
    return url, {}, lambda: not Membership.objects.filter(organization=world.org, user=world.agent).exists()


def _revoke_org_invitation(world):
    invitation = member_invite(organization=world.org, email="new@example.com", role="member", by=world.admin)
    in_tenant(world.org)
    url = reverse("member_invitation_revoke", args=[invitation.pk])
    return url, {}, lambda: not Invitation.objects.filter(pk=invitation.pk).exists()


def _revoke_account_invitation(world):
    invitation = account_access_give(
        account=world.store, organization=world.org, email="new@example.com", role=AccountRole.VIEWER, by=world.admin
    )
    in_tenant(world.org)
    url = reverse("invitation_revoke", args=[world.store.pk, invitation.pk])
    return url, {}, lambda: not Invitation.objects.filter(pk=invitation.pk).exists()


def _discard_failure(world):
    kept = failure(world.store, external_id="DISCARD-ME")
    url = reverse("intake_failure_action", args=[world.store.pk, kept.pk, "discard"])
    return url, {}, lambda: IntakeFailure.objects.get(pk=kept.pk).status == IntakeFailure.Status.DISCARDED


def _discard_many(world):
    kept = [failure(world.store, external_id=f"MANY-{n}") for n in range(3)]
    url = reverse("intake_discard_many", args=[world.store.pk])
    data = {"scope": "selected", "ids": [f.pk for f in kept[:2]]}
    statuses = lambda: [IntakeFailure.objects.get(pk=f.pk).status for f in kept]  # noqa: E731
    return url, data, lambda: statuses() == ["discarded", "discarded", "dead"]


CASES = {
    "disable account": Case("admin", _disable_account, "Disable", "is disabled"),
    "delete order rule": Case("admin", _delete_rule, "Delete the order rule", "Deleted the order rule"),
    "delete recurring job": Case("admin", _delete_job, "Delete the job", "Deleted the job"),
    "revoke role": Case("account_admin", _revoke_role, "Revoke the access", "no longer has access"),
    "remove member": Case("admin", _remove_member, "from Acme Corporation?", "was removed from the organization"),
    "revoke organization invitation": Case("admin", _revoke_org_invitation, "Revoke the invitation", "is revoked"),
    "revoke account invitation": Case("account_admin", _revoke_account_invitation, "Revoke the invitation", "is revoked"),
    "discard intake failure": Case("agent", _discard_failure, "Discard the failure", "Discarded"),
    "discard intake failures": Case("agent", _discard_many, "Discard 2 failures?", "Discarded 2 failures"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_first_post_only_asks_and_the_confirmed_post_acts(world, name):
    case = CASES[name]
    url, data, done = case.make(world)
    client = world.client_for(world.by_role(case.by))

    asked = client.post(url, data)
    html = asked.content.decode()
    assert asked.status_code == 200 and case.asks in html
    assert 'name="confirmed" value="yes"' in html and 'class="consequences"' in html
    in_tenant(world.org)
    assert not done()

    acted = client.post(url, {**data, "confirmed": "yes"}, follow=True)
    assert acted.status_code == 200 and case.says in acted.content.decode()
    in_tenant(world.org)
    assert done()


def test_enabling_an_account_again_does_not_ask(world):
    client = world.client_for(world.admin)
    Account.objects.filter(pk=world.store.pk).update(is_active=False)
    response = client.post(reverse("account_set_active", args=[world.store.pk]), {"active": "1"}, follow=True)
    assert "is enabled" in response.content.decode()
    in_tenant(world.org)
    assert Account.objects.get(pk=world.store.pk).is_active


def test_the_confirmation_page_works_through_htmx_too(world):
    url, data, done = _delete_rule(world)
    response = world.client_for(world.admin).post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Retarget"] == "main"
    assert "<html" not in response.content.decode() and "Delete the rule" in response.content.decode()
    in_tenant(world.org)
    assert not done()


def test_reversible_actions_act_at_once_and_say_so(world):
    client = world.client_for(world.admin)
    other = WarehouseFactory(account=world.store, name="Spare", code="SPARE")
    response = client.post(reverse("warehouse_toggle", args=[world.store.pk, other.pk]), follow=True)
    assert f"{other} is disabled." in response.content.decode()
    in_tenant(world.org)
    job = recurring_job_save(
        job=RecurringJob(account=world.store, job_type=RecurringJob.JobType.REDACT_PII, interval_minutes=60), by=None
    )
    response = client.post(reverse("recurring_job_action", args=[world.store.pk, job.pk, "disable"]), follow=True)
    assert f"The job “{job}” is disabled." in response.content.decode()
    in_tenant(world.org)
    rule = order_rule_save(account=world.store, by=world.admin, name="Tag it", conditions=[], actions=[{"type": "hold"}])
    response = client.post(reverse("order_rule_action", args=[world.store.pk, rule.pk, "disable"]), follow=True)
    assert "The order rule “Tag it” is disabled." in response.content.decode()
