"""``cpro-siecle locks`` and ``cpro-siecle unlock RNE``: see a lock, release a stale one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from cpro_siecle_plugin.cli import main
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.journal import now
from cpro_siecle_plugin.store.tables import LockRow

UAJ = "0691234X"


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", url)
    return Ledger(url)


def _silent(ledger: Ledger, minutes: int) -> None:
    with ledger.sessions.begin() as s:
        s.execute(update(LockRow).values(heartbeat=now() - timedelta(minutes=minutes),
                                         process="srv2|0123456789abcdef|77|5"))


def test_unlock_refuses_a_live_lock_without_force(ledger: Ledger) -> None:
    held = ledger.acquire_lock(UAJ, "alice")
    result = CliRunner().invoke(main, ["unlock", UAJ.lower(), "--yes"])
    assert result.exit_code == 2 and "encore actif" in result.output
    assert "verrou pris par alice" in result.output
    assert len(ledger.locks()) == 1
    forced = CliRunner().invoke(main, ["unlock", UAJ, "--yes", "--force"])
    assert forced.exit_code == 0 and ledger.locks() == []
    held.release()


def test_unlock_asks_for_a_confirmation_then_releases_a_stale_lock(ledger: Ledger) -> None:
    ledger.acquire_lock(UAJ, "alice")
    _silent(ledger, 5)
    listing = CliRunner().invoke(main, ["locks"])
    assert listing.exit_code == 0 and "abandonné" in listing.output
    kept = CliRunner().invoke(main, ["unlock", UAJ], input="n\n")
    assert kept.exit_code == 1 and "Verrou conservé" in kept.output and ledger.locks()
    done = CliRunner().invoke(main, ["unlock", UAJ], input="o\n")
    assert done.exit_code == 0, done.output
    assert "levé" in done.output and ledger.locks() == []
    assert "Aucun verrou" in CliRunner().invoke(main, ["unlock", UAJ]).output
    assert "Aucun verrou" in CliRunner().invoke(main, ["locks"]).output
