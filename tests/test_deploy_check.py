"""Production settings pass `check --deploy` and refuse to start without their secrets.

Each test runs manage.py in a subprocess, so the production settings module is imported fresh with exactly
the environment given here (the test session itself runs on oms.settings.test)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Only what a deployment would have: the test session's own variables (DJANGO_ALLOW_ASYNC_UNSAFE, for one,
# which check --deploy rightly rejects) stay out.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATABASE_URL", "REDIS_URL")


def run_manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    env = {
        **{name: os.environ[name] for name in PASSED_THROUGH if name in os.environ},
        "DJANGO_SETTINGS_MODULE": "oms.settings.production",
        **env,
    }
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="oms.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # "(0 silenced)": a clean result that comes from SILENCED_SYSTEM_CHECKS does not count.
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("secret_key", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_production_settings_refuse_to_start_without_secret_key(secret_key):
    result = run_manage("check", SECRET_KEY=secret_key, ALLOWED_HOSTS="oms.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable." in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = run_manage("check", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the ALLOWED_HOSTS environment variable" in result.stderr
