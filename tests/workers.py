"""Real Celery processes (a worker, optionally beat) against the pytest database, for end-to-end tests.

    from tests.workers import celery_processes, committed_orgs  # noqa: F401  (the fixture, in a conftest)

    def test_something(committed_orgs, django_db_blocker):
        acme, globex = committed_orgs(2)
        with django_db_blocker.unblock():
            ...create committed data...
        with celery_processes(beat=True, env={"JOBS_DISPATCH_SECONDS": "1"}, django_db_blocker=django_db_blocker) \
                as celery, django_db_blocker.unblock():
            celery.enqueue("accounts.jobs.tasks.recurring_job_run_task", job.pk, schema=acme.schema_name)
            celery.wait_for(lambda: ..., timeout=20)

The processes use their own Redis database (TEST_CELERY_REDIS_DB, default 11, on REDIS_URL's server), flushed at
start, so they never take someone else's messages. They only see committed rows: create data in
`committed_orgs` organizations (dropped, schema and all, afterwards) under `django_db_blocker.unblock()`, not
in a `db` test's transaction. They are always terminated, also when the test fails; their logs are attached
to the failure message.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.processes import ROOT, process_env


def worker_broker_url() -> str:
    """REDIS_URL's server, database TEST_CELERY_REDIS_DB (11)."""
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{int(os.environ.get('TEST_CELERY_REDIS_DB', '11'))}"))


