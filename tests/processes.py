"""Running real processes (manage.py, a web process; Celery workers are in tests/workers.py) against the test
database."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_process(**env: str):
    """A gunicorn process (one worker, threads) serving the app against the test database, with `env` added to
    its environment; yields its port."""
    from tests.workers import _stop

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="oms-web-")) / "web.log"
    environment = process_env(PYTHONUNBUFFERED="1", LOOKUP_CACHE_REDIS_URL=settings.LOOKUP_CACHE_REDIS_URL, **env)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "oms.wsgi", "-w", "1", "-k", "gthread", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the web process did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield port
    finally:
        _stop([process])
