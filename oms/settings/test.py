from .base import *  # noqa: F401,F403

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The tests' sandbox marketplace runs on 127.0.0.1; the refusing tests turn this off.
CHANNEL_ALLOW_PRIVATE_ADDRESSES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Close each thread's connection after its request: the browser tests' server threads must not keep the test
# database open when pytest drops it.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The API tests send many keyless requests from one address (127.0.0.1) within a minute, counted in a Redis that
# outlives each test; tests/api/test_bad_key_limit.py turns the limit on with addresses of its own.
API_BAD_KEY_LIMIT_PER_MINUTE = 0
