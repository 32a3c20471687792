"""The ledger on a real PostgreSQL: workers side by side, one import per school, first runs."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bench.generate import generate_school
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import ImportLockedError
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
TODAY = date(2025, 9, 15)


def _worker(url: str) -> SiecleService:
    """One worker process's view: its own engine on the shared ledger."""
    return SiecleService(Settings(secret="s"), Ledger(url), MemoryHost(), today=TODAY)


def _files(*paths: Path) -> list[InputFile]:
    return [InputFile(p, p.name) for p in paths]


def test_two_schools_import_side_by_side_from_two_workers(pg_cluster, tmp_path: Path) -> None:
    """Two workers import two schools at the same time; both runs succeed, each school
    keeps its own people.
    """
    url = pg_cluster.new_database()
    other = generate_school(tmp_path, n_students=40, n_guardians=60, n_staff=25,
                            uaj="0759999Z", seed=7)
    jobs = {"0691234X": SAMPLES / "sts_emp_0691234X_2025.xml", "0759999Z": other["sts"]}
    workers = {uaj: _worker(url) for uaj in jobs}
    previews = {uaj: workers[uaj].preview(_files(path), "admin") for uaj, path in jobs.items()}
    results: dict[str, Any] = {}
    start = threading.Barrier(2)

    def run(uaj: str) -> None:
        start.wait(10)
        try:
            results[uaj] = workers[uaj].apply(previews[uaj].plan_id, previews[uaj].checksum,
                                              "admin")
        except Exception as exc:  # noqa: BLE001 - the assertion shows it
            results[uaj] = exc

    threads = [threading.Thread(target=run, args=(uaj,)) for uaj in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(getattr(r, "ok", False) for r in results.values()), results
    ledger = workers["0691234X"].ledger
    assert {r.uaj for r in ledger.history()} == set(jobs)
    assert len(ledger.people("0691234X")) == 6 and len(ledger.people("0759999Z")) > 6
    for worker in workers.values():
        worker.ledger.close()


def test_same_school_twice_is_refused_on_postgresql(pg_cluster) -> None:
    """While one worker imports a school, another worker's import of it is refused."""
    url = pg_cluster.new_database()
    first, second = _worker(url), _worker(url)
    preview = second.preview(_files(SAMPLES / "sts_emp_0691234X_2025.xml"), "bob")
    with first.ledger.lock("0691234X", "alice"), pytest.raises(ImportLockedError) as refused:
        second.apply(preview.plan_id, preview.checksum, "bob")
    assert "alice" in str(refused.value)
    assert second.apply(preview.plan_id, preview.checksum, "bob").ok
    first.ledger.close()
    second.ledger.close()


def test_two_simultaneous_first_runs_both_succeed_or_one_waits(pg_cluster) -> None:
    """Two processes opening a brand-new ledger at once both end with the migrated schema."""
    url = pg_cluster.new_database()
    code = "import sys; from cpro_siecle_plugin.store import Ledger; Ledger(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
             for _ in range(2)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    ledger = Ledger(url)
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    ledger.close()
