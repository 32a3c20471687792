"""Planner edges found by trying real mistakes: each one fixed and pinned here."""

from __future__ import annotations

from sync_factories import UAJ, division, group, plan_and_apply, snapshot, staff, student, tkey

from cpro_siecle_plugin.sync.plan import CreateCohort
from cpro_siecle_plugin.sync.state import cohort_code, cohort_key


def test_a_group_coded_like_a_teachers_cohort_keeps_its_own_cohort() -> None:
    """A group ``2NDE1:ens`` and the teachers of ``2NDE1`` get two cohorts."""
    structures = [division("2NDE1"), group("2NDE1:ens", "2NDE1")]
    plan, state = plan_and_apply(snapshot(
        staff=[staff("T1", "Anne", "MARTIN", "2NDE1")], structures=structures,
        students=[student("1", division="2NDE1"), student("2", "Zoé", "BLANC", "2NDE1",
                                                          "2NDE1:ens")]))
    keys = sorted(a.cohort_key for a in plan.of_kind(CreateCohort))
    assert keys == [f"{UAJ}:2NDE1", f"{UAJ}:2NDE1%3Aens", f"{UAJ}:2NDE1:ens"]
    assert state.people[tkey("T1")].cohorts == {f"{UAJ}:2NDE1:ens"}


def test_cohort_keys_of_plain_codes_are_unchanged_and_decode_back() -> None:
    """Real STS codes keep their keys (no migration); every code decodes back."""
    assert cohort_key(UAJ, "2NDE1") == f"{UAJ}:2NDE1"
    assert cohort_key(UAJ, "2NDE1", teachers=True) == f"{UAJ}:2NDE1:ens"
    for code in ("2NDE1", "a:b", "50%", "%3A", "x:ens"):
        for teachers in (False, True):
            assert cohort_code(cohort_key(UAJ, code, teachers)) == (code, teachers)
