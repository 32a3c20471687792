"""kill -9 of the real CLI while it imports into the live Moodle, then the same command at once.

Checked in Moodle's own database (the lab's PostgreSQL): every account of the import exists
exactly once, with the cohort memberships and guardian links of the plan; the ledger names each
account with its Moodle id; the report of the run that finished the import holds every account,
those the killed run created included, with the initial password Moodle really has.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.report_data import report_from_data
from cpro_siecle_plugin.sync.state import host_idnumber
from tests.lab import Lab
from tests.lab.conftest import LabSchool
from tests.lab.test_lab_scenarios import _generated, _inputs, expected, site

CLI = Path(sys.executable).with_name("cpro-siecle")
UAJ = "0690001A"
PREFIX = f"cpro:{UAJ}:"


def _school_users(lab: Lab) -> int:
    return len(lab.active_users(PREFIX))


def _memberships(lab: Lab) -> int:
    return sum(len(ids) for ids in lab.cohort_members(PREFIX).values())


def _guardian_links(lab: Lab) -> int:
    ours = {u["id"] for u in lab.active_users(PREFIX)}
    return sum(1 for g, _ in lab.parent_links() if g in ours)


#: Where the import is killed: when Moodle's tables first show that much of it.
POINTS: dict[str, Callable[[Lab], bool]] = {
    "user creates": lambda lab: _school_users(lab) >= 5,
    "memberships": lambda lab: _memberships(lab) >= 1,
    "guardian links": lambda lab: _guardian_links(lab) >= 1,
}


def _environment(lab: Lab, where: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPRO_SIECLE_")}
    env.update(CPRO_SIECLE_HOST="moodle", CPRO_SIECLE_MOODLE_URL=lab.url,
               CPRO_SIECLE_MOODLE_TOKEN=lab.token,
               CPRO_SIECLE_MOODLE_PARENT_ROLE=str(lab.parent_role),
               CPRO_SIECLE_SECRET="lab-secret", CPRO_SIECLE_BATCH_SIZE="5",
               CPRO_SIECLE_MOODLE_CONCURRENCY="1",
               CPRO_SIECLE_DATABASE_URL=f"sqlite:///{where / 'ledger.sqlite3'}")
    return env


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_9_of_the_cli_then_plain_rerun_is_complete_once_with_one_report(
    school: LabSchool, tmp_path: Path, point: str
) -> None:
    lab = school.lab
    files = _generated(tmp_path, "school", n_students=20, n_guardians=30, n_staff=4)
    plan = school.service.plan(_inputs(files))  # what the import must leave (not applied)
    want = expected([plan])
    where = tmp_path / "cli"
    where.mkdir()
    env = _environment(lab, where)
    command = [str(CLI), "apply", *map(str, files), "--force", "--today", "2025-09-15"]

    proc = subprocess.Popen(command, env=env, cwd=where, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while not POINTS[point](lab):
        assert proc.poll() is None, f"the import ended before the kill point ({point})"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL

    rerun = subprocess.run(command, env=env, cwd=where, capture_output=True, text=True,
                           timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert "Reprise de l'importation interrompue" in rerun.stdout
    assert "Traceback" not in rerun.stderr

    # Moodle's tables: every account once, the plan's memberships and guardian links.
    idnumbers = Counter(r["idnumber"] for r in lab.rows(
        "select idnumber from mdl_user where deleted = 0 and idnumber like :p", p=PREFIX + "%"))
    assert set(idnumbers) == set(want["users"]) and max(idnumbers.values()) == 1
    got = site(lab, UAJ)
    assert got["cohorts"] == want["cohorts"]
    assert got["members"] == want["members"] and got["links"] == want["links"]

    # The ledger: one import in two runs, one report; each account with its Moodle id.
    ledger = Ledger(env["CPRO_SIECLE_DATABASE_URL"])
    try:
        final, killed = (ledger.run(r.id) for r in ledger.history())  # with their reports
        people = {host_idnumber(p.key): p.host_id for p in ledger.people(UAJ)}
    finally:
        ledger.close()
    assert killed.result == "interrupted" and killed.resumed_by == final.id
    assert killed.report is None and final.result == "success" and final.report is not None
    assert people == {idnumber: u["id"] for idnumber, u in got["users"].items()}
    accounts = {a.username: a.password for a in report_from_data(final.report).accounts}
    assert set(accounts) == {u["username"] for u in got["users"].values()}
    # The first accounts Moodle created, by the killed run: their passwords are right.
    for user in sorted(got["users"].values(), key=lambda u: u["id"])[:3]:
        assert lab.password_ok(user["id"], accounts[user["username"]]), user["username"]
