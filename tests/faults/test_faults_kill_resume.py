"""kill -9 of the real CLI mid-import, then the same command at once: a complete import and
one complete report (every account with its initial password), nothing duplicated."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate_school
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.report_data import report_from_data

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "cpro-siecle"
HOOK = Path(__file__).resolve().parent / "killhook"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A generated school in the real formats, small enough for a quick import."""
    paths = generate_school(tmp_path_factory.mktemp("school"), n_students=40, n_guardians=70,
                            n_staff=8)
    return [str(paths[k]) for k in ("sts", "eleves", "responsables")]


def _env(where: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPRO_SIECLE_")}
    env.update(CPRO_SIECLE_DATABASE_URL=f"sqlite:///{where / 'ledger.sqlite3'}",
               CPRO_SIECLE_EMBEDDED_HOST_URL=f"sqlite:///{where / 'host.sqlite3'}",
               CPRO_SIECLE_SECRET="kill-test", CPRO_SIECLE_BATCH_SIZE="20",
               PYTHONPATH=os.pathsep.join([str(HOOK), str(ROOT)]), **extra)
    return env


def _apply(files: list[str], where: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "apply", *files, "--today", "2025-09-15"],
                          env=_env(where, **extra), capture_output=True, text=True,
                          timeout=300, check=False)


def _accounts(where: Path) -> tuple[set[tuple[str, str]], list]:  # type: ignore[type-arg]
    ledger = Ledger(f"sqlite:///{where / 'ledger.sqlite3'}")
    try:
        runs = [ledger.run(r.id) for r in ledger.history()]  # with their reports
        final = runs[0]
        assert final.report is not None
        report = report_from_data(final.report)
        return {(a.username, a.password) for a in report.accounts}, runs
    finally:
        ledger.close()


def _host_users(where: Path) -> list[str]:
    with sqlite3.connect(where / "host.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT idnumber FROM host_user")]


@pytest.fixture(scope="module")
def reference(school: list[str], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[set[tuple[str, str]], int, int]:
    """The same import, never killed: its accounts, host accounts and host writes."""
    where = tmp_path_factory.mktemp("reference")
    count = where / "writes"
    done = _apply(school, where, CPRO_SIECLE_TEST_WRITES_FILE=str(count))
    assert done.returncode == 0, done.stderr
    accounts, _ = _accounts(where)
    return accounts, len(_host_users(where)), int(count.read_text())


@pytest.mark.parametrize("share", [0.0, 0.5, 0.95])
def test_killed_import_run_again_at_once_is_complete_with_one_report(
    school: list[str], reference: tuple[set[tuple[str, str]], int, int], tmp_path: Path,
    share: float,
) -> None:
    accounts, users, writes = reference
    kill_after = max(1, int(share * writes))
    killed = _apply(school, tmp_path, CPRO_SIECLE_TEST_KILL_AFTER=str(kill_after))
    assert killed.returncode == -9, killed.stderr
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    [dead] = ledger.history()  # known dead at once: its process is gone
    assert dead.result == "interrupted" and dead.result_label == "interrompue"
    ledger.close()

    again = _apply(school, tmp_path, CPRO_SIECLE_TEST_KILL_AFTER="-1")
    assert again.returncode == 0, again.stderr
    assert "Reprise de l'importation interrompue" in again.stdout
    assert "Traceback" not in again.stderr
    found, runs = _accounts(tmp_path)
    assert found == accounts  # every account of the import, with its initial password
    assert len(runs) == 2 and runs[1].resumed_by == runs[0].id and runs[1].report is None
    idnumbers = _host_users(tmp_path)
    assert len(idnumbers) == len(set(idnumbers)) == users
    for username, password in list(accounts)[:3]:
        assert password in again.stdout and username in again.stdout
