from oms.env import env_bool

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DEBUG", True)

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
