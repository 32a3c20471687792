"""The whole pipeline on Moodle: planner, ledger and apply_plan through MoodleHost."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import (
    Discipline,
    ElevesExport,
    Guardian,
    GuardianLink,
    ResponsablesExport,
    School,
    Service,
    Snapshot,
    Staff,
    StaffRole,
    Structure,
    StsExport,
    Student,
)
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.planner import compute_plan

UAJ = "0691234X"
TODAY = date(2025, 9, 15)
SETTINGS = Settings(secret="s", batch_size=4, moodle_parent_role="9")


def _school(students: int = 8) -> Snapshot:
    year = School(UAJ, 2025, "Lycée")
    structures = (Structure("2A", "Seconde A", False), Structure("2B", "Seconde B", False))
    staff = (Staff("77", None, "MARTIN", None, "Anne", date(1980, 3, 7), "ENS",
                   StaffRole.TEACHER, (Discipline("L1300", "MATHS"),),
                   (Service("2A", "0613", "MATHS"),)),)
    kids = tuple(Student(str(1000 + i), None, None, "MOREAU", None, f"Léo{i}",
                         date(2010, 1 + i, 6), None, None, None, None, "2A" if i % 2 else "2B")
                 for i in range(students))
    parents = tuple(Guardian(str(500 + i), None, "MOREAU", None, f"Parent{i}",
                             email="famille.moreau@example.org")  # one family address
                    for i in range(students // 2))
    links = tuple(GuardianLink(str(1000 + i), str(500 + i // 2), 1, None, None)
                  for i in range(students))
    return Snapshot(UAJ, 2025, StsExport(year, structures, staff, (), "sts.xml"),
                    ElevesExport(year, kids, "eleves.xml"),
                    ResponsablesExport(year, parents, links, "resp.xml"), structures)


def _import(moodle, ledger: Ledger):
    plan = compute_plan(_school(), ledger.load_state(UAJ), TODAY, SETTINGS)
    return plan, apply_plan(plan, moodle.host, ledger.journal(ledger.save_plan(plan, "t")),
                            batch_size=4)


def test_first_import_then_reimport_writes_nothing(moodle):
    """Everything reaches Moodle once; an unchanged re-import makes no write request."""
    ledger = Ledger("sqlite://")
    plan, outcome = _import(moodle, ledger)
    assert outcome.ok and not outcome.failed
    users = moodle.fake.users.values()
    assert len(users) == 1 + 1 + 8 + 4  # admin, teacher, students, guardians
    assert all(u["preferences"]["auth_forcepasswordchange"] == "1" for u in users
               if u["username"] != "admin")
    assert len(moodle.fake.assignments) == 8
    writes = moodle.writes
    again, second = _import(moodle, ledger)
    assert not again.actions and moodle.writes == writes
    ledger.close()


@pytest.mark.parametrize("k", [0, 1, 3, 6])
def test_site_down_after_k_writes_then_resume_has_no_duplicate(moodle, k):
    """Moodle going down mid-import: the resumed apply completes with every account once."""
    ledger = Ledger("sqlite://")
    plan = compute_plan(_school(), ledger.load_state(UAJ), TODAY, SETTINGS)
    plan_id = ledger.save_plan(plan, "t")
    moodle.down_after = k
    first = apply_plan(plan, moodle.host, ledger.journal(plan_id), batch_size=4)
    assert not first.complete
    moodle.down_after = None
    resumed = apply_plan(plan, moodle.host, ledger.journal(plan_id), batch_size=4)
    assert resumed.complete and not resumed.failed
    idnumbers = Counter(u["idnumber"] for u in moodle.fake.users.values())
    assert len(idnumbers) == 14 and max(idnumbers.values()) == 1
    assert len(moodle.fake.assignments) == 8
    ledger.close()
