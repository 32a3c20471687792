"""Fixtures of the runner tests: a real Redis broker and a Celery worker process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.admin.conftest import make_app, ui  # noqa: F401  (the admin tests' host app)
from tests.servers import redis_server

CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A Redis on a free loopback port, for this module's tests."""
    with redis_server() as url:
        yield url


def worker_env(tmp_path: Path, broker: str) -> dict[str, str]:
    """The environment of a worker (and of the web app) sharing one ledger and one host."""
    return {
        "CPRO_SIECLE_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CPRO_SIECLE_HOST": "embedded",
        "CPRO_SIECLE_EMBEDDED_HOST_URL": f"sqlite:///{tmp_path / 'host.sqlite3'}",
        "CPRO_SIECLE_SECRET": "s3cret",
        "CPRO_SIECLE_RUNNER": "celery",
        "CPRO_SIECLE_CELERY_BROKER_URL": broker,
    }


@pytest.fixture
def start_worker(
    tmp_path: Path, redis_url: str
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts Celery workers of the plugin's own app (``start(**more_environment)``); all
    stopped at the end."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **worker_env(tmp_path, redis_url), **extra}
        with open(tmp_path / f"worker{len(procs)}.log", "wb") as log:
            proc = subprocess.Popen(
                [str(CELERY), "-A", "cpro_siecle_plugin.worker", "worker", "-Q", "cpro_siecle",
                 "--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "INFO"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(10)
