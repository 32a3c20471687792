"""Locks bound to a live import: heartbeat, death of the holder, release by the admin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from cpro_siecle_plugin.errors import ImportLockedError, LockLostError
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.journal import now
from cpro_siecle_plugin.store.tables import LockRow
from cpro_siecle_plugin.sync.plan import Plan

UAJ = "0691234X"


@pytest.fixture
def file_ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    yield led
    led.close()


def _age(ledger: Ledger, seconds: float, process: str | None = None) -> None:
    """Make the school's lock look silent for ``seconds`` (held by ``process``)."""
    values = {"heartbeat": now() - timedelta(seconds=seconds)}
    if process is not None:
        values["process"] = process
    with ledger.sessions.begin() as s:
        s.execute(update(LockRow).where(LockRow.uaj == UAJ).values(**values))


def test_a_running_import_keeps_its_lock_however_long(file_ledger: Ledger) -> None:
    """The heartbeat thread refreshes the lock: past the stale delay, still refused."""
    stale = timedelta(seconds=0.4)
    with file_ledger.lock(UAJ, "alice", stale_after=stale):
        time.sleep(1.2)  # three delays: without heartbeat, the lock would be stale
        with pytest.raises(ImportLockedError, match="alice"):
            file_ledger.acquire_lock(UAJ, "bob", stale_after=stale)
        assert not file_ledger.locks(stale_after=stale)[0].stale


def test_a_silent_lock_of_another_machine_is_stale_after_the_delay(ledger: Ledger) -> None:
    """No heartbeat for longer than the delay (holder elsewhere): taken over, runs reaped."""
    held = ledger.acquire_lock(UAJ, "alice")
    plan_id = ledger.save_plan(Plan((), {"uaj": UAJ, "today": "2025-09-15"}), "alice")
    ledger.begin_apply(plan_id)
    run_id = ledger.start_run(plan_id, "alice")
    _age(ledger, 60, process="autre-serveur|0123456789abcdef|4242|99")
    with pytest.raises(ImportLockedError) as info:
        ledger.acquire_lock(UAJ, "bob")
    assert "machine autre-serveur, processus n° 4242" in str(info.value)
    assert ledger.run(run_id).result == "running"
    _age(ledger, 150)
    assert [lk.stale for lk in ledger.locks()] == [True]
    assert ledger.history(UAJ)[0].result_label == "interrompue"
    assert ledger.plan_record(plan_id).status == "interrupted"
    ledger.acquire_lock(UAJ, "bob").release()
    with pytest.raises(LockLostError):
        held.beat(force=True)


def test_lock_of_a_killed_process_is_free_at_once(file_ledger: Ledger, tmp_path: Path) -> None:
    """kill -9 of the holder on this machine: the next import takes the lock at once."""
    code = ("import sys, time; from cpro_siecle_plugin.store import Ledger; "
            "led = Ledger(sys.argv[1]); held = led.acquire_lock('0691234X', 'alice').start(); "
            "print('held', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, file_ledger.url],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    with pytest.raises(ImportLockedError, match="alice"):
        file_ledger.acquire_lock(UAJ, "bob")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    [lock] = file_ledger.locks()
    assert lock.stale and lock.age() < 60
    with file_ledger.lock(UAJ, "bob"):
        assert [lk.holder for lk in file_ledger.locks()] == ["bob"]


def test_admin_release_stops_the_import_at_its_next_heartbeat(ledger: Ledger) -> None:
    """unlock() deletes the lock and marks the run interrupted; the holder learns it."""
    plan_id = ledger.save_plan(Plan((), {"uaj": UAJ, "today": "2025-09-15"}), "alice")
    with pytest.raises(LockLostError, match="levé pendant l'importation"):
        with ledger.lock(UAJ, "alice") as held:
            run_id = ledger.start_run(plan_id, "alice")
            released = ledger.unlock(UAJ)
            assert released is not None and released.holder == "alice" and not released.stale
            assert ledger.run(run_id).result == "interrupted"
            held.beat(force=True)
    assert ledger.unlock(UAJ) is None and ledger.locks() == []


def test_history_marks_a_silent_run_interrupted_after_the_configured_delay(
    ledger: Ledger,
) -> None:
    """The history (its page) reaps with ``CPRO_SIECLE_LOCK_STALE_SECONDS``, not the default:
    silent 150 s, a run is still running under a 600 s setting, interrupted under 120 s."""
    from cpro_siecle_plugin.config import Settings
    from cpro_siecle_plugin.service import SiecleService
    from tests.doubles.memory_host import MemoryHost

    ledger.acquire_lock(UAJ, "alice")
    plan_id = ledger.save_plan(Plan((), {"uaj": UAJ, "today": "2025-09-15"}), "alice")
    ledger.begin_apply(plan_id)
    run_id = ledger.start_run(plan_id, "alice")
    _age(ledger, 150, process="autre-serveur|0123456789abcdef|4242|99")
    patient = SiecleService(Settings(secret="s", lock_stale_seconds=600), ledger, MemoryHost())
    assert [r.result for r in patient.history(UAJ)] == ["running"]
    hasty = SiecleService(Settings(secret="s", lock_stale_seconds=120), ledger, MemoryHost())
    assert [r.result for r in hasty.history(UAJ)] == ["interrupted"]
    assert ledger.run(run_id).result == "interrupted"
