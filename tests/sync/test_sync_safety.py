"""The safety brake: truncated files are refused, normal year changes go through."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sync_factories import SETTINGS, TODAY, division, plan_and_apply, snapshot, staff, student

from cpro_siecle_plugin.errors import SafetyBrakeError
from cpro_siecle_plugin.sync.planner import add_months, compute_plan
from cpro_siecle_plugin.sync.safety import assess, enforce

CLASSES = (division("2A"), division("1A"), division("TA"))


def _students(ids: range, division: str = "2A") -> list:
    return [student(str(i), "Élève", f"NUM{i}", division) for i in ids]


def _school_of_100():
    return plan_and_apply(snapshot(students=_students(range(1000, 1100))))[1]


def test_truncated_eleves_file_is_refused_without_force() -> None:
    """An Eleves file that would deactivate 80 % of the students trips the brake."""
    state = _school_of_100()
    plan = compute_plan(snapshot(students=_students(range(1000, 1020))), state, TODAY, SETTINGS)
    brake = plan.meta["brake"]
    assert brake["triggered"] and brake["population"] == "student"
    assert (brake["count"], brake["total"], brake["threshold"]) == (80, 100, 0.30)
    assert "en cours d'année scolaire" in brake["message"]
    with pytest.raises(SafetyBrakeError, match="80 comptes sur 100 élèves.*30 %"):
        enforce(plan)
    enforce(plan, force=True)


def test_normal_year_change_with_a_third_graduating_goes_through() -> None:
    """At a change of school year, a third of the students leaving is normal."""
    state = replace(_school_of_100(), last_year=2025)
    stayers = _students(range(1000, 1067), "1A") + _students(range(2000, 2030))
    plan = compute_plan(snapshot(students=stayers, year=2026), state, date(2026, 9, 2), SETTINGS)
    brake = plan.meta["brake"]
    assert not brake["triggered"]
    assert brake["year_change"] and brake["threshold"] == 0.60
    assert (brake["count"], brake["total"]) == (33, 100)
    assert "(changement d'année scolaire : 2025-2026 → 2026-2027)" in brake["message"]
    enforce(plan)


def test_same_third_leaving_within_the_year_is_braked() -> None:
    """Within a school year, a third of the students leaving looks like a wrong file."""
    state = replace(_school_of_100(), last_year=2025)
    plan = compute_plan(snapshot(students=_students(range(1000, 1067))), state, TODAY, SETTINGS)
    assert plan.meta["brake"]["triggered"]


def test_deletions_of_last_years_leavers_do_not_brake_a_year_change() -> None:
    """Last year's leavers deleted after retention plus this year's third still pass."""
    state = replace(_school_of_100(), last_year=2025)
    _, state = plan_and_apply(
        snapshot(students=_students(range(1000, 1070))),
        state,
        settings=replace(SETTINGS, brake_share=1.0),
    )
    state = replace(state, last_year=2025)
    later = add_months(TODAY, 12)
    stayers = _students(range(1000, 1047), "1A") + _students(range(3000, 3030))
    plan = compute_plan(snapshot(students=stayers, year=2026), state, later, SETTINGS)
    assert (plan.counts()["deactivate_user"], plan.counts()["delete_user"]) == (23, 30)
    brake = plan.meta["brake"]
    assert (brake["count"], brake["total"]) == (53, 100)
    assert not brake["triggered"]


def test_small_populations_are_never_braked() -> None:
    """Below BRAKE_MIN_POPULATION people, even all leaving is not braked."""
    _, state = plan_and_apply(snapshot(staff=[staff(str(i)) for i in range(5)]))
    plan = compute_plan(snapshot(staff=[]), state, TODAY, SETTINGS)
    assert plan.meta["brake"]["count"] == 5
    assert not plan.meta["brake"]["triggered"]


def test_brake_reports_nothing_when_nobody_leaves() -> None:
    """A plan without departures says so and names the threshold that applies."""
    state = _school_of_100()
    brake = assess((), state, snapshot(students=[]), SETTINGS)
    assert brake["population"] is None and not brake["triggered"]
    assert brake["message"] == (
        "Frein de sécurité : aucun compte désactivé ni supprimé "
        "(seuil de 30 %, en cours d'année scolaire)."
    )
