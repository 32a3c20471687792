"""Real servers for the tests, started on free loopback ports: Redis and a private PostgreSQL.

Both come from Debian's packages (``make services`` installs them on a fresh machine); each
runs in a temporary folder and is stopped at the end. PostgreSQL gets its own cluster
(``initdb``) so the machine's clusters are never touched; as root, it runs as ``postgres``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Wait until something listens on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away Redis on loopback; yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cpro-redis-") as folder:
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresCluster:
    """A private PostgreSQL cluster; :meth:`new_database` gives a fresh database's URL."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", "postgres", "-d", database, "-q", "-v", "ON_ERROR_STOP=1",
                          "-c", sql]),
            check=True, capture_output=True)

    def new_database(self) -> str:
        """A fresh, empty ledger database: its own schema, first on the search path (much
        cheaper than ``CREATE DATABASE``, and as isolated for the ledger's tables).
        """
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE SCHEMA {name}")
        return f"{self.url()}?options=-csearch_path%3D{name}"


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """``initdb`` a cluster in a temporary folder, start it on a free port, stop it after."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError("PostgreSQL 15 absent : lancez `make services`.")
    top = Path(tempfile.mkdtemp(prefix="cpro-pg-"))
    data = top / "data"
    if os.geteuid() == 0:
        shutil.chown(top, "postgres", "postgres")
    port = free_port()
    try:
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                     "-A", "trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True)
        options = (f"-p {port} -k {top} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
                                     "-l", str(top / "log"), "-w", "start"]),
                       check=True, capture_output=True)
        try:
            yield PostgresCluster(top, port)
        finally:
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                         "-w", "stop"]), capture_output=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                start_new_session=True)


@contextmanager
def deployed_platform(folder: Path, cluster: PostgresCluster, web_workers: int = 3
                      ) -> Iterator[dict[str, Any]]:
    """The README's deployment on loopback: its environment keys, ``gunicorn`` with
    ``web_workers`` workers (access log ``folder/access.log``: pid, status, path) and one
    Celery worker, on a private Redis and ``cluster``. Yields ``url``, ``web`` (the gunicorn
    master) and ``ledger`` (the ledger's URL).
    """
    bin_dir = Path(sys.executable).parent
    instance = folder / "instance"
    instance.mkdir(exist_ok=True)
    with redis_server() as broker:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CPRO_SIECLE_DEMO_")}
        env.update({
            "CPRO_SIECLE_DATABASE_URL": cluster.new_database(),
            "CPRO_SIECLE_HOST": "embedded",
            "CPRO_SIECLE_EMBEDDED_HOST_URL": cluster.new_database(),
            "CPRO_SIECLE_SECRET": "un-secret-de-production",
            "CPRO_SIECLE_RUNNER": "celery",
            "CPRO_SIECLE_CELERY_BROKER_URL": broker,
            "CPRO_SIECLE_DEMO_INSTANCE": str(instance),
            "CPRO_SIECLE_DEMO_SECRET_KEY": "une-cle-de-session",
        })
        port = free_port()
        web = _spawn([str(bin_dir / "gunicorn"), "--workers", str(web_workers), "--timeout", "300",
                      "--bind", f"127.0.0.1:{port}", "--access-logfile", str(folder / "access.log"),
                      "--access-logformat", "%(p)s %(s)s %(U)s",
                      "cpro_siecle_plugin.demo:create_app()"], env, folder / "web.log", folder)
        worker = _spawn([str(bin_dir / "celery"), "-A", "cpro_siecle_plugin.worker", "worker",
                         "-Q", "cpro_siecle", "--concurrency", "1", "-l", "INFO"],
                        env, folder / "worker.log", folder)
        try:
            wait_port(port, 60)
            yield {"url": f"http://127.0.0.1:{port}", "web": web,
                   "ledger": env["CPRO_SIECLE_DATABASE_URL"]}
        finally:
            for proc in (web, worker):
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in (web, worker):
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
