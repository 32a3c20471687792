"""The planner on the real sample exports, read through the intake's ``analyse_files``."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.reports import build_report, report_text
from cpro_siecle_plugin.sync.fold import apply_to_state
from cpro_siecle_plugin.sync.plan import CreateCohort, CreateUser, LinkGuardian, Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.sync.state import LedgerState

analyse = pytest.importorskip("cpro_siecle_plugin.siecle.analyse")
archive = pytest.importorskip("cpro_siecle_plugin.siecle.archive")

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
FILES = ("sts_emp_0691234X_2025.xml", "ElevesSansAdresses.zip", "ResponsablesAvecAdresses.zip")
TODAY = date(2025, 11, 2)  # after the sample leaver's DATE_SORTIE (15/10/2025)
SETTINGS = Settings(secret="samples")
UAJ = "0691234X"


def _snapshot(*names: str):
    files = [archive.InputFile(SAMPLES / name, name) for name in names]
    result = analyse.analyse_files(files, today=TODAY, settings=SETTINGS)
    result.raise_for_errors()
    return result


def _created(plan: Plan, population: str) -> list[CreateUser]:
    return [a for a in plan.of_kind(CreateUser) if a.population == population]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def first() -> tuple[object, Plan]:
    result = _snapshot(*FILES)
    return result, compute_plan(result.snapshot, LedgerState.empty(UAJ), TODAY, SETTINGS)


def test_samples_first_import_creates_the_whole_school(first: tuple[object, Plan]) -> None:
    """Cohorts, 4 teachers, 2 heads, the active students and their legal guardians."""
    result, plan = first
    summary = result.summary  # type: ignore[attr-defined]
    cohorts = {a.cohort_key for a in plan.of_kind(CreateCohort)}  # type: ignore[attr-defined]
    assert {f"{UAJ}:{c}" for c in ("2NDE1", "1ERE1", "TLE1", "ESP1", "ALL1")} <= cohorts
    assert len(_created(plan, "teacher")) == 4
    assert len(_created(plan, "head")) == 2
    students = _created(plan, "student")
    assert len(students) == summary["active_students"]
    assert all(s.division for s in students)
    assert not any("SANS-CLASSE" in s.lastname or s.lastname == "PARTI" for s in students)
    guardians = _created(plan, "guardian")
    student_keys = {s.person_key for s in students}
    assert guardians and all(set(g.students) <= student_keys for g in guardians)
    links = plan.of_kind(LinkGuardian)
    assert {link.student_key for link in links} <= student_keys  # type: ignore[attr-defined]
    assert f"{UAJ}:resp:1128" not in {g.person_key for g in guardians}  # RESP_LEGAL 0
    assert f"{UAJ}:resp:1130" not in {g.person_key for g in guardians}  # absent student


def test_samples_logins_are_valid_unique_and_readable(first: tuple[object, Plan]) -> None:
    """Every login is prenom.nom folded to [a-z0-9.-]; homonyms are numbered."""
    _, plan = first
    logins = [a.username for a in plan.of_kind(CreateUser)]  # type: ignore[attr-defined]
    assert len(logins) == len(set(logins))
    assert all(re.fullmatch(r"[a-z0-9.-]{1,30}", login) for login in logins)
    assert "sacha.ndiaye" in logins and "benoit.dalembert" in logins
    assert any(re.fullmatch(r"[a-z-]+\.[a-z-]+2", login) for login in logins)


def test_samples_reimport_plans_nothing(first: tuple[object, Plan]) -> None:
    """Applying the first plan then importing the same files again changes nothing."""
    result, plan = first
    state = apply_to_state(plan, LedgerState.empty(UAJ), TODAY)
    again = compute_plan(result.snapshot, state, TODAY, SETTINGS)  # type: ignore[attr-defined]
    assert again.is_empty


def test_samples_report_renders(first: tuple[object, Plan]) -> None:
    """The report of the sample import names teachers with their initial password."""
    text = report_text(build_report(first[1]))
    assert "== Enseignants (4) ==" in text
    assert "== Direction (2) ==" in text
