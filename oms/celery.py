"""The tenant-aware Celery app: a task queued inside a tenant runs inside that tenant's schema.

Its configuration is the CELERY_* settings (oms/settings/base.py), the beat schedule included: beat
(django-celery-beat's DatabaseScheduler, see Procfile) installs those entries into its tables at start-up.
They run in the public schema and fan out into every organization's schema (accounts/tenancy/fanout.py).
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.development")

app = CeleryApp("oms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["accounts.jobs"])
