"""docker-compose.yml and the Dockerfile run production by default: production settings, no DEBUG, no secret or
password written in them, the demo behind a profile, the web port on the loopback address unless asked, and a
SECRET_KEY generated once and kept. (There is no Docker engine here: the files are read, the entrypoint run.)"""

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tests.test_deploy_check import PASSED_THROUGH, REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()
ENTRYPOINT = REPO_ROOT / "scripts" / "docker-entrypoint.sh"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.I)


def app_services() -> dict[str, dict]:
    return {name: service for name, service in COMPOSE["services"].items() if "build" in service}


def default_of(value: str) -> str:
    """What compose makes of "${NAME:-default}" when NAME is not set."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


def command_text(service: dict) -> str:
    command = service.get("command", [])
    return command if isinstance(command, str) else " ".join(command)


def test_every_app_service_runs_production_settings_without_debug():
    assert set(app_services()) >= {"web", "worker", "beat", "demo"}
    assert "DJANGO_SETTINGS_MODULE=oms.settings.production" in DOCKERFILE
    for name, service in app_services().items():
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "oms.settings.production", name
        assert "DEBUG" not in environment, name
        assert "runserver" not in command_text(service), name
    assert "runserver" not in DOCKERFILE


def test_no_secret_key_or_password_is_written_in_compose():
    for name, service in COMPOSE["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(variable):
                assert re.fullmatch(r"\$\{\w+:-\}", str(value)), (name, variable, value)  # from the environment
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert "demo-pass" not in text and "POSTGRES_PASSWORD" not in text


def test_the_demo_is_opt_in_through_a_profile():
    demo_runners = [name for name, service in COMPOSE["services"].items() if "seed_demo" in command_text(service)]
    assert demo_runners == ["demo"]
    assert COMPOSE["services"]["demo"]["profiles"] == ["demo"]
    for name, service in COMPOSE["services"].items():
        if name != "demo":
            assert "profiles" not in service, name


def test_web_is_published_on_the_loopback_address_by_default_and_nothing_else_is():
    assert [default_of(port) for port in COMPOSE["services"]["web"]["ports"]] == ["127.0.0.1:8000:8000"]
    for name, service in COMPOSE["services"].items():
        if name != "web":
            assert "ports" not in service, name
    assert COMPOSE["networks"]["backend"]["internal"] is True
    for name in ("postgres", "redis"):
        assert COMPOSE["services"][name]["networks"] == ["backend"], name


def test_web_migrates_makes_the_first_administrator_and_serves_with_gunicorn_gthread():
    shell, flag, command = COMPOSE["services"]["web"]["command"]
    assert (shell, flag) == ("sh", "-c")
    steps = [step.strip() for step in command.split("&&")]
    assert steps[0].startswith("python manage.py migrate_schemas --shared")
    assert steps[2].startswith("python manage.py create_first_admin --no-input")
    serve = steps[-1]
    assert serve.startswith("exec gunicorn oms.wsgi") and "-k gthread" in serve
    assert "--limit-request-line 8190" in serve
    assert '"--limit-request-line", "8190"' in DOCKERFILE and '"gthread"' in DOCKERFILE
    assert "ADMIN_PASSWORD" in COMPOSE["services"]["web"]["environment"]


def test_the_image_copies_every_package_the_project_installs():
    packages = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for pattern in packages["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} \./{package}$", DOCKERFILE, re.M), package
    assert "collectstatic" in DOCKERFILE  # the production static storage needs its manifest


def run_entrypoint(*command: str, **env: str) -> subprocess.CompletedProcess:
    """The entrypoint as the image runs it: only a deployment's variables, `python` first on PATH."""
    env = {
        **{name: os.environ[name] for name in PASSED_THROUGH if name in os.environ},
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        **env,
    }
    return subprocess.run(["sh", str(ENTRYPOINT), *command], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


PRINT_KEY = (sys.executable, "-c", "import os; print(os.environ['SECRET_KEY'])")


def test_the_entrypoint_generates_the_secret_key_once_and_keeps_it(tmp_path: Path):
    key_file = tmp_path / "secret_key"

    first = run_entrypoint(*PRINT_KEY, SECRET_KEY_FILE=str(key_file))
    again = run_entrypoint(*PRINT_KEY, SECRET_KEY_FILE=str(key_file))

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == again.stdout.strip() == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key not in first.stderr  # generated, announced, never printed
    assert list(tmp_path.iterdir()) == [key_file]


def test_a_secret_key_from_the_environment_wins_and_nothing_is_written(tmp_path: Path):
    key_file = tmp_path / "secret_key"
    result = run_entrypoint(*PRINT_KEY, SECRET_KEY="given-by-the-operator", SECRET_KEY_FILE=str(key_file))
    assert result.stdout.strip() == "given-by-the-operator"
    assert not key_file.exists()


def test_production_settings_pass_check_deploy_with_the_generated_key(tmp_path: Path):
    result = run_entrypoint(
        sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY_FILE=str(tmp_path / "secret_key"), DJANGO_SETTINGS_MODULE="oms.settings.production",
        ALLOWED_HOSTS=default_of(COMPOSE["x-env"]["ALLOWED_HOSTS"]),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
