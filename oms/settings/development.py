from oms.env import env_bool, env_str

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
