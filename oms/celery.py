"""The tenant-aware Celery app: a task queued inside a tenant runs inside that tenant's schema."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.development")

app = CeleryApp("oms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
