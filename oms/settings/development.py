from oms.env import env_bool, env_str

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The sandbox marketplace runs on 127.0.0.1.
CHANNEL_ALLOW_PRIVATE_ADDRESSES = env_bool("CHANNEL_ALLOW_PRIVATE_ADDRESSES", True)

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
