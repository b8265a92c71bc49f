"""The tenant-aware Celery app: a task queued inside a tenant runs inside that tenant's schema.

Beat (django-celery-beat's DatabaseScheduler, see Procfile) installs the static entries below into its
tables at start-up. Both run in the public schema and fan out into every organization's schema:

* "recurring-jobs-dispatch" every JOBS_DISPATCH_SECONDS (60): the recurring jobs dispatcher
  (accounts/jobs/__init__.py explains the design).
* "privacy-redact-pii" every PII_REDACT_SECONDS (3600): redacts personal data past its retention in every
  organization (privacy/services.py).

Each message expires after one interval, so a stopped worker does not find a pile of stale ticks.
"""

import os

from tenant_schemas_celery.app import CeleryApp

from oms.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.development")

app = CeleryApp("oms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["accounts.jobs"])

JOBS_DISPATCH_SECONDS = env_int("JOBS_DISPATCH_SECONDS", 60)
PII_REDACT_SECONDS = env_int("PII_REDACT_SECONDS", 3600)
PUBLIC = {"_schema_name": "public"}

app.conf.beat_schedule = {
    "recurring-jobs-dispatch": {
        "task": "accounts.jobs.tasks.recurring_jobs_dispatch_task",
        "schedule": float(JOBS_DISPATCH_SECONDS),
        "options": {"headers": PUBLIC, "expire_seconds": JOBS_DISPATCH_SECONDS},
    },
    "privacy-redact-pii": {
        "task": "privacy.tasks.pii_redact_all_task",
        "schedule": float(PII_REDACT_SECONDS),
        "options": {"headers": PUBLIC, "expire_seconds": PII_REDACT_SECONDS},
    },
}

# Inventory push (inventory/push.py): re-queue undelivered outbox rows; snapshot accounts without real time.
INVENTORY_SWEEP_SECONDS = env_int("INVENTORY_SWEEP_SECONDS", 10)
INVENTORY_SYNC_SECONDS = env_int("INVENTORY_SYNC_SECONDS", 900)
app.conf.beat_schedule.update({
    "inventory-push-sweep": {
        "task": "inventory.tasks.inventory_push_sweep_all_task",
        "schedule": float(INVENTORY_SWEEP_SECONDS),
        "options": {"headers": PUBLIC, "expire_seconds": INVENTORY_SWEEP_SECONDS},
    },
    "inventory-sync": {
        "task": "inventory.tasks.inventory_sync_all_task",
        "schedule": float(INVENTORY_SYNC_SECONDS),
        "options": {"headers": PUBLIC, "expire_seconds": INVENTORY_SYNC_SECONDS},
    },
})

# Intake (intake/importing.py): retry rejected channel payloads whose next attempt is due, in every organization.
INTAKE_RETRY_SECONDS = env_int("INTAKE_RETRY_SECONDS", 60)
app.conf.beat_schedule["intake-retry-due"] = {
    "task": "intake.tasks.intake_retry_due_all_task",
    "schedule": float(INTAKE_RETRY_SECONDS),
    "options": {"headers": PUBLIC, "expire_seconds": INTAKE_RETRY_SECONDS},
}
