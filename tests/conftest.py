"""Shared test configuration: generic paths only. Keep this file small.

Each team's own fixtures live in its folder's ``conftest.py``; add shared ones below in a
clearly marked section of their own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

#: The live-Moodle lab tests: fixture ``moodle_lab``, grouping and summary (tests/lab).
pytest_plugins = ["tests.lab.plugin"]

# ---------------------------------------------------------------- paths (intake helper)
#: Repository root; on ``sys.path`` so tests can import ``bench.generate``.
ROOT = Path(__file__).resolve().parents[1]
#: The shared sample exports (``<repo>/../shared/siecle-samples``; CI keeps the same layout).
SAMPLES = ROOT / ".." / "shared" / "siecle-samples"
#: Small hand-made and hostile input files.
DATA = Path(__file__).resolve().parent / "data"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def samples() -> Path:
    """Folder of the shared sample exports."""
    return SAMPLES


@pytest.fixture
def data_dir() -> Path:
    """Folder of the hand-made and hostile test files."""
    return DATA


# ---------------------------------------------------- ledgers on SQLite and PostgreSQL (h7)
@pytest.fixture(scope="session")
def pg_cluster():
    """A private PostgreSQL cluster for the whole session (see ``tests/servers.py``)."""
    from tests.servers import postgres_cluster

    with postgres_cluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty ledger database: in-memory SQLite, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return "sqlite://"
    return str(request.getfixturevalue("pg_cluster").new_database())


# ---------------------------------------------------------------- CLI (service and mistakes)
@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI whose ledger and embedded host live in ``tmp_path``."""
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_EMBEDDED_HOST_URL", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_SECRET", "test")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    return CliRunner()
