"""Settings shared by every mode. Values come from the environment (see oms/env.py)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from oms.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1")

SHARED_APPS = [
    "django_tenants",
    "accounts.tenancy",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_celery_beat",
    # Public-schema tables that reference the shared user: sign-in failures and two-factor devices.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
TENANT_APPS = [
    "guardian",
    "accounts",
    "channels",
    "orders",
    "inventory",
    "privacy",
    "intake",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Organization"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "oms.urls_public"
TENANT_LIMIT_SET_CALLS = True  # set search_path once per tenant switch, not before every query
# New organizations' schemas are cloned from a migrated template (accounts/tenancy/template.py).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
ROOT_URLCONF = "oms.urls"
# Where organizations live: http://<slug>.<ORGANIZATION_DOMAIN>:<port>/
ORGANIZATION_DOMAIN = env_str("ORGANIZATION_DOMAIN", "localhost")
PUBLIC_DOMAIN = env_str("PUBLIC_DOMAIN", "localhost")

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out email or address before any password check
    "accounts.tenancy.backends.OrganizationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# API and webhook requests (oms/light.py) pass by the session, user, messages, htmx, member, account and
# two-factor middleware: they are authenticated by a key or a signature, never by a session.
MIDDLEWARE = [
    "oms.middleware.RefuseNulMiddleware",  # before anything reads the path, query or form into a query
    "accounts.tenancy.middleware.CachedTenantMiddleware",  # django-tenants' middleware with cached look-ups
    "django.middleware.security.SecurityMiddleware",
    "intake.webhooks.WebhookMiddleware",  # /hooks/: answered here, without sessions, CSRF or users
    "oms.light.CSPMiddleware",  # django-csp's; for /api/ and /hooks/ the policy is built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oms.light.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # the API's views are exempt: it only looks for a cookie
    "oms.light.AuthenticationMiddleware",
    "oms.light.OTPMiddleware",
    "oms.light.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oms.light.HtmxMiddleware",
    "oms.light.OrganizationMemberMiddleware",
    "oms.light.CurrentAccountMiddleware",
    "oms.light.TwoFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the login page with its message (429)
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "oms.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
        engine="django_tenants.postgresql_backend",
    )
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# Content-Security-Policy on every answer (django-csp): scripts, styles and everything else only from this
# host's own files; no inline script or style, no framing, forms post only here. htmx's indicator styles are
# in static/css (templates/base.html turns off the ones it would inject).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# Outgoing email (invitations). Development prints it on the console; tests keep it in memory.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OMS <no-reply@localhost>")
# Days an invitation link stays valid.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

# The one password policy: every place a password is set checks it (accounts.tenancy.services.password_validate).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): failures are counted per email and, separately, per client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Wrong passwords or codes (for one email, or from one address) before sign-in is refused.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
# How long a lockout lasts, counted from the last failure.
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# A refused attempt during a lockout does not extend it, so the time shown on the login page holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The login form's email field (its name is Django's "username").
AXES_USERNAME_FORM_FIELD = "username"
# Emails are compared as typed by the user model (lowercase, no spaces), so "A@x.com" and "a@x.com" count together.
AXES_USERNAME_CALLABLE = "accounts.tenancy.lockout.lockout_username"
# The client address both the login lockout and the API's wrong-key limit count by.
AXES_CLIENT_IP_CALLABLE = "accounts.tenancy.lockout.client_address"
# The login page with the lockout message and when to try again, as a 429.
AXES_LOCKOUT_CALLABLE = "accounts.tenancy.lockout.lockout_response"
# Proxies in front of the app that append to X-Forwarded-For (0: the client is REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Two-factor sign-in (django-otp): the name authenticator apps show next to the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "OMS")
# Recovery codes made when two-factor sign-in is set up; each works once.
TWO_FACTOR_RECOVERY_CODES = 10
# How long the code step waits after a correct password before the password must be entered again.
TWO_FACTOR_LOGIN_SECONDS = 300

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The sandbox marketplace (sandbox/, `make sandbox`): the port it listens on, where the demo's channels point.
SANDBOX_PORT = env_int("SANDBOX_PORT", 8765)
# The local Amazon SP-API emulator (sandbox/amazon.py, `make amazon`): where the demo's Amazon channel points.
AMAZON_EMULATOR_PORT = env_int("AMAZON_EMULATOR_PORT", 8767)
# The local Shopify emulator (sandbox/shopify.py, `make shopify`): the port it listens on, where the demo's
# Shopify channel points.
SHOPIFY_EMULATOR_PORT = env_int("SHOPIFY_EMULATOR_PORT", 8766)

# Beat ticks, in seconds. Each runs in the public schema and fans out into every organization; its message
# expires after one interval, so a stopped worker does not find a pile of stale ticks.
JOBS_DISPATCH_SECONDS = env_int("JOBS_DISPATCH_SECONDS", 60)  # recurring-jobs dispatcher (accounts/jobs)
PII_REDACT_SECONDS = env_int("PII_REDACT_SECONDS", 3600)  # personal data past its retention (privacy)
INVENTORY_SWEEP_SECONDS = env_int("INVENTORY_SWEEP_SECONDS", 10)  # re-queue undelivered stock pushes
INVENTORY_SYNC_SECONDS = env_int("INVENTORY_SYNC_SECONDS", 900)  # full snapshot for accounts without real time
INTAKE_RETRY_SECONDS = env_int("INTAKE_RETRY_SECONDS", 60)  # retry rejected channel payloads now due
REORDER_HABITS_SECONDS = env_int("REORDER_HABITS_SECONDS", 86400)  # recompute customers' re-order habits
WEBHOOK_SWEEP_SECONDS = env_int("WEBHOOK_SWEEP_SECONDS", 30)  # drain webhook inboxes whose trigger was lost


def _tick(task: str, seconds: int) -> dict:
    return {"task": task, "schedule": float(seconds),
            "options": {"headers": {"_schema_name": "public"}, "expire_seconds": seconds}}


CELERY_BEAT_SCHEDULE = {
    "recurring-jobs-dispatch": _tick("accounts.jobs.tasks.recurring_jobs_dispatch_task", JOBS_DISPATCH_SECONDS),
    "privacy-redact-pii": _tick("privacy.tasks.pii_redact_all_task", PII_REDACT_SECONDS),
    "inventory-push-sweep": _tick("inventory.tasks.inventory_push_sweep_all_task", INVENTORY_SWEEP_SECONDS),
    "inventory-sync": _tick("inventory.tasks.inventory_sync_all_task", INVENTORY_SYNC_SECONDS),
    "intake-retry-due": _tick("intake.tasks.intake_retry_due_all_task", INTAKE_RETRY_SECONDS),
    "orders-reorder-habits": _tick("orders.tasks.reorder_habits_refresh_all_task", REORDER_HABITS_SECONDS),
    "webhook-inbox-sweep": _tick("intake.tasks.webhook_inbox_sweep_all_task", WEBHOOK_SWEEP_SECONDS),
}

# Channel webhooks (/hooks/<token>/orders, intake/webhooks.py): the largest body taken (larger: 413), and the
# deliveries a worker drains from the inbox per transaction.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 1_048_576)
WEBHOOK_DRAIN_BATCH = env_int("WEBHOOK_DRAIN_BATCH", 100)
# Drained deliveries are kept this many days (redeliveries within it are recognised by their webhook id).
WEBHOOK_KEEP_DAYS = env_int("WEBHOOK_KEEP_DAYS", 7)

# Recurring jobs: how long a run holds its job's lease, when a queued run that never started is queued again,
# and the delay before the first retry of a failed run (then 4 and 16 times it).
JOBS_LEASE_SECONDS = env_int("JOBS_LEASE_SECONDS", 300)
JOBS_REQUEUE_SECONDS = env_int("JOBS_REQUEUE_SECONDS", 300)
JOBS_RETRY_SECONDS = env_int("JOBS_RETRY_SECONDS", 60)

# Stock pushes (inventory/push.py): a change is pushed after this many seconds, so a burst becomes one push...
INVENTORY_PUSH_COALESCE_SECONDS = env_float("INVENTORY_PUSH_COALESCE_SECONDS", 0.2)
# ...and at most once per (channel, SKU) in this many seconds, whatever the rate of changes.
INVENTORY_PUSH_MIN_INTERVAL_SECONDS = env_float("INVENTORY_PUSH_MIN_INTERVAL_SECONDS", 0.75)
# A failed send is retried this many times, after 2, 4, 8... times this many seconds (with jitter).
INVENTORY_PUSH_MAX_RETRIES = env_int("INVENTORY_PUSH_MAX_RETRIES", 5)
INVENTORY_PUSH_BACKOFF_SECONDS = env_int("INVENTORY_PUSH_BACKOFF_SECONDS", 2)
# The sweeper re-queues outbox rows still pending after this many seconds (a lost message).
INVENTORY_SWEEP_AGE_SECONDS = env_int("INVENTORY_SWEEP_AGE_SECONDS", 30)
# Stock pushes (inventory/push.py). A channel's push circuit opens after this many failures in a row of the channel
# itself (no answer, 5xx, 401/403/429): then nothing is sent to it and stock changes wait for it to answer again.
INVENTORY_CIRCUIT_FAILURES = env_int("INVENTORY_CIRCUIT_FAILURES", 5)
# Seconds from opening to the first probe of the channel; each failed probe doubles it (with jitter)...
INVENTORY_CIRCUIT_PROBE_SECONDS = env_int("INVENTORY_CIRCUIT_PROBE_SECONDS", 15)
# ...up to this many seconds between probes.
INVENTORY_CIRCUIT_PROBE_MAX_SECONDS = env_int("INVENTORY_CIRCUIT_PROBE_MAX_SECONDS", 300)
# SKUs per request when a channel that answers again is sent the current level of every SKU that waited.
INVENTORY_PUSH_BATCH_SIZE = env_int("INVENTORY_PUSH_BATCH_SIZE", 100)
# The sweeper sends a dead letter's SKU (one the channel refused) again after this many seconds (0: only Retry).
INVENTORY_DEAD_LETTER_RETRY_SECONDS = env_int("INVENTORY_DEAD_LETTER_RETRY_SECONDS", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden_one_line": {"()": "oms.logs.ForbiddenWithoutTraceback"},
        "quiet_tasks": {"()": "oms.logs.QuietTasks"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},  # sign-in failures and lockouts, not every successful sign-in
        # Django's own console handler (DEBUG only) would print every record a second time through the root's.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["forbidden_one_line"]},  # a 403 is one line, without a traceback
        # Per-SKU push tasks' received/succeeded lines at DEBUG (oms/logs.py); the sweeper logs one summary.
        "celery.app.trace": {"filters": ["quiet_tasks"]},
        "celery.worker.strategy": {"filters": ["quiet_tasks"]},
    },
}

# The public JSON API (api/): request body limit, requests per API key and minute (0: no limit).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1_048_576)
# Longest URL (path and query) the API reads; longer is a JSON 414. Below gunicorn's 8,190-byte request line,
# so every such URL reaches the app.
API_MAX_URL_BYTES = env_int("API_MAX_URL_BYTES", 8_000)
# POST /orders requests that arrive together are written in one transaction (api/group_commit.py).
API_GROUP_COMMIT = env_bool("API_GROUP_COMMIT", True)
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 30_000)
# Requests with a wrong or missing API key per client address and minute; past it the address gets 429 (0: off).
API_BAD_KEY_LIMIT_PER_MINUTE = env_int("API_BAD_KEY_LIMIT_PER_MINUTE", 30)
API_RATE_LIMIT_REDIS_URL = env_str("API_RATE_LIMIT_REDIS_URL", REDIS_URL)
# The organization-by-host and account-by-key look-ups cached in each process, checked on every request against a
# version token in Redis that any change to an organization, domain or account replaces (accounts/tenancy/lookups.py).
LOOKUP_CACHE = env_bool("LOOKUP_CACHE", True)
LOOKUP_CACHE_REDIS_URL = env_str("LOOKUP_CACHE_REDIS_URL", REDIS_URL)

# Channel connectors may call loopback, private, link-local or reserved addresses (a local sandbox); off in production.
CHANNEL_ALLOW_PRIVATE_ADDRESSES = env_bool("CHANNEL_ALLOW_PRIVATE_ADDRESSES", False)
# Channel secrets at rest (channels/secrets.py): key material, newest first; the first encrypts, every one
# decrypts. Empty: SECRET_KEY, then SECRET_KEY_FALLBACKS. CHANNEL_SECRET_KEY (one key) counts when the list is unset.
CHANNEL_SECRET_KEYS = env_list("CHANNEL_SECRET_KEYS") or env_list("CHANNEL_SECRET_KEY")

INSTALLED_APPS += ["ninja"]  # its templates and static files: the docs page works offline
