"""The Recurring jobs tab: list, Run now, edit and history; who may use them."""

import datetime as dt
import uuid

from django.urls import reverse

from accounts.jobs.services import recurring_job_run
from accounts.models import ActivityLog, RecurringJob, RecurringJobRun
from tests.factories import ChannelFactory
from tests.jobs.conftest import make_job

MIN = dt.timedelta(minutes=1)


def test_the_tab_lists_jobs_with_last_run_and_run_now(world, now):
    channel = ChannelFactory(account=world.store, name="Marketplace")
    job = make_job(world.store, RecurringJob.JobType.IMPORT_ORDERS, channel=channel, next_run_at=now)
    recurring_job_run(job_id=job.pk, now=now)
    client = world.client_for(world.account_admin)

    page = client.get(reverse("account_settings", args=[world.store.pk, "recurring-jobs"]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Import orders" in html and "Marketplace" in html and "Run now" in html
    assert "skipped: Marketplace has no connection configured" in html
    assert reverse("recurring_job_detail", args=[world.store.pk, job.pk]) in html


def test_run_now_queues_the_job_after_commit_and_logs_it(world, django_capture_on_commit_callbacks):
    job = make_job(world.store, is_enabled=False)
    client = world.client_for(world.account_admin)
    url = reverse("recurring_job_action", args=[world.store.pk, job.pk, "run"])

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, follow=True)

    assert response.status_code == 200 and "Queued “Redact personal data" in response.content.decode()
    assert len(queued) == 1
    assert ActivityLog.objects.filter(account=world.store, action="recurring_job.run_now",
                                      actor=world.account_admin).exists()
    # While it runs, a second "Run now" is refused.
    RecurringJob.objects.filter(pk=job.pk).update(
        lease_token=uuid.uuid4(), lease_expires_at=dt.datetime.now(dt.UTC) + MIN)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, follow=True)
    assert "This job is running now" in response.content.decode() and queued == []


def test_the_job_page_edits_the_schedule_and_shows_the_history_with_logs(world, now):
    job = make_job(world.store, minutes=60, next_run_at=now - MIN)
    recurring_job_run(job_id=job.pk, now=now)
    RecurringJob.objects.filter(pk=job.pk).update(lease_token=uuid.uuid4(), lease_expires_at=now + MIN)
    client = world.client_for(world.account_admin)
    url = reverse("recurring_job_detail", args=[world.store.pk, job.pk])

    page = client.get(url).content.decode()
    assert "Succeeded" in page and "Redacted nothing" in page and "<pre class=\"log\">" in page

    response = client.post(url, {"job_type": "redact_pii", "cron": "0 3 * * *", "is_enabled": "on"})

    assert response.status_code == 302
    job = RecurringJob.objects.get(pk=job.pk)
    assert (job.cron, job.interval_minutes) == ("0 3 * * *", None)
    assert job.next_run_at.hour == 3 and job.next_run_at > now  # the account is in UTC
    assert job.lease_expires_at == now + MIN  # an edit never touches the runtime's lease
    assert RecurringJobRun.objects.filter(job=job).count() == 1


def test_only_account_administrators_reach_jobs_and_never_another_accounts(world, other_world):
    job = make_job(world.store)
    foreign = make_job(world.outlet)
    detail = reverse("recurring_job_detail", args=[world.store.pk, job.pk])
    run = reverse("recurring_job_action", args=[world.store.pk, job.pk, "run"])

    assert world.client_for(world.agent).get(detail).status_code == 403
    assert world.client_for(world.agent).post(run).status_code == 403
    admin = world.client_for(world.account_admin)
    assert admin.get(reverse("recurring_job_detail", args=[world.store.pk, foreign.pk])).status_code == 404
    assert admin.post(reverse("recurring_job_action", args=[world.store.pk, foreign.pk, "run"])).status_code == 404
