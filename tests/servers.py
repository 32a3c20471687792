"""Real servers for the tests, started on free loopback ports: Redis and a private PostgreSQL.

Both come from Debian's packages (``make services`` installs them on a fresh machine); each
runs in a temporary folder and is stopped at the end. PostgreSQL gets its own cluster
(``initdb``) so the machine's clusters are never touched; as root, it runs as ``postgres``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)


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
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                                         "-w", "stop"]), capture_output=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)