test_broker_url = worker_broker_url  # the earlier name, used by tests/inventory


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url` (so what it queues reaches the test worker), dropping pooled
    connections."""
    from kombu import pools

    from oms.celery import app

    app.conf.broker_url = url
    # The app's pool lives in kombu's registry, keyed by broker URL: a pool closed but left there would be
    # handed back (closed) when this URL is used again, so empty the registry, not only the app's reference.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@dataclass
class CeleryProcesses:
    broker: str
    logdir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def enqueue(self, task_name: str, *args, schema: str, **kwargs) -> None:
        """Queue a task for these processes, inside organization `schema` (tenant-schemas-celery header)."""
        from oms.celery import app

        with app.connection_for_write(self.broker) as conn:
            app.send_task(task_name, args=args, kwargs=kwargs, headers={"_schema_name": schema}, connection=conn)

    def logs(self) -> str:
        return "\n".join(
            f"----- {name} -----\n{(self.logdir / f'{name}.log').read_text(errors='replace')[-6000:]}"
            for name in self.processes
        )

    def wait_for(self, condition: Callable[[], object], *, timeout: float = 20, every: float = 0.25):
        """Poll `condition` (in the test's own connection, outside any transaction) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            for name, process in self.processes.items():
                if process.poll() is not None:
                    pytest.fail(f"The Celery {name} exited with {process.returncode}.\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Timed out after {timeout} s waiting for {condition}.\n{self.logs()}")
            time.sleep(every)

    def _wait_for_log(self, name: str, text: str, timeout: float) -> None:
        path = self.logdir / f"{name}.log"
        self.wait_for(lambda: text in path.read_text(errors="replace"), timeout=timeout, every=0.1)


def _reset_beat_entries() -> None:
    """Beat installs its static entries (settings: CELERY_BEAT_SCHEDULE) at start; removing them first makes
    each start fresh: an entry's first tick comes one interval after start, with this test's interval (set by env)."""
    from django_celery_beat.models import PeriodicTask

    from oms.celery import app

    PeriodicTask.objects.filter(name__in=list(app.conf.beat_schedule)).delete()


@contextmanager
def celery_processes(
    *, beat: bool = False, concurrency: int = 2, env: dict[str, str] | None = None, django_db_blocker=None
) -> Iterator[CeleryProcesses]:
    """Start a worker (and beat) against the test database; always stop them at the end."""
    broker = worker_broker_url()
    redis.Redis.from_url(broker).flushdb()
    logdir = Path(tempfile.mkdtemp(prefix="oms-celery-"))
    environment = process_env(
        REDIS_URL=broker, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker, PYTHONUNBUFFERED="1",
        **(env or {}),
    )
    celery = [sys.executable, "-m", "celery", "-A", "oms"]
    procs = CeleryProcesses(broker=broker, logdir=logdir)
    try:
        procs.processes["worker"] = _start(
            [*celery, "worker", "-l", "info", "-c", str(concurrency), "-n", f"pytest-{uuid.uuid4().hex[:8]}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            environment, logdir / "worker.log",
        )
        if beat:
            if django_db_blocker is not None:
                with django_db_blocker.unblock():
                    _reset_beat_entries()
            else:
                try:
                    _reset_beat_entries()
                except RuntimeError:  # database access blocked here: beat keeps the entries' last run times
                    pass
            procs.processes["beat"] = _start(
                [*celery, "beat", "-l", "info", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                 "-s", str(logdir / "beat-schedule"), "--pidfile", str(logdir / "beat.pid")],
                environment, logdir / "beat.log",
            )
        procs._wait_for_log("worker", " ready.", timeout=30)
        yield procs
    finally:
        _stop(list(procs.processes.values()))
        connection.set_schema_to_public()



@contextmanager
def celery_for_this_process(**options) -> Iterator[CeleryProcesses]:
    """`celery_processes(**options)`, with this process's Celery app pointed at their broker meanwhile (so what a
    view queues reaches them), and back at its own afterwards."""
    from oms.celery import app

    before = app.conf.broker_url
    use_broker(worker_broker_url())
    try:
        with celery_processes(**options) as celery:
            yield celery
    finally:
        use_broker(before)


def progress_until_done(celery: CeleryProcesses, client, url: str, *, total: int, timeout: float, every: float):
    """Poll the htmx fragment at `url` (a background job's status) until it says done; returns the last fragment
    and the progress values seen meanwhile. While the job is queued or running the fragment must poll again."""
    seen: list[int] = []

    def finished():
        fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        status = re.search(r'data-status="(\w+)"', fragment).group(1)
        if status in ("queued", "running"):
            assert 'hx-trigger="every 1s"' in fragment
            seen.append(int(re.search(rf'<progress max="{total}" value="(\d+)"', fragment).group(1)))
        return status == "done" and fragment

    return celery.wait_for(finished, timeout=timeout, every=every), seen

def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _signal(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM every process group at once (the worker's pool children too), wait, SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            _signal(process, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal(process, signal.SIGKILL)  # pool children that outlived their parent, or a stuck process
        process.wait(timeout=10)


def _require_test_database(request) -> None:
    """pytest-django sets the test database up only if some collected test asks for `db` (or has a django_db
    mark); a test on committed rows asks for neither (it must not run inside the `db` transaction). Marking
    this test before the session fixture is first built makes a file of such tests work on its own, instead of
    reaching the database DATABASE_URL names. The mark comes after pytest-django's autouse check, so it opens
    no transaction."""
    request.node.add_marker(pytest.mark.django_db(databases=["default"]))
    request.getfixturevalue("django_db_setup")
    name = connection.settings_dict["NAME"]
    if not name.startswith("test_"):
        pytest.fail(f"Refusing to write committed rows to {name!r}: it is not a test database.")


@pytest.fixture
def committed_orgs(request, django_db_blocker):
    """A factory of fresh organizations whose rows are committed (for real workers); each is dropped,
    schema and all, at the end. Do not combine with `db`: rows written in its transaction stay invisible."""
    from accounts.tenancy.models import Membership
    from tests.conftest import _ensure_org

    _require_test_database(request)
    made = []

    def make(count: int = 1):
        orgs = []
        with django_db_blocker.unblock():
            for _ in range(count):
                slug = f"t{uuid.uuid4().hex[:10]}"
                orgs.append(_ensure_org(slug, f"Org {slug}"))
                made.append(orgs[-1])
            connection.set_schema_to_public()
        return orgs

    yield make
    with django_db_blocker.unblock():
        for org in made:
            connection.set_schema_to_public()
            Membership.objects.filter(organization=org).delete()
            org.delete(force_drop=True)
        connection.set_schema_to_public()
