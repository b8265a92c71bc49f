"""Running real processes (manage.py, later a Celery worker) against the test database."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """A DATABASE_URL for the database pytest-django made (a socket-path host is percent-encoded)."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "postgres", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings.test", "DATABASE_URL": test_database_url(), **extra}


def manage(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run `manage.py` in a real process (it sees committed rows only)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=process_env(), capture_output=True, text=True,
        timeout=timeout,
    )
