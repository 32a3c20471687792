"""The per-school import lock refuses a second import while one runs."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from cpro_siecle_plugin.errors import ImportLockedError
from cpro_siecle_plugin.store import Ledger


def test_second_import_of_a_school_is_refused_while_one_runs(ledger: Ledger) -> None:
    """Taking a held lock raises ImportLockedError naming the school and the holder."""
    with ledger.lock("0691234X", "alice"):
        with pytest.raises(ImportLockedError) as info:
            with ledger.lock("0691234X", "bob"):
                pass
    assert "0691234X" in str(info.value) and "alice" in str(info.value)
    assert "déjà en cours" in str(info.value)


def test_lock_refusal_says_since_when_and_when_a_crashed_lock_lifts(ledger: Ledger) -> None:
    """After a killed import the admin learns when the lock was taken and when it expires."""
    with ledger.lock("0691234X", "alice", stale_after=timedelta(hours=2)):
        with pytest.raises(ImportLockedError) as info:
            with ledger.lock("0691234X", "bob", stale_after=timedelta(hours=2)):
                pass
    error = info.value
    assert error.heartbeat is not None and error.since is not None
    assert error.released_at == error.heartbeat + timedelta(hours=2)
    assert f"depuis le {error.since:%d/%m/%Y à %H:%M}" in str(error)
    assert f"levé automatiquement le {error.released_at:%d/%m/%Y à %H:%M:%S}" in str(error)
    assert "processus n°" in str(error) and "cpro-siecle unlock 0691234X" in str(error)


def test_lock_is_released_after_the_import(ledger: Ledger) -> None:
    """Once the block ends, even by an error, the school may be imported again."""
    with pytest.raises(RuntimeError):
        with ledger.lock("0691234X", "alice"):
            raise RuntimeError("boom")
    with ledger.lock("0691234X", "bob"):
        pass


def test_other_schools_are_not_locked(ledger: Ledger) -> None:
    """The lock is per school."""
    with ledger.lock("0691234X", "alice"), ledger.lock("0750001A", "bob"):
        pass


def test_stale_lock_is_taken_over(ledger: Ledger) -> None:
    """A lock older than the expiry (crashed process) does not block forever."""
    with ledger.lock("0691234X", "crashed"):
        with ledger.lock("0691234X", "bob", stale_after=timedelta(seconds=-1)):
            pass


def test_lock_holds_across_threads_and_connections(tmp_path: Path) -> None:
    """A second ledger on the same file, in another thread, is refused too."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    first, second = Ledger(url), Ledger(url)
    errors: list[BaseException] = []

    def other() -> None:
        try:
            with second.lock("0691234X", "bob"):
                pass
        except ImportLockedError as exc:
            errors.append(exc)

    with first.lock("0691234X", "alice"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "alice" in str(errors[0])
    first.close()
    second.close()
