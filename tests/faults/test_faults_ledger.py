"""Ledger faults — disk full, read-only, locked, two first runs at once — end in a French
message naming the problem and what to do, never a traceback, nothing half-written; running
the same command again converges."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from cpro_siecle_plugin.cli import main
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import LedgerError
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.migrate import head
from cpro_siecle_plugin.sync.plan import CreateUser
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
STS = str(SAMPLES / "sts_emp_0691234X_2025.xml")
ELEVES = str(SAMPLES / "ElevesSansAdresses.xml")
RESP = str(SAMPLES / "ResponsablesAvecAdresses.xml")
DAY = ["--today", "2025-09-15"]
CLI = Path(sys.executable).parent / "cpro-siecle"


@contextmanager
def tiny_disk(where: Path, size: str) -> Iterator[Path]:
    """A real filesystem of ``size`` mounted at ``where`` (root only; skipped otherwise)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(where)], capture_output=True, check=False)
    if mounted.returncode:
        pytest.skip("montage d'un petit système de fichiers impossible ici")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _cli(args: list[str], where: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPRO_SIECLE_")}
    env.update(CPRO_SIECLE_DATABASE_URL=url or f"sqlite:///{where / 'ledger.sqlite3'}",
               CPRO_SIECLE_EMBEDDED_HOST_URL=f"sqlite:///{where.parent / 'host.sqlite3'}",
               CPRO_SIECLE_SECRET="faults")
    return subprocess.run([str(CLI), *args, *DAY], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _host_idnumbers(where: Path) -> list[str]:
    with sqlite3.connect(where.parent / "host.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT idnumber FROM host_user")]


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` but ``leave`` bytes."""
    stat = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
    return filler


def test_disk_full_cli_says_so_then_the_same_command_converges(tmp_path: Path) -> None:
    """A full disk under the ledger: the real CLI says so in French, writes nothing, and once
    room is made the same command imports everything once."""
    with tiny_disk(tmp_path / "disk", "6m") as disk:
        assert _cli(["apply", STS], disk).returncode == 0
        filler = _fill(disk, 16 * 1024)
        full = _cli(["apply", STS, ELEVES, RESP], disk)
        assert full.returncode == 2, full.stderr
        assert "le disque est plein" in full.stderr and "Libérez de la place" in full.stderr
        assert "Traceback" not in full.stderr
        filler.unlink()
        ledger = Ledger(f"sqlite:///{disk / 'ledger.sqlite3'}")
        assert [r.result for r in ledger.history()] == ["success"]  # nothing half-written
        ledger.close()
        again = _cli(["apply", STS, ELEVES, RESP], disk)
        assert again.returncode == 0, again.stderr
        idnumbers = _host_idnumbers(disk)
        assert len(idnumbers) == len(set(idnumbers)) > 50


@pytest.mark.parametrize("room", [8, 12, 20], ids=["at-start", "mid-journal", "at-report"])
def test_disk_full_during_an_apply_then_the_same_files_converge(
    tmp_path: Path, room: int
) -> None:
    """The ledger fills up (SQLite ``max_page_count``) as the import starts, in the middle of
    its journal, or at its report: LedgerError in French, and the same files again finish
    the import (continuing the same plan once it began), every account once."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    host = MemoryHost()
    service = SiecleService(Settings(secret="s", host="memory", batch_size=5), ledger, host,
                            today=date(2025, 9, 15))
    files = [InputFile(Path(p), Path(p).name) for p in (STS, ELEVES, RESP)]
    preview = service.preview(files, "admin")
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]

    def cap(dbapi: Any, _record: Any) -> None:
        dbapi.execute(f"PRAGMA max_page_count={pages + room}")

    event.listen(ledger.engine, "connect", cap)
    ledger.engine.dispose()
    with pytest.raises(LedgerError, match="le disque est plein") as info:
        service.apply(preview.plan_id, preview.checksum, "admin")
    assert info.value.kind == "full"
    event.remove(ledger.engine, "connect", cap)
    ledger.engine.dispose()
    began = ledger.plan_record(preview.plan_id).status != "previewed"
    again = service.preview(files, "admin")
    assert again.resumed == began and (again.plan_id == preview.plan_id) == began
    assert service.apply(again.plan_id, again.checksum, "admin").ok
    wanted = {a.idnumber for a in preview.plan.of_kind(CreateUser)}
    assert sorted(u.idnumber for u in host.users.values()) == sorted(wanted)
    assert service.preview(files, "admin").plan.is_empty
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ledger.close()


def test_read_only_ledger_analyse_works_and_apply_says_what_to_do(tmp_path: Path) -> None:
    """A ledger on a disk mounted read-only: ``analyse`` still reads the last STS import,
    ``apply`` is refused in French."""
    with tiny_disk(tmp_path / "disk", "8m") as disk:
        assert _cli(["apply", STS], disk).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        analysed = _cli(["analyse", ELEVES, RESP], disk)
        assert analysed.returncode == 0, analysed.stderr
        assert "Classes : 3" in analysed.stdout
        refused = _cli(["apply", STS, ELEVES, RESP], disk)
        assert refused.returncode == 2
        assert "est en lecture seule" in refused.stderr and "droit d'écriture" in refused.stderr
        assert "Traceback" not in refused.stderr


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CPRO_SIECLE_EMBEDDED_HOST_URL", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_SECRET", "faults")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    return CliRunner()


def test_ledger_opened_read_only_by_url(runner: CliRunner, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``?mode=ro``: analyse reads, apply is refused in French, nothing on the host."""
    path = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{path}")
    assert runner.invoke(main, ["apply", STS, *DAY]).exit_code == 0
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    assert runner.invoke(main, ["analyse", ELEVES, RESP, *DAY]).exit_code == 0
    refused = runner.invoke(main, ["apply", STS, ELEVES, RESP, *DAY])
    assert refused.exit_code == 2 and "est en lecture seule" in refused.output
    assert len(_host_idnumbers(tmp_path / "x")) == 6  # the STS import's accounts only


def test_locked_ledger_says_another_program_holds_it(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{path}?timeout=0.2")
    assert runner.invoke(main, ["apply", STS, *DAY]).exit_code == 0
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        refused = runner.invoke(main, ["apply", STS, ELEVES, RESP, *DAY])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert refused.exit_code == 2, refused.output
    assert "verrouillé par un autre programme" in refused.output
    again = runner.invoke(main, ["apply", STS, ELEVES, RESP, *DAY])
    assert again.exit_code == 0, again.output


def test_first_runs_started_together_migrate_once(tmp_path: Path) -> None:
    """Four processes open a new ledger at the same instant: all succeed, schema at head."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    go = tmp_path / "go"
    code = ("import sys, time, pathlib\n"
            "from cpro_siecle_plugin.store import Ledger\n"
            "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.005)\n"
            "Ledger(sys.argv[1]).close()\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    children = [subprocess.Popen([sys.executable, "-c", code, url, str(go)], env=env,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    import time

    time.sleep(1.5)  # every child imported and waiting
    go.touch()
    errors = [c.communicate(timeout=120)[1] for c in children]
    assert [c.returncode for c in children] == [0, 0, 0, 0], errors
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]


def test_new_ledger_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o777 == 0o600
